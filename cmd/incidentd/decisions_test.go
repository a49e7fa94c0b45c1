package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
)

// TestDecisionsEndpoint reads the audit log through the real handler over a
// real store: every version, oldest first, with changes and the reason.
func TestDecisionsEndpoint(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	p.Clock.Advance(time.Hour)
	reason := "the shop is below the NIS2 size threshold"
	patch, _ := json.Marshal(map[string]any{"incident_id": incidenttest.DemoID,
		"entity": map[string]any{"nis2": "none"}, "change_reason": reason})
	p.Apply(t, incident.Event{SpecVersion: "1.0", ID: "evt-upd", Source: "urn:test", Type: incident.TypeUpdated,
		Subject: incidenttest.DemoID, Data: patch})

	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics(), publicURL: "http://127.0.0.1"}
	srv := httptest.NewServer(api.routes())
	t.Cleanup(srv.Close)

	var ds []incident.Decision
	if code := getJSONFrom(t, srv.URL+"/api/v1/incidents/"+incidenttest.DemoID+"/decisions", &ds); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	if len(ds) != 2 || ds[0].Version != 1 || ds[1].Version != 2 {
		t.Fatalf("got %d versions, want 1 and 2 in order", len(ds))
	}
	if ds[0].Changes != nil || ds[0].ChangeReason != "" || ds[0].DecidedAt == nil || !ds[0].DecidedAt.Equal(incidenttest.T0) {
		t.Errorf("v1 = changes %+v reason %q decided %v; want none, none, %v", ds[0].Changes, ds[0].ChangeReason, ds[0].DecidedAt, incidenttest.T0)
	}
	v2 := ds[1]
	if len(v2.Changes) == 0 || v2.ChangeReason != reason || !v2.DecidedAt.Equal(p.Clock.Now()) {
		t.Errorf("v2 = changes %+v reason %q decided %v", v2.Changes, v2.ChangeReason, v2.DecidedAt)
	}
	var apiErr map[string]string
	if code := getJSONFrom(t, srv.URL+"/api/v1/incidents/INC-NOPE/decisions", &apiErr); code != http.StatusNotFound || apiErr["code"] != incident.CodeNotFound {
		t.Errorf("unknown incident: status %d body %v; want 404 not_found", code, apiErr)
	}
}

// getJSONFrom decodes the body of a GET into v, whatever the status.
func getJSONFrom(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
	return resp.StatusCode
}
