package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

func testApplyEventOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := newIncident("INC-1", true)
	runs := 0
	fn := func(tx store.Tx) error {
		runs++
		if _, err := tx.GetIncident(inc.ID); incident.ErrorCode(err) != incident.CodeNotFound {
			t.Errorf("tx.GetIncident before put: err = %v, want not found", err)
		}
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		got, err := tx.GetIncident(inc.ID)
		if err != nil {
			return err
		}
		jsonEqual(t, "incident read back inside the transaction", got, inc)
		return nil
	}
	if seen, err := s.EventApplied(ctx, "ev-1"); err != nil || seen {
		t.Fatalf("EventApplied before apply = %v, %v; want false", seen, err)
	}
	for i, want := range []bool{true, false} {
		applied, err := s.ApplyEvent(ctx, "ev-1", inc.ID, incident.TypeOpened, fn)
		if err != nil || applied != want {
			t.Fatalf("ApplyEvent #%d = %v, %v; want %v", i+1, applied, err, want)
		}
	}
	if runs != 1 {
		t.Errorf("fn ran %d times, want 1", runs)
	}
	if seen, err := s.EventApplied(ctx, "ev-1"); err != nil || !seen {
		t.Errorf("EventApplied after apply = %v, %v; want true", seen, err)
	}
	got, err := s.GetIncident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "stored incident", got, inc)
}

func testApplyEventRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := newIncident("INC-1", true)
	boom := errors.New("classifier failed")
	applied, err := s.ApplyEvent(ctx, "ev-1", inc.ID, incident.TypeOpened, func(tx store.Tx) error {
		if _, err := tx.AppendDecision(inc.Decision); err != nil {
			return err
		}
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		if _, err := tx.AddSubjects(inc.ID, subjects("u", 3)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || applied {
		t.Fatalf("ApplyEvent = %v, %v; want false and the fn's error", applied, err)
	}
	if seen, err := s.EventApplied(ctx, "ev-1"); err != nil || seen {
		t.Errorf("EventApplied after a failed fn = %v, %v; want false", seen, err)
	}
	_, err = s.GetIncident(ctx, inc.ID)
	wantCode(t, err, incident.CodeNotFound)

	// The retry starts from nothing: version 1 again, all subjects new.
	apply(t, s, "ev-1", inc.ID, func(tx store.Tx) error {
		d, err := tx.AppendDecision(inc.Decision)
		if err != nil {
			return err
		}
		if d.Version != 1 {
			t.Errorf("decision version after rollback = %d, want 1", d.Version)
		}
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		n, err := tx.AddSubjects(inc.ID, subjects("u", 3))
		if n != 3 {
			t.Errorf("AddSubjects after rollback added %d, want 3", n)
		}
		return err
	})
}

func testCancelledContext(t *testing.T, s store.Store) {
	seed(t, s, newIncident("INC-1", true))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	applied, err := s.ApplyEvent(ctx, "ev-2", "INC-1", incident.TypeUpdated, func(store.Tx) error {
		return nil
	})
	if err == nil || applied {
		t.Errorf("ApplyEvent with a cancelled context = %v, %v; want an error", applied, err)
	}
	if seen, err := s.EventApplied(context.Background(), "ev-2"); err != nil || seen {
		t.Errorf("EventApplied after a cancelled apply = %v, %v; want false", seen, err)
	}
	if _, err := s.GetIncident(ctx, "INC-1"); err == nil {
		t.Error("GetIncident with a cancelled context succeeded")
	}
}

func testIncidents(t *testing.T, s store.Store) {
	ctx := context.Background()
	list, err := s.ListIncidents(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListIncidents on an empty store = %v, %v", list, err)
	}
	a, b := newIncident("INC-A", true), newIncident("INC-B", false)
	b.OpenedAt = t0.Add(-day)
	seed(t, s, a)
	seed(t, s, b)

	closed := a
	closed.Status = incident.StatusClosed
	closed.Facts.RootCause = "leaked API key"
	closed.UpdatedAt = t0.Add(2 * day)
	apply(t, s, "close-A", a.ID, func(tx store.Tx) error { return tx.PutIncident(closed) })

	got, err := s.GetIncident(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "replaced incident", got, closed)
	list, err = s.ListIncidents(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, inc := range list {
		ids = append(ids, inc.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"INC-A", "INC-B"}) {
		t.Errorf("ListIncidents ids = %v, want INC-A and INC-B once each", ids)
	}
	_, err = s.GetIncident(ctx, "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
}

func testDecisions(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := newIncident("INC-1", false)
	// Classify first, then store the incident carrying the decision.
	apply(t, s, "ev-1", inc.ID, func(tx store.Tx) error {
		d, err := tx.AppendDecision(decision(inc.ID, false))
		if err != nil {
			return err
		}
		inc.Decision = d
		return tx.PutIncident(inc)
	})
	apply(t, s, "ev-2", inc.ID, func(tx store.Tx) error {
		d, err := tx.AppendDecision(decision(inc.ID, true))
		if err != nil {
			return err
		}
		if d.Version != 2 || d.DecidedAt == nil {
			t.Errorf("second decision: version %d, decided_at %v; want 2 and set", d.Version, d.DecidedAt)
		}
		inc.Decision = d
		return tx.PutIncident(inc)
	})
	list, err := s.Decisions(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Version != 1 || list[1].Version != 2 ||
		list[0].NotifySubjects || !list[1].NotifySubjects {
		t.Fatalf("Decisions = %+v; want versions 1 (no notify), 2 (notify)", list)
	}
	got, err := s.GetIncident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "current decision", got.Decision, list[1])
	_, err = s.Decisions(ctx, "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
}

func testAddSubjects(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := newIncident("INC-1", true)
	first := subjects("u", 3)
	seed(t, s, inc, first...)

	// One known id, one new id given twice: only the new one counts.
	batch := []incident.Subject{first[0], subject("u-4"), subject("u-4")}
	apply(t, s, "ev-2", inc.ID, func(tx store.Tx) error {
		n, err := tx.AddSubjects(inc.ID, batch)
		if n != 1 {
			t.Errorf("AddSubjects added %d, want 1", n)
		}
		return err
	})
	if p := progress(t, s, inc.ID); p.Subjects != 4 || p.Pending != 4 {
		t.Errorf("after re-adding: %d subjects, %d pending; want 4 and 4", p.Subjects, p.Pending)
	}

	_, err := s.ApplyEvent(ctx, "ev-3", "INC-missing", incident.TypeSubjects, func(tx store.Tx) error {
		_, err := tx.AddSubjects("INC-missing", first)
		return err
	})
	wantCode(t, err, incident.CodeNotFound)
	noContact(t, err, first...)

	bad := subject("")
	_, err = s.ApplyEvent(ctx, "ev-4", inc.ID, incident.TypeSubjects, func(tx store.Tx) error {
		_, err := tx.AddSubjects(inc.ID, []incident.Subject{subject("u-5"), bad})
		return err
	})
	wantCode(t, err, incident.CodeInvalid)
	noContact(t, err, bad)
	if p := progress(t, s, inc.ID); p.Subjects != 4 {
		t.Errorf("a rejected batch left %d subjects, want 4", p.Subjects)
	}
}
