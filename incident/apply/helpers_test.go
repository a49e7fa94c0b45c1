package apply_test

import (
	"context"
	"errors"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
)

// event builds an event about the demo incident with data marshalled from v.
func event(t *testing.T, id, typ string, v any) incident.Event {
	t.Helper()
	return incidenttest.DemoEventOf(t, id, typ, v)
}

func getIncident(t *testing.T, st store.Store, id string) incident.Incident {
	t.Helper()
	inc, err := st.GetIncident(context.Background(), id)
	if err != nil {
		t.Fatalf("get incident %s: %v", id, err)
	}
	return inc
}

func decisions(t *testing.T, st store.Store, id string) []incident.Decision {
	t.Helper()
	ds, err := st.Decisions(context.Background(), id)
	if err != nil {
		t.Fatalf("decisions of %s: %v", id, err)
	}
	return ds
}

func subjectCount(t *testing.T, st store.Store, id string) int {
	t.Helper()
	p, err := st.Progress(context.Background(), id)
	if err != nil {
		t.Fatalf("progress of %s: %v", id, err)
	}
	return p.Subjects
}

func subjects(ids ...string) incident.SubjectsBatch {
	b := incident.SubjectsBatch{IncidentID: incidenttest.DemoID}
	for _, id := range ids {
		b.Subjects = append(b.Subjects, incident.Subject{ID: id, Locale: "de-DE", Email: id + "@example.com"})
	}
	return b
}

func obligation(d incident.Decision, regime string) (incident.Obligation, bool) {
	for _, ob := range d.Obligations {
		if ob.Regime == regime {
			return ob, true
		}
	}
	return incident.Obligation{}, false
}

var errInjected = errors.New("injected failure")

// faultyStore hands ApplyEvent's fn a Tx whose method failOn does its real
// work and then fails, so the tests can see whether that work is undone.
type faultyStore struct {
	store.Store
	failOn string // "PutIncident" or "AddSubjects"
}

func (s *faultyStore) ApplyEvent(ctx context.Context, eventID, incidentID, eventType string, fn func(store.Tx) error) (bool, error) {
	return s.Store.ApplyEvent(ctx, eventID, incidentID, eventType, func(tx store.Tx) error {
		return fn(&faultyTx{Tx: tx, failOn: s.failOn})
	})
}

type faultyTx struct {
	store.Tx
	failOn string
}

func (t *faultyTx) PutIncident(inc incident.Incident) error {
	if err := t.Tx.PutIncident(inc); err != nil || t.failOn != "PutIncident" {
		return err
	}
	return errInjected
}

func (t *faultyTx) AddSubjects(id string, subs []incident.Subject) (int, error) {
	n, err := t.Tx.AddSubjects(id, subs)
	if err != nil || t.failOn != "AddSubjects" {
		return n, err
	}
	return n, errInjected
}
