package notice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier/notice"
)

// pipeline is the demo incident in a real store, changed through the real
// applier, with a publisher on the same clock.
type pipeline struct {
	*incidenttest.Pipeline
	pub *notice.Publisher
	seq int
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	base := incidenttest.NewPipeline(t, incidenttest.T0)
	p := &pipeline{Pipeline: base, pub: &notice.Publisher{Store: base.Store, Now: base.Clock.Now}}
	p.Apply(t, incidenttest.DemoEvent(t))
	return p
}

// update applies a merge patch to the demo's facts.
func (p *pipeline) update(t *testing.T, patch map[string]any) {
	t.Helper()
	p.seq++
	patch["incident_id"] = incidenttest.DemoID
	data, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	p.Apply(t, incident.Event{SpecVersion: "1.0", ID: fmt.Sprintf("evt-upd-%d", p.seq), Source: "urn:test",
		Type: incident.TypeUpdated, Subject: incidenttest.DemoID, Data: data})
}

// notPractical makes the demo need a public notice.
func (p *pipeline) notPractical(t *testing.T) {
	t.Helper()
	p.update(t, map[string]any{"contact": map[string]any{"individual_contact_practical": false}})
}

func (p *pipeline) ensure(t *testing.T) bool {
	t.Helper()
	published, err := p.pub.Ensure(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatalf("ensure notice: %v", err)
	}
	return published
}

func (p *pipeline) notice(t *testing.T) incident.Notice {
	t.Helper()
	n, err := p.Store.GetNotice(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatalf("get notice: %v", err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
