package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// testMarkDelivered: a sent attempt is marked delivered once and keeps its
// status and times; a repeat, a failed or a claimed attempt changes
// nothing; Progress counts it per channel.
func testMarkDelivered(t *testing.T, s store.Store) {
	ctx := context.Background()
	subs := subjects("u", 3)
	seed(t, s, newIncident("INC-1", true), subs...)
	sms := sendVia(t, s, "u-1", incident.ChannelSMS, "twilio", "SM1")
	email := sendVia(t, s, "u-2", incident.ChannelEmail, "smtp", "msg-2")
	ledger, err := s.Attempts(ctx, "INC-1", "u-1")
	if err != nil {
		t.Fatal(err)
	}

	mark := func(what string, a store.Attempt, want bool) {
		t.Helper()
		if marked, err := s.MarkDelivered(ctx, a, t0.Add(time.Minute)); err != nil || marked != want {
			t.Errorf("MarkDelivered(%s) = %v, %v; want %v", what, marked, err, want)
		}
	}
	mark("sent sms", sms, true)
	mark("sms again", sms, false)
	if after, err := s.Attempts(ctx, "INC-1", "u-1"); err != nil {
		t.Fatal(err)
	} else {
		jsonEqual(t, "ledger after the delivery receipt", after, ledger)
	}
	p := progress(t, s, "INC-1")
	if c := p.ByChannel[incident.ChannelSMS]; c != (incident.ChannelProgress{Sent: 1, Delivered: 1}) {
		t.Errorf("sms progress = %+v; want 1 sent, 1 delivered", c)
	}
	if c := p.ByChannel[incident.ChannelEmail]; c != (incident.ChannelProgress{Sent: 1}) {
		t.Errorf("email progress = %+v; want 1 sent, none delivered", c)
	}

	if _, err := s.FailLate(ctx, email, "bounced"); err != nil {
		t.Fatal(err)
	}
	mark("bounced email", email, false)
	claim(t, s, "INC-1", "u-3", incident.ChannelPush)
	mark("claimed push", store.Attempt{IncidentID: "INC-1", SubjectID: "u-3", Channel: incident.ChannelPush}, false)
	p = progress(t, s, "INC-1")
	if c := p.ByChannel[incident.ChannelEmail]; c != (incident.ChannelProgress{Failed: 1}) {
		t.Errorf("email progress after the bounce = %+v; want 1 failed, none delivered", c)
	}
	if c := p.ByChannel[incident.ChannelPush]; c != (incident.ChannelProgress{Queued: 1}) {
		t.Errorf("push progress = %+v; want 1 queued, none delivered", c)
	}

	_, err = s.MarkDelivered(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-3", Channel: incident.ChannelSMS}, t0)
	wantCode(t, err, incident.CodeNotFound)
	noContact(t, err, subs...)
	_, err = s.MarkDelivered(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1"}, t0)
	wantCode(t, err, incident.CodeInvalid)
}

// testProgressQueuedUnreachable: Queued counts pending people with a job
// on the topic and, per channel, claims still in flight; Unreachable per
// channel follows each person's last channel tried.
func testProgressQueuedUnreachable(t *testing.T, s store.Store) {
	seed(t, s, newIncident("INC-1", true), subjects("u", 7)...)
	seed(t, s, newIncident("INC-2", true), subjects("v", 2)...)
	markQueued(t, s, key("INC-1", "u-1"), key("INC-1", "u-2"), key("INC-1", "u-3"), key("INC-2", "v-1"))
	// u-1: its sms claim is in flight. u-2: queued, nothing tried yet.
	claimAt(t, s, "INC-1", "u-1", incident.ChannelSMS, t0.Add(2*time.Hour))
	// u-3: queued, then told by email (no longer pending).
	finish(t, s, "INC-1", "u-3", incident.ChannelEmail, incident.AttemptSent)
	setOutcome(t, s, "INC-1", "u-3", incident.OutcomeSent, incident.ChannelEmail)
	// u-4: a claim made before a crash, resolved as uncertain.
	claimAt(t, s, "INC-1", "u-4", incident.ChannelPush, t0)
	if _, err := s.ResolveStaleClaims(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// u-5: email then sms failed, sms last. u-6: no contact on any channel.
	finish(t, s, "INC-1", "u-5", incident.ChannelEmail, incident.AttemptFailed)
	finish(t, s, "INC-1", "u-5", incident.ChannelSMS, incident.AttemptFailed)
	finish(t, s, "INC-1", "u-5", incident.ChannelPush, incident.AttemptNoAddress)
	setOutcome(t, s, "INC-1", "u-5", incident.OutcomeUnreachable, "")
	finish(t, s, "INC-1", "u-6", incident.ChannelPush, incident.AttemptNoAddress)
	finish(t, s, "INC-1", "u-6", incident.ChannelEmail, incident.AttemptNoAddress)
	setOutcome(t, s, "INC-1", "u-6", incident.OutcomeUnreachable, "")
	// u-7: pending, not queued. INC-2's v-2 is unreachable on a channel its
	// caller recorded; it must not count for INC-1.
	setOutcome(t, s, "INC-2", "v-2", incident.OutcomeUnreachable, incident.ChannelEmail)

	p := progress(t, s, "INC-1")
	got := p
	got.ByChannel = nil
	jsonEqual(t, "progress counts", got, incident.Progress{
		Subjects: 7, Sent: 1, Failed: 2, Unreachable: 2, Uncertain: 1, Pending: 3, Queued: 2})
	jsonEqual(t, "progress by channel", p.ByChannel, map[string]incident.ChannelProgress{
		incident.ChannelEmail: {Sent: 1, Failed: 1},
		incident.ChannelSMS:   {Queued: 1, Failed: 1, Unreachable: 1},
		incident.ChannelPush:  {},
	})

	p = progress(t, s, "INC-2")
	if p.Queued != 1 || p.Unreachable != 1 || p.ByChannel[incident.ChannelEmail] != (incident.ChannelProgress{Unreachable: 1}) {
		t.Errorf("INC-2 progress = %+v; want 1 queued, 1 unreachable on its recorded channel email", p)
	}
}
