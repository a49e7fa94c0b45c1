// Package apply turns validated events into durable incident state: facts,
// decision versions and subjects, each event applied at most once.
package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// Classifier decides what an incident's facts require, given the subjects
// stored so far; classify.Standard().Decide is one.
type Classifier func(incident.Facts, incident.Population) incident.Decision

// Result says what an applied event changed, so later stages know what to
// react to.
type Result struct {
	IncidentID      string
	Applied         bool // false: the event id was seen before; nothing changed
	DecisionChanged bool
	SubjectsAdded   int
	Closed          bool
}

// Applier applies events to the store.
type Applier struct {
	Store    store.Store
	Classify Classifier
	Now      func() time.Time
}

// Apply applies ev once. Events about an unknown incident are invalid (they
// go to the dead-letter topic rather than being retried for ever).
func (a *Applier) Apply(ctx context.Context, ev incident.Event) (Result, error) {
	res := Result{IncidentID: ev.Subject}
	id, err := incidentID(ev)
	if err != nil {
		return res, err
	}
	res.IncidentID = id
	res.Applied, err = a.Store.ApplyEvent(ctx, ev.ID, id, ev.Type, func(tx store.Tx) error {
		return a.applyTx(tx, ev, id, &res)
	})
	if err != nil {
		return res, fmt.Errorf("apply event: %w", err)
	}
	return res, nil
}

func (a *Applier) applyTx(tx store.Tx, ev incident.Event, id string, res *Result) error {
	switch ev.Type {
	case incident.TypeOpened:
		return a.open(tx, ev, id, res)
	case incident.TypeUpdated:
		return a.update(tx, ev, id, res)
	case incident.TypeSubjects:
		return a.addSubjects(tx, ev, id, res)
	case incident.TypeClosed:
		return a.close(tx, ev, id, res)
	}
	return incident.Invalid("type", "unknown event type")
}

func (a *Applier) open(tx store.Tx, ev incident.Event, id string, res *Result) error {
	var f incident.Facts
	if err := json.Unmarshal(ev.Data, &f); err != nil {
		return incident.Invalid("data", "facts do not decode: %v", err)
	}
	reason, err := changeReason(ev)
	if err != nil {
		return err
	}
	inc, err := tx.GetIncident(id)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		inc = incident.Incident{ID: id, Status: incident.StatusOpen, OpenedAt: a.now()}
	} else if err != nil {
		return err
	}
	inc.Facts = f // a repeated `opened` restates the facts in full
	return a.redecide(tx, inc, reason, true, res)
}

func (a *Applier) update(tx store.Tx, ev incident.Event, id string, res *Result) error {
	inc, err := a.existing(tx, id)
	if err != nil {
		return err
	}
	reason, err := changeReason(ev)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(inc.Facts)
	if err != nil {
		return fmt.Errorf("encode facts: %w", err)
	}
	merged, err := incident.MergePatch(doc, ev.Data)
	if err != nil {
		return incident.Invalid("data", "patch does not apply: %v", err)
	}
	var f incident.Facts
	if err := json.Unmarshal(merged, &f); err != nil {
		return incident.Invalid("data", "patched facts do not decode: %v", err)
	}
	f.IncidentID = id // change_reason, not a fact, was dropped with the decoding
	inc.Facts = f
	return a.redecide(tx, inc, reason, true, res)
}

// addSubjects stores the batch's new subjects; if there were any, the
// people affected changed, so the incident is decided again.
func (a *Applier) addSubjects(tx store.Tx, ev incident.Event, id string, res *Result) error {
	inc, err := a.existing(tx, id)
	if err != nil {
		return err
	}
	var batch incident.SubjectsBatch
	if err := json.Unmarshal(ev.Data, &batch); err != nil {
		return incident.Invalid("data.subjects", "subjects do not decode")
	}
	n, err := tx.AddSubjects(id, batch.Subjects)
	res.SubjectsAdded = n
	if err != nil || n == 0 {
		return err
	}
	return a.redecide(tx, inc, "", false, res)
}

func (a *Applier) close(tx store.Tx, ev incident.Event, id string, res *Result) error {
	inc, err := a.existing(tx, id)
	if err != nil {
		return err
	}
	var c incident.Closure
	if err := json.Unmarshal(ev.Data, &c); err != nil {
		return incident.Invalid("data", "closure does not decode: %v", err)
	}
	inc.Facts.RootCause, inc.Facts.FinalMeasures = c.RootCause, c.FinalMeasures
	inc.Facts.ClosedAt = c.ClosedAt
	if inc.Facts.ClosedAt == nil {
		now := a.now()
		inc.Facts.ClosedAt = &now
	}
	inc.Status = incident.StatusClosed
	inc.UpdatedAt = a.now()
	res.Closed = true
	return tx.PutIncident(inc)
}

func (a *Applier) existing(tx store.Tx, id string) (incident.Incident, error) {
	inc, err := tx.GetIncident(id)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		return inc, incident.Invalid("data.incident_id", "unknown incident: open it first")
	}
	return inc, err
}

func (a *Applier) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// incidentID finds the incident an event is about: data.incident_id, else
// the envelope subject.
func incidentID(ev incident.Event) (string, error) {
	var probe struct {
		IncidentID string `json:"incident_id"`
	}
	_ = json.Unmarshal(ev.Data, &probe)
	if probe.IncidentID != "" {
		return probe.IncidentID, nil
	}
	if ev.Subject != "" {
		return ev.Subject, nil
	}
	return "", incident.Invalid("data.incident_id", "required")
}
