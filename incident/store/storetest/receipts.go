package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// sendVia claims and finishes an attempt as sent by provider with id, and
// records the subject as told on channel.
func sendVia(t *testing.T, s store.Store, subjectID, channel, provider, id string) store.Attempt {
	t.Helper()
	ctx := context.Background()
	a := store.Attempt{IncidentID: "INC-1", SubjectID: subjectID, Channel: channel,
		Provider: provider, Tries: 1, ClaimedAt: t0}
	if ok, err := s.ClaimAttempt(ctx, a); err != nil || !ok {
		t.Fatalf("claim %s/%s: %v, %v", subjectID, channel, ok, err)
	}
	a.Status, a.ProviderID, a.FinishedAt = incident.AttemptSent, id, t0.Add(time.Second)
	if err := s.FinishAttempt(ctx, a); err != nil {
		t.Fatalf("finish %s/%s: %v", subjectID, channel, err)
	}
	setOutcome(t, s, "INC-1", subjectID, incident.OutcomeSent, channel)
	markQueued(t, s, key("INC-1", subjectID))
	return a
}

func testAttemptByProviderID(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 2)...)
	want := sendVia(t, s, "u-1", incident.ChannelEmail, "smtp", "msg-1")
	sendVia(t, s, "u-2", incident.ChannelSMS, "twilio", "msg-1") // same id, other provider

	got, err := s.AttemptByProviderID(ctx, "smtp", "msg-1")
	if err != nil {
		t.Fatalf("AttemptByProviderID: %v", err)
	}
	jsonEqual(t, "attempt found by provider id", got, want)
	if got, err := s.AttemptByProviderID(ctx, "twilio", "msg-1"); err != nil || got.SubjectID != "u-2" {
		t.Errorf("twilio msg-1 = %+v, %v; want u-2's sms attempt", got, err)
	}
	_, err = s.AttemptByProviderID(ctx, "fcm", "msg-1")
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.AttemptByProviderID(ctx, "smtp", "")
	wantCode(t, err, incident.CodeInvalid)
}

// testFailLate: a late failure reopens the subject only when its outcome
// rests on that channel; a repeated receipt changes nothing.
func testFailLate(t *testing.T, s store.Store) {
	ctx := context.Background()
	subs := subjects("u", 3)
	seed(t, s, newIncident("INC-1", true), subs...)
	bounced := sendVia(t, s, "u-1", incident.ChannelEmail, "smtp", "msg-1")
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, []string{"INC-1/u-2", "INC-1/u-3"}) {
		t.Fatalf("to queue before the bounce = %v", got)
	}

	bounced.FinishedAt = t0.Add(time.Hour)
	reopened, err := s.FailLate(ctx, bounced, "bounced")
	if err != nil || !reopened {
		t.Fatalf("FailLate = %v, %v; want reopened", reopened, err)
	}
	atts, err := s.Attempts(ctx, "INC-1", "u-1")
	if err != nil || len(atts) != 1 {
		t.Fatalf("attempts after the bounce = %+v, %v", atts, err)
	}
	if a := atts[0]; a.Status != incident.AttemptFailed || a.Error != "bounced" ||
		!a.FinishedAt.Equal(t0.Add(time.Hour)) || a.ProviderID != "msg-1" {
		t.Errorf("attempt after the bounce = %+v; want failed, bounced, finished at the receipt", a)
	}
	d, err := s.Delivery(ctx, key("INC-1", "u-1"))
	if err != nil || d.Outcome != incident.OutcomePending {
		t.Errorf("outcome after the bounce = %q, %v; want pending", d.Outcome, err)
	}
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, []string{"INC-1/u-1", "INC-1/u-2", "INC-1/u-3"}) {
		t.Errorf("to queue after the bounce = %v; want u-1 queued again", got)
	}
	if p := progress(t, s, "INC-1"); p.Sent != 0 || p.Pending != 3 || p.Failed != 1 {
		t.Errorf("progress after the bounce = %+v; want 0 sent, 3 pending, 1 failed", p)
	}

	// The same receipt again: nothing changes.
	if reopened, err := s.FailLate(ctx, bounced, "bounced again"); err != nil || reopened {
		t.Errorf("repeated FailLate = %v, %v; want false", reopened, err)
	}
	if atts, _ := s.Attempts(ctx, "INC-1", "u-1"); atts[0].Error != "bounced" {
		t.Errorf("repeated receipt rewrote the attempt: %+v", atts[0])
	}
	testFailLateOtherChannel(t, s)

	_, err = s.FailLate(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-3", Channel: "sms"}, "failed")
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.FailLate(ctx, bounced, "")
	wantCode(t, err, incident.CodeInvalid)
	noContact(t, err, subs...)
}

// testFailLateOtherChannel: u-2's sms fails late after its email reached
// them; a claimed attempt is not failed late.
func testFailLateOtherChannel(t *testing.T, s store.Store) {
	ctx := context.Background()
	sms := sendVia(t, s, "u-2", incident.ChannelSMS, "twilio", "SM1")
	sendVia(t, s, "u-2", incident.ChannelEmail, "smtp", "msg-2")
	reopened, err := s.FailLate(ctx, sms, "undelivered")
	if err != nil || reopened {
		t.Errorf("FailLate of a channel the outcome does not rest on = %v, %v; want false", reopened, err)
	}
	if atts, _ := s.Attempts(ctx, "INC-1", "u-2"); atts[0].Status != incident.AttemptFailed {
		t.Errorf("sms attempt = %+v; want failed", atts[0])
	}
	if d, _ := s.Delivery(ctx, key("INC-1", "u-2")); d.Outcome != incident.OutcomeSent {
		t.Errorf("outcome of u-2 = %q; want still sent by email", d.Outcome)
	}

	claim(t, s, "INC-1", "u-3", "push")
	push := store.Attempt{IncidentID: "INC-1", SubjectID: "u-3", Channel: "push"}
	if reopened, err := s.FailLate(ctx, push, "unregistered"); err != nil || reopened {
		t.Errorf("FailLate of a claimed attempt = %v, %v; want false", reopened, err)
	}
	if atts, _ := s.Attempts(ctx, "INC-1", "u-3"); atts[0].Status != incident.AttemptClaimed {
		t.Errorf("claimed attempt after FailLate = %+v; want unchanged", atts[0])
	}
}
