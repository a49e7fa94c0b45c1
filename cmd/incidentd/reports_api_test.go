package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/notifier/outbox"
	"github.com/herald-notify/herald/templates"
)

// reportsAPI serves the real routes plus the report request handler over a
// real store and a real Reporter delivering to an outbox in outboxDir.
type reportsAPI struct {
	srv       *httptest.Server
	pipe      *incidenttest.Pipeline
	outboxDir string
}

func newReportsAPI(t *testing.T) *reportsAPI {
	t.Helper()
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	dir := t.TempDir()
	box, err := outbox.New(dir, incident.ChannelEmail)
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Reporter{Store: p.Store, Deliver: box, AuthorityEmail: "reports@csirt.example.org",
		Render: templates.RenderReportText, NoticeURL: func(id string) string { return "https://notices.example.com/notices/" + id },
		Now: p.Clock.Now, Log: zaptest.NewLogger(t)}
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics(), publicURL: "https://notices.example.com", reporter: rep}
	mux := http.NewServeMux()
	mux.Handle("/", api.routes())
	mux.HandleFunc("POST /api/v1/incidents/{id}/reports", api.generateReport)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &reportsAPI{srv: srv, pipe: p, outboxDir: filepath.Join(dir, incident.ChannelEmail)}
}

// post sends body to the incident's reports and returns status, headers
// and the decoded answer.
func (a *reportsAPI) post(t *testing.T, id, body string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.Post(a.srv.URL+"/api/v1/incidents/"+id+"/reports", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer %q is not a JSON object: %v", b, err)
	}
	return resp.StatusCode, resp.Header, out
}

func (a *reportsAPI) emails(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(a.outboxDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

func TestGenerateReportCreatesAVersion(t *testing.T) {
	a := newReportsAPI(t)
	code, h, got := a.post(t, incidenttest.DemoID, `{"regime": "NIS2", "phase": "intermediate"}`)
	if code != http.StatusCreated {
		t.Fatalf("status %d (%v), want 201", code, got)
	}
	if got["regime"] != "NIS2" || got["phase"] != "intermediate" || got["late"] != false || got["content_hash"] == "" {
		t.Errorf("answer %v, want the NIS2 intermediate report on time with its hash", got)
	}
	fields, _ := got["fields"].(map[string]any)
	if fields["decision_version"] != float64(1) {
		t.Errorf("decision_version %v, want 1", fields["decision_version"])
	}
	version := int(got["version"].(float64))
	loc := "/api/v1/incidents/" + incidenttest.DemoID + "/reports/" + strconv.Itoa(version)
	if h.Get("Location") != loc {
		t.Errorf("Location %q, want %q", h.Get("Location"), loc)
	}
	var stored incident.Report
	if status := getJSONFrom(t, a.srv.URL+loc, &stored); status != http.StatusOK || stored.ContentHash != got["content_hash"] {
		t.Errorf("GET %s: %d hash %q, want the report just made", loc, status, stored.ContentHash)
	}
	if n := a.emails(t); n != 1 {
		t.Errorf("%d emails to the authority, want 1", n)
	}
}

func TestGenerateReportLateNeedsReasons(t *testing.T) {
	a := newReportsAPI(t)
	a.pipe.Clock.Set(time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)) // the 24 h early warning is 6 h late
	code, _, got := a.post(t, incidenttest.DemoID, `{"regime": "NIS2", "phase": "early_warning"}`)
	if code != http.StatusBadRequest || got["field"] != "reasons" || !strings.Contains(got["error"].(string), "give the reasons for the delay") {
		t.Fatalf("late without reasons: %d %v, want 400 naming reasons", code, got)
	}
	if n := a.emails(t); n != 0 {
		t.Fatalf("a refused report was sent (%d emails)", n)
	}
	code, _, got = a.post(t, incidenttest.DemoID, `{"regime": "NIS2", "phase": "early_warning", "reasons": "CSIRT portal down"}`)
	fields, _ := got["fields"].(map[string]any)
	if code != http.StatusCreated || got["late"] != true || fields["reasons_for_delay"] != "CSIRT portal down" {
		t.Errorf("late with reasons: %d late=%v reasons=%v, want 201 late with the reasons", code, got["late"], fields["reasons_for_delay"])
	}
}

func TestGenerateReportRefusesBadInput(t *testing.T) {
	a := newReportsAPI(t)
	tests := []struct {
		name, id, body string
		status         int
		field          string
	}{
		{"unknown regime", incidenttest.DemoID, `{"regime": "HIPAA", "phase": "initial"}`, http.StatusBadRequest, "regime"},
		{"unknown phase", incidenttest.DemoID, `{"regime": "GDPR", "phase": "interim"}`, http.StatusBadRequest, "phase"},
		{"not JSON", incidenttest.DemoID, `regime=GDPR`, http.StatusBadRequest, "body"},
		{"misspelt field", incidenttest.DemoID, `{"regime": "GDPR", "phase": "initial", "reason": "x"}`, http.StatusBadRequest, "body"},
		{"two objects", incidenttest.DemoID, `{"regime": "GDPR", "phase": "initial"} {}`, http.StatusBadRequest, "body"},
		{"unknown incident", "INC-NOPE", `{"regime": "GDPR", "phase": "initial"}`, http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, got := a.post(t, tc.id, tc.body)
			if code != tc.status || tc.field != "" && got["field"] != tc.field || got["error"] == "" {
				t.Errorf("%d %v, want %d naming %q", code, got, tc.status, tc.field)
			}
		})
	}
	if n := a.emails(t); n != 0 {
		t.Errorf("refused requests sent %d emails", n)
	}
}

func TestGenerateReportWithoutReporter(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics()}
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/incidents/x/reports", strings.NewReader(`{}`))
	api.generateReport(w, r)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
}
