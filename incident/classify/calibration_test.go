package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The regulator's conclusions on the worked cases in shared/examples.
func TestCalibration(t *testing.T) {
	cases := loadCalibration(t)
	b, err := os.ReadFile(filepath.Join(calibrationDir, "expected.json"))
	if err != nil {
		t.Fatalf("read expected: %v", err)
	}
	var expected map[string]struct {
		Case            string `json:"case"`
		NotifyAuthority bool   `json:"notify_authority"`
		NotifySubjects  bool   `json:"notify_subjects"`
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatalf("decode expected: %v", err)
	}
	for _, c := range cases {
		want, ok := expected[c.facts.IncidentID]
		if !ok {
			t.Errorf("%s: %s has no expected conclusion", c.file, c.facts.IncidentID)
			continue
		}
		t.Run(c.facts.IncidentID, func(t *testing.T) {
			d := Classify(c.facts)
			if d.NotifyAuthority != want.NotifyAuthority || d.NotifySubjects != want.NotifySubjects {
				t.Errorf("%s: authority %v subjects %v, want %v %v\nrationale:\n  %s", want.Case,
					d.NotifyAuthority, d.NotifySubjects, want.NotifyAuthority, want.NotifySubjects,
					strings.Join(d.Severity.Rationale, "\n  "))
			}
			if d.Review != nil {
				t.Errorf("every fact is stated, yet review %q", d.Review.Signals)
			}
			if !reflect.DeepEqual(d, Classify(c.facts)) {
				t.Error("two runs on the same facts differ")
			}
		})
	}
}
