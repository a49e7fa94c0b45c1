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
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/store/sqlite"
)

const demoID = "INC-DEMO-0001"

var (
	demoPath   = filepath.Join("..", "..", "examples", "demo", "incident.json")
	edpb01Path = filepath.Join("testdata", "edpb-01.json") // copy of shared/examples/calibration
)

// t0 is an hour after the demo's aware_at: every deadline is still ahead.
var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

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
	f, err := contract.FactsFromEvent(readEvent(t, demoPath))
	if err != nil {
		t.Fatal(err)
	}
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

// pipeline is the store and applier the reporter reads from.
type pipeline struct {
	st    *sqlite.Store
	apply *apply.Applier
	clock *clock
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: t0}
	return &pipeline{st: st, apply: &apply.Applier{Store: st, Classify: classify.Classify, Now: c.Now}, clock: c}
}

func (p *pipeline) send(t *testing.T, ev incident.Event) {
	t.Helper()
	if _, err := p.apply.Apply(context.Background(), ev); err != nil {
		t.Fatalf("apply %s: %v", ev.ID, err)
	}
}

func (p *pipeline) close(t *testing.T, id string) {
	t.Helper()
	data, _ := json.Marshal(incident.Closure{IncidentID: id, RootCause: "stolen support session token",
		FinalMeasures: []string{"Bound support sessions to managed devices"}})
	p.send(t, incident.Event{SpecVersion: "1.0", ID: "evt-close-" + id, Source: "urn:test",
		Type: incident.TypeClosed, Subject: id, Data: data})
}

func (p *pipeline) reports(t *testing.T, id string) []incident.Report {
	t.Helper()
	list, err := p.st.ListReports(context.Background(), id)
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
