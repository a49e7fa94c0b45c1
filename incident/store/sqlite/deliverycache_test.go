package sqlite

import (
	"context"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// A delivery job never sees a stale incident: once the incident changes,
// the cached decoding is replaced.
func TestDeliveryFollowsIncidentChanges(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	put := func(eventID, title string, subjects ...incident.Subject) {
		t.Helper()
		_, err := s.ApplyEvent(ctx, eventID, "INC-1", incident.TypeOpened, func(tx store.Tx) error {
			inc := incident.Incident{ID: "INC-1", Status: incident.StatusOpen,
				Facts: incident.Facts{IncidentID: "INC-1", Title: title}, Decision: incident.Decision{NotifySubjects: true}}
			if err := tx.PutIncident(inc); err != nil {
				return err
			}
			_, err := tx.AddSubjects("INC-1", subjects)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("e1", "first", incident.Subject{ID: "u-1"})
	key := store.DeliveryKey{IncidentID: "INC-1", SubjectID: "u-1"}
	for _, want := range []string{"first", "first"} {
		d, err := s.Delivery(ctx, key)
		if err != nil || d.Incident.Facts.Title != want {
			t.Fatalf("Delivery = %q, %v; want %q", d.Incident.Facts.Title, err, want)
		}
	}
	put("e2", "second")
	if d, err := s.Delivery(ctx, key); err != nil || d.Incident.Facts.Title != "second" {
		t.Fatalf("after an update Delivery = %q, %v; want the new title", d.Incident.Facts.Title, err)
	}
}

// Retired tokens stay retired across a restart, although LiveTokens skips
// its query until a token is retired.
func TestRetiredTokensSurviveReopen(t *testing.T) {
	path := t.TempDir() + "/herald.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if live, err := s.LiveTokens(ctx, []string{"a", "b"}); err != nil || len(live) != 2 {
		t.Fatalf("LiveTokens with nothing retired = %v, %v", live, err)
	}
	if err := s.RetireTokens(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if live, err := s.LiveTokens(ctx, []string{"a", "b"}); err != nil || len(live) != 1 || live[0] != "b" {
		t.Errorf("LiveTokens after reopening = %v, %v; want [b]", live, err)
	}
}
