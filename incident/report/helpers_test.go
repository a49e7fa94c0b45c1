package report_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/incidenttest"
)

var edpb01Path = filepath.Join("testdata", "edpb-01.json") // copy of shared/examples/calibration

// t0 is an hour after the demo's aware_at: every deadline is still ahead.
// It is an hour before incidenttest.T0; kept so these tests run as written.
var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func readEvent(t *testing.T, path string) incident.Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := contract.Decode(b, nil)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return ev
}

// demoIncident is the demo as the applier would store it: its facts and
// the real classifier's decision.
func demoIncident(t *testing.T) incident.Incident {
	t.Helper()
	f := incidenttest.DemoFacts(t)
	d := classify.Classify(f)
	d.Version = 1
	return incident.Incident{ID: f.IncidentID, Status: incident.StatusOpen, Facts: f, Decision: d, OpenedAt: t0, UpdatedAt: t0}
}

func obligation(t *testing.T, d incident.Decision, regime string) incident.Obligation {
	t.Helper()
	for _, ob := range d.Obligations {
		if ob.Regime == regime {
			return ob
		}
	}
	t.Fatalf("no %s obligation in %+v", regime, d.Obligations)
	return incident.Obligation{}
}

// asJSON is v as a regulator reads it once the report is stored: decoded
// JSON, so pointers, times and numbers compare by what they say.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkFields compares each wanted field of r with its JSON form.
func checkFields(t *testing.T, r incident.Report, want map[string]any) {
	t.Helper()
	got := asJSON(t, r.Fields).(map[string]any)
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("field %q missing", key)
			continue
		}
		if w := asJSON(t, w); !reflect.DeepEqual(g, w) {
			t.Errorf("field %q = %v, want %v", key, g, w)
		}
	}
}

// pipeline is the store and applier the reporter reads from, on a clock
// that starts at t0.
type pipeline struct{ *incidenttest.Pipeline }

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	return &pipeline{incidenttest.NewPipeline(t, t0)}
}

func (p *pipeline) close(t *testing.T, id string) {
	t.Helper()
	data, _ := json.Marshal(incident.Closure{IncidentID: id, RootCause: "stolen support session token",
		FinalMeasures: []string{"Bound support sessions to managed devices"}})
	p.Apply(t, incident.Event{SpecVersion: "1.0", ID: "evt-close-" + id, Source: "urn:test",
		Type: incident.TypeClosed, Subject: id, Data: data})
}

func (p *pipeline) reports(t *testing.T, id string) []incident.Report {
	t.Helper()
	list, err := p.Store.ListReports(context.Background(), id)
	if err != nil {
		t.Fatalf("list reports: %v", err)
	}
	return list
}

// phases maps regime to the phases reported, in order.
func phases(list []incident.Report) map[string][]string {
	out := map[string][]string{}
	for _, r := range list {
		out[r.Regime] = append(out[r.Regime], r.Phase)
	}
	return out
}
