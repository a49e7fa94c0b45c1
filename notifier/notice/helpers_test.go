package notice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/store/sqlite"
	"github.com/herald-notify/herald/notifier/notice"
)

const demoID = "INC-DEMO-0001"

var demoPath = filepath.Join("..", "..", "examples", "demo", "incident.json")

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func demoEvent(t *testing.T) incident.Event {
	t.Helper()
	b, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := contract.Decode(b, nil)
	if err != nil {
		t.Fatalf("decode demo: %v", err)
	}
	return ev
}

func demoFacts(t *testing.T) incident.Facts {
	t.Helper()
	f, err := contract.FactsFromEvent(demoEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// pipeline is the demo incident in a real store, changed through the real
// applier, with a publisher on the same clock.
type pipeline struct {
	st    *sqlite.Store
	apply *apply.Applier
	pub   *notice.Publisher
	clock *clock
	seq   int
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: t0}
	p := &pipeline{st: st, clock: c, pub: &notice.Publisher{Store: st, Now: c.Now},
		apply: &apply.Applier{Store: st, Classify: classify.Classify, Now: c.Now}}
	p.send(t, demoEvent(t))
	return p
}

func (p *pipeline) send(t *testing.T, ev incident.Event) {
	t.Helper()
	if _, err := p.apply.Apply(context.Background(), ev); err != nil {
		t.Fatalf("apply %s: %v", ev.ID, err)
	}
}

// update applies a merge patch to the demo's facts.
func (p *pipeline) update(t *testing.T, patch map[string]any) {
	t.Helper()
	p.seq++
	patch["incident_id"] = demoID
	data, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	p.send(t, incident.Event{SpecVersion: "1.0", ID: fmt.Sprintf("evt-upd-%d", p.seq), Source: "urn:test",
		Type: incident.TypeUpdated, Subject: demoID, Data: data})
}

// notPractical makes the demo need a public notice.
func (p *pipeline) notPractical(t *testing.T) {
	t.Helper()
	p.update(t, map[string]any{"contact": map[string]any{"individual_contact_practical": false}})
}

func (p *pipeline) ensure(t *testing.T) bool {
	t.Helper()
	published, err := p.pub.Ensure(context.Background(), demoID)
	if err != nil {
		t.Fatalf("ensure notice: %v", err)
	}
	return published
}

func (p *pipeline) notice(t *testing.T) incident.Notice {
	t.Helper()
	n, err := p.st.GetNotice(context.Background(), demoID)
	if err != nil {
		t.Fatalf("get notice: %v", err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
