// Package incidenttest holds the fixtures that the tests of several
// packages share: the demo incident, a settable clock, a real SQLite store
// in a temporary directory, and the real applier and classifier wired to
// them. Import it from _test.go files only.
package incidenttest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/store/sqlite"
)

// DemoID is the id of the demo incident every quick start uses.
const DemoID = "INC-DEMO-0001"

// T0 is the usual clock at the start of a test: two hours after the demo's
// aware_at, so no deadline has passed yet.
var T0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// Clock is a settable Now. It is safe to read while a test moves it, for
// code under test that asks the time from other goroutines.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now is the clock's current time; pass it where code wants a func() time.Time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// OpenStore opens a new, empty SQLite store in t's temporary directory and
// closes it when t ends.
func OpenStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// DemoEvent is the demo incident's opening CloudEvent, decoded through the
// real wire contract as the consumer would. It is read from the embedded
// examples, so it works from any package directory.
func DemoEvent(t testing.TB) incident.Event {
	t.Helper()
	b, err := examples.Demo.ReadFile("demo/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := contract.Decode(b, nil)
	if err != nil {
		t.Fatalf("decode demo: %v", err)
	}
	return ev
}

// DemoEventOf is a CloudEvent about the demo incident: type typ, id id,
// and v as its JSON data (a facts patch, a subjects batch, a closure).
func DemoEventOf(t testing.TB, id, typ string, v any) incident.Event {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return incident.Event{SpecVersion: "1.0", ID: id, Source: "urn:test", Type: typ,
		Subject: DemoID, DataContentType: "application/json", Data: data}
}

// DemoFacts are the facts carried by DemoEvent.
func DemoFacts(t testing.TB) incident.Facts {
	t.Helper()
	f, err := contract.FactsFromEvent(DemoEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// NewApplier is the real applier with the real classifier, on clock c.
func NewApplier(st store.Store, c *Clock) *apply.Applier {
	return &apply.Applier{Store: st, Classify: classify.Standard().Decide, Now: c.Now}
}

// MustApply applies ev and fails the test if that returns an error.
func MustApply(t testing.TB, a *apply.Applier, ev incident.Event) apply.Result {
	t.Helper()
	res, err := a.Apply(context.Background(), ev)
	if err != nil {
		t.Fatalf("apply %s (%s): %v", ev.ID, ev.Type, err)
	}
	return res
}

// Pipeline is a real store changed through the real applier, with the
// clock both of them (and the code under test) read.
type Pipeline struct {
	Store   *sqlite.Store
	Applier *apply.Applier
	Clock   *Clock
}

// NewPipeline opens an empty store (see OpenStore) with a clock at start.
func NewPipeline(t testing.TB, start time.Time) *Pipeline {
	t.Helper()
	st, c := OpenStore(t), NewClock(start)
	return &Pipeline{Store: st, Applier: NewApplier(st, c), Clock: c}
}

// Apply applies ev through the pipeline's applier (see MustApply).
func (p *Pipeline) Apply(t testing.TB, ev incident.Event) apply.Result {
	t.Helper()
	return MustApply(t, p.Applier, ev)
}

// DemoReports are the reports Herald owes for the demo incident at T0,
// made by the real classifier and report.Reporter and read back from a
// real store as the API serves them (golden files in every format).
func DemoReports(t testing.TB) []incident.Report {
	t.Helper()
	p := NewPipeline(t, T0)
	p.Apply(t, DemoEvent(t))
	r := &report.Reporter{Store: p.Store, Now: p.Clock.Now, Log: zap.NewNop(),
		NoticeURL: func(id string) string { return "https://notices.example.com/notices/" + id }}
	ctx := context.Background()
	if err := r.Ensure(ctx, DemoID); err != nil {
		t.Fatal(err)
	}
	list, err := p.Store.ListReports(ctx, DemoID)
	if err != nil || len(list) == 0 {
		t.Fatalf("demo reports = %d, %v", len(list), err)
	}
	return list
}
