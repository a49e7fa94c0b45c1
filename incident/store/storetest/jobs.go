package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

func key(incidentID, subjectID string) store.DeliveryKey {
	return store.DeliveryKey{IncidentID: incidentID, SubjectID: subjectID}
}

func toQueueIDs(t *testing.T, s store.Store, limit int) []string {
	t.Helper()
	keys, err := s.ToQueue(context.Background(), limit)
	if err != nil {
		t.Fatalf("ToQueue(%d): %v", limit, err)
	}
	ids := []string{}
	for _, k := range keys {
		ids = append(ids, k.IncidentID+"/"+k.SubjectID)
	}
	return ids
}

func markQueued(t *testing.T, s store.Store, keys ...store.DeliveryKey) {
	t.Helper()
	if err := s.MarkQueued(context.Background(), keys); err != nil {
		t.Fatalf("MarkQueued: %v", err)
	}
}

// testToQueue: pending, unqueued subjects of notifying incidents, oldest
// first across incidents, however the incidents interleave.
func testToQueue(t *testing.T, s store.Store) {
	a, b, c := newIncident("INC-A", true), newIncident("INC-B", false), newIncident("INC-C", true)
	seed(t, s, a, subjects("a", 3)...)
	seed(t, s, b, subjects("b", 2)...)
	seed(t, s, c, subjects("c", 1)...)
	apply(t, s, "more-A", a.ID, func(tx store.Tx) error {
		_, err := tx.AddSubjects(a.ID, []incident.Subject{subject("a-4")})
		return err
	})

	want := []string{"INC-A/a-1", "INC-A/a-2", "INC-A/a-3", "INC-C/c-1", "INC-A/a-4"}
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, want) {
		t.Fatalf("to queue = %v, want %v (oldest first, INC-B not notified)", got, want)
	}
	for _, limit := range []int{1, 3, 4, 5} {
		if got := toQueueIDs(t, s, limit); !slices.Equal(got, want[:limit]) {
			t.Errorf("to queue with limit %d = %v, want %v", limit, got, want[:limit])
		}
	}

	// Told, uncertain and queued subjects are not listed; unknown keys are ignored.
	setOutcome(t, s, a.ID, "a-1", incident.OutcomeSent, incident.ChannelEmail)
	setOutcome(t, s, a.ID, "a-3", incident.OutcomeUncertain, "")
	markQueued(t, s, key(a.ID, "a-2"), key(a.ID, "a-99"), key("INC-missing", "x"))
	markQueued(t, s, key(a.ID, "a-2")) // again: no change, no error
	markQueued(t, s)
	want = []string{"INC-C/c-1", "INC-A/a-4"}
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, want) {
		t.Errorf("to queue after outcomes and marks = %v, want %v", got, want)
	}
	// Queued is not told: a queued subject's outcome is still pending.
	if d, err := s.Delivery(context.Background(), key(a.ID, "a-2")); err != nil || d.Outcome != incident.OutcomePending {
		t.Errorf("queued subject: outcome %q, %v; want still pending", d.Outcome, err)
	}

	// The current decision governs: turn A off and B on.
	a.Decision.NotifySubjects, b.Decision.NotifySubjects = false, true
	apply(t, s, "ev-AB", a.ID, func(tx store.Tx) error {
		if err := tx.PutIncident(a); err != nil {
			return err
		}
		return tx.PutIncident(b)
	})
	want = []string{"INC-B/b-1", "INC-B/b-2", "INC-C/c-1"}
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, want) {
		t.Errorf("to queue after decisions changed = %v, want %v", got, want)
	}
	_, err := s.ToQueue(context.Background(), 0)
	wantCode(t, err, incident.CodeInvalid)
}

func testDelivery(t *testing.T, s store.Store) {
	ctx := context.Background()
	inc := newIncident("INC-1", true)
	subs := subjects("u", 2)
	seed(t, s, inc, subs...)

	d, err := s.Delivery(ctx, key(inc.ID, "u-2"))
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	jsonEqual(t, "delivery incident", d.Incident, inc)
	jsonEqual(t, "delivery subject with its contact details", d.Subject, subs[1])
	if d.Outcome != incident.OutcomePending || len(d.Attempts) != 0 {
		t.Errorf("outcome = %q with %d attempts, want pending with none", d.Outcome, len(d.Attempts))
	}
	claim := store.Attempt{IncidentID: inc.ID, SubjectID: "u-2", Channel: incident.ChannelSMS, ClaimedAt: time.Now().UTC()}
	if ok, err := s.ClaimAttempt(ctx, claim); err != nil || !ok {
		t.Fatalf("ClaimAttempt = %v, %v", ok, err)
	}
	if d, err := s.Delivery(ctx, key(inc.ID, "u-2")); err != nil || len(d.Attempts) != 1 ||
		d.Attempts[0].Channel != incident.ChannelSMS || d.Attempts[0].Status != incident.AttemptClaimed {
		t.Errorf("Delivery after a claim: attempts %+v, %v; want the claimed sms row", d.Attempts, err)
	}
	setOutcome(t, s, inc.ID, "u-2", incident.OutcomeSent, incident.ChannelSMS)
	markQueued(t, s, key(inc.ID, "u-2"))
	if d, err := s.Delivery(ctx, key(inc.ID, "u-2")); err != nil || d.Outcome != incident.OutcomeSent {
		t.Errorf("Delivery after sending = %q, %v; want sent", d.Outcome, err)
	}

	_, err = s.Delivery(ctx, key(inc.ID, "u-9"))
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.Delivery(ctx, key("INC-missing", "u-1"))
	wantCode(t, err, incident.CodeNotFound)
	noContact(t, err, subs...)
}

// testRetiredTokens: retired tokens drop out, the rest keep their order,
// retiring is idempotent.
func testRetiredTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	tokens := []string{"tok-a", "tok-b", "tok-c"}
	live, err := s.LiveTokens(ctx, tokens)
	if err != nil || !slices.Equal(live, tokens) {
		t.Fatalf("LiveTokens before retiring = %v, %v; want all", live, err)
	}
	for range 2 {
		if err := s.RetireTokens(ctx, []string{"tok-b"}); err != nil {
			t.Fatalf("RetireTokens: %v", err)
		}
	}
	if err := s.RetireTokens(ctx, nil); err != nil {
		t.Errorf("RetireTokens(nil): %v", err)
	}
	live, err = s.LiveTokens(ctx, []string{"tok-c", "tok-b", "tok-a", "tok-b", "tok-B"})
	if want := []string{"tok-c", "tok-a", "tok-B"}; err != nil || !slices.Equal(live, want) {
		t.Errorf("LiveTokens = %v, %v; want %v", live, err, want)
	}
	if live, err := s.LiveTokens(ctx, nil); err != nil || len(live) != 0 {
		t.Errorf("LiveTokens(nil) = %v, %v; want none", live, err)
	}
	err = s.RetireTokens(ctx, []string{"tok-d", ""})
	wantCode(t, err, incident.CodeInvalid)
	if live, err := s.LiveTokens(ctx, []string{"tok-d"}); err != nil || len(live) != 1 {
		t.Errorf("LiveTokens after a rejected batch = %v, %v; want tok-d live", live, err)
	}
}
