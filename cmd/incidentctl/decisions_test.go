package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

const dpoReason = "Forensics confirmed AES-256 at rest; the key never left the HSM."

// decisionLog runs the demo through the real applier: opened, then told the
// data were encrypted without a reason (the duty to tell people is held),
// then again with one (it is dropped).
func decisionLog(t *testing.T) *incidenttest.Pipeline {
	t.Helper()
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	patch := map[string]any{"incident_id": incidenttest.DemoID, "data": map[string]any{
		"protection": map[string]any{"encrypted": true, "state_of_the_art": true, "key_compromised": false}}}
	for i, reason := range []string{"", dpoReason} {
		p.Clock.Advance(time.Hour)
		if reason != "" {
			patch["change_reason"] = reason
		}
		data, _ := json.Marshal(patch)
		p.Apply(t, incident.Event{SpecVersion: "1.0", ID: "evt-upd-" + string(rune('1'+i)), Source: "urn:test",
			Type: incident.TypeUpdated, Subject: incidenttest.DemoID, Data: data})
	}
	return p
}

// storeAPI serves the incident view and the decision log from a real store,
// in the shapes incidentd answers with.
func storeAPI(t *testing.T, p *incidenttest.Pipeline) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/incidents/{id}/decisions", func(w http.ResponseWriter, r *http.Request) {
		ds, err := p.Store.Decisions(r.Context(), r.PathValue("id"))
		answer(w, ds, err)
	})
	mux.HandleFunc("GET /api/v1/incidents/{id}", func(w http.ResponseWriter, r *http.Request) {
		inc, err := p.Store.GetIncident(r.Context(), r.PathValue("id"))
		answer(w, incident.Overview{Incident: inc}, err)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func answer(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if incident.ErrorCode(err) == incident.CodeNotFound {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error(), "code": incident.CodeNotFound})
		return
	}
	json.NewEncoder(w).Encode(v)
}

func TestDecisionsHistory(t *testing.T) {
	srv := storeAPI(t, decisionLog(t))
	r := runCLI(t, "", "decisions", incidenttest.DemoID, "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"incident INC-DEMO-0001: 3 decision versions, oldest first",
		"v1  decided 2026-11-23 10:00 UTC",
		"duties: notify authority; notify subjects; reports to GDPR",
		"v2  decided 2026-11-23 11:00 UTC",
		"notify_subjects: true -> false  HELD at true: send an update with change_reason to confirm",
		"human review required",
		"v3  decided 2026-11-23 12:00 UTC",
		"reason: " + dpoReason,
		`subject_exemption: "none" -> "encrypted"`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("history lacks %q:\n%s", want, r.stdout)
		}
	}
	// v3 confirms the flip: it is listed once as held (v2), once as made (v3).
	if n := strings.Count(r.stdout, "notify_subjects: true -> false"); n != 2 {
		t.Errorf("notify_subjects flip shown %d times, want 2:\n%s", n, r.stdout)
	}
}

func TestDecisionsJSONAndNotFound(t *testing.T) {
	p := decisionLog(t)
	srv := storeAPI(t, p)
	r := runCLI(t, "", "--api", srv.URL, "decisions", "--json", incidenttest.DemoID)
	var ds []incident.Decision
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &ds) != nil || len(ds) != 3 || ds[2].ChangeReason != dpoReason {
		t.Errorf("--json: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runCLI(t, "", "decisions", "INC-NOPE", "--api", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "incident INC-NOPE not found") {
		t.Errorf("unknown incident: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runCLI(t, "", "decisions", "--api", srv.URL); r.code != 2 {
		t.Errorf("no incident id: exit %d, want 2", r.code)
	}
}

func TestStatusShowsDecisionVersion(t *testing.T) {
	srv := storeAPI(t, decisionLog(t))
	r := runCLI(t, "", "status", incidenttest.DemoID, "--api", srv.URL)
	want := "decision:          version 3, decided 2026-11-23 12:00 UTC"
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("status lacks %q (exit %d):\n%s%s", want, r.code, r.stdout, r.stderr)
	}
}
