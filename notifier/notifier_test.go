package notifier_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"http date ahead", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"http date past", now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"negative seconds", "-5", 0},
		{"garbage", "soon", 0},
		{"empty", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := notifier.ParseRetryAfter(c.header, now); got != c.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", c.header, got, c.want)
			}
		})
	}
}
