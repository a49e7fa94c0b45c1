package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

// TestNoticePageRevisions serves the notice page over a real store with two
// revisions: the current by default, an earlier one by ?rev=, 404 for an
// unknown revision, 400 naming rev for a non-number; ?lang= still applies.
func TestNoticePageRevisions(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	ctx := t.Context()
	for _, title := range []string{"First title", "Second title"} {
		if _, err := p.Store.SaveNotice(ctx, incident.Notice{IncidentID: incidenttest.DemoID, Title: title,
			Facts: incident.Facts{IncidentID: incidenttest.DemoID, Title: title}}); err != nil {
			t.Fatal(err)
		}
	}
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics(), publicURL: "https://notices.example.com"}
	srv := httptest.NewServer(api.routes())
	t.Cleanup(srv.Close)
	tests := []struct {
		query     string
		status    int
		want, not string
	}{
		{"", http.StatusOK, "Second title", "You are reading revision"},
		{"?rev=2", http.StatusOK, "Second title", "You are reading revision"},
		{"?rev=1", http.StatusOK, "You are reading revision 1 of 2", "Second title</h1>"},
		{"?rev=1&lang=de", http.StatusOK, "Sie lesen Version 1 von 2", ""},
		{"?lang=fr", http.StatusOK, "Historique des versions", ""},
		{"?rev=3", http.StatusNotFound, `"not_found"`, ""},
		{"?rev=abc", http.StatusBadRequest, `"rev: `, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + "/notices/" + incidenttest.DemoID + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) || (tt.not != "" && strings.Contains(string(body), tt.not)) {
			t.Errorf("%s: HTTP %d, want %d with %q and without %q:\n%s", tt.query, resp.StatusCode, tt.status, tt.want, tt.not, body)
		}
	}
	resp, err := http.Get(srv.URL + "/notices/INC-NONE")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown notice: HTTP %d, want 404", resp.StatusCode)
	}
}
