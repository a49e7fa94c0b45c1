package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

func testClaimOnceConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 2)...)
	const workers = 24
	var wg sync.WaitGroup
	results := make(chan bool, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "email"})
			if err != nil {
				t.Errorf("ClaimAttempt: %v", err)
			}
			results <- ok
		}()
	}
	wg.Wait()
	close(results)
	claimed := 0
	for ok := range results {
		if ok {
			claimed++
		}
	}
	if claimed != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", claimed, workers)
	}
	// Another channel or subject is a different row; a finished row still blocks.
	claim(t, s, "INC-1", "u-1", "sms")
	claim(t, s, "INC-1", "u-2", "email")
	finish(t, s, "INC-1", "u-2", "push", incident.AttemptFailed)
	ok, err := s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-2", Channel: "push"})
	if err != nil || ok {
		t.Errorf("claim of a finished attempt = %v, %v; want false", ok, err)
	}

	_, err = s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-9", Channel: "email"})
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1"})
	wantCode(t, err, incident.CodeInvalid)
}

func testFinishAttempt(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 2)...)
	// Claimed later channel first: the ledger keeps claim order.
	for _, ch := range []string{"sms", "email"} {
		ok, err := s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: ch,
			Provider: "p-" + ch, TemplateID: "breach-" + ch, Locale: "pt-BR", ContentHash: "h-" + ch,
			Tries: 1, ClaimedAt: t0})
		if err != nil || !ok {
			t.Fatalf("claim %s = %v, %v", ch, ok, err)
		}
	}
	done := store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "sms",
		Status: incident.AttemptFailed, Tries: 3, Error: "invalid_number", FinishedAt: t0.Add(day)}
	if err := s.FinishAttempt(ctx, done); err != nil {
		t.Fatalf("FinishAttempt: %v", err)
	}
	got, err := s.Attempts(ctx, "INC-1", "u-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Attempt{
		{IncidentID: "INC-1", SubjectID: "u-1", Channel: "sms", Status: incident.AttemptFailed,
			Provider: "p-sms", TemplateID: "breach-sms", Locale: "pt-BR", ContentHash: "h-sms",
			Tries: 3, Error: "invalid_number", ClaimedAt: t0, FinishedAt: t0.Add(day)},
		{IncidentID: "INC-1", SubjectID: "u-1", Channel: "email", Status: incident.AttemptClaimed,
			Provider: "p-email", TemplateID: "breach-email", Locale: "pt-BR", ContentHash: "h-email",
			Tries: 1, ClaimedAt: t0},
	}
	jsonEqual(t, "attempts in claim order", got, want)

	sent := store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "email",
		Status: incident.AttemptSent, ProviderID: "msg-42", Tries: 1}
	if err := s.FinishAttempt(ctx, sent); err != nil {
		t.Fatal(err)
	}
	got, err = s.Attempts(ctx, "INC-1", "u-1")
	if err != nil || len(got) != 2 || got[1].ProviderID != "msg-42" || got[1].FinishedAt.IsZero() {
		t.Errorf("after sending: %+v, %v; want provider id and finished_at set", got, err)
	}

}

// testFinishAttemptErrors: a finished row is never rewritten, and only a
// claimed row can be finished.
func testFinishAttemptErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 2)...)
	finish(t, s, "INC-1", "u-1", "email", incident.AttemptSent)
	a := store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "email",
		Status: incident.AttemptFailed, Tries: 1}
	wantCode(t, s.FinishAttempt(ctx, a), incident.CodeConflict)
	if got, err := s.Attempts(ctx, "INC-1", "u-1"); err != nil || got[0].Status != incident.AttemptSent {
		t.Errorf("attempt after a second finish = %+v, %v; want still sent", got, err)
	}
	a.Channel = "push"
	wantCode(t, s.FinishAttempt(ctx, a), incident.CodeNotFound)
	claim(t, s, "INC-1", "u-1", "push")
	a.Status = incident.AttemptClaimed
	wantCode(t, s.FinishAttempt(ctx, a), incident.CodeInvalid)

	if got, err := s.Attempts(ctx, "INC-1", "u-2"); err != nil || len(got) != 0 {
		t.Errorf("Attempts of an untried subject = %v, %v; want none", got, err)
	}
	_, err := s.Attempts(ctx, "INC-1", "u-9")
	wantCode(t, err, incident.CodeNotFound)
}

func testSetOutcome(t *testing.T, s store.Store) {
	ctx := context.Background()
	subs := subjects("u", 1)
	seed(t, s, newIncident("INC-1", true), subs...)
	setOutcome(t, s, "INC-1", "u-1", incident.OutcomeSent, incident.ChannelPush)
	if p := progress(t, s, "INC-1"); p.Sent != 1 || p.Pending != 0 {
		t.Errorf("progress after sent = %+v", p)
	}
	err := s.SetOutcome(ctx, "INC-1", "u-9", incident.OutcomeSent, incident.ChannelPush)
	wantCode(t, err, incident.CodeNotFound)
	err = s.SetOutcome(ctx, "INC-1", "u-1", "delivered-maybe", incident.ChannelPush)
	wantCode(t, err, incident.CodeInvalid)
	noContact(t, err, subs...)
}

// testStaleClaims: only claims older than claimedBefore are resolved; a
// fresh claim belongs to a live sender.
func testStaleClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 4)...)
	claimAt(t, s, "INC-1", "u-1", "push", t0) // its sender crashed
	finish(t, s, "INC-1", "u-2", "push", incident.AttemptSent)
	setOutcome(t, s, "INC-1", "u-2", incident.OutcomeSent, "push")
	claimAt(t, s, "INC-1", "u-3", "push", t0.Add(time.Hour)) // still in flight

	lease := t0.Add(30 * time.Minute)
	n, err := s.ResolveStaleClaims(ctx, lease)
	if err != nil || n != 1 {
		t.Fatalf("ResolveStaleClaims = %d, %v; want 1", n, err)
	}
	p := progress(t, s, "INC-1")
	if p.Uncertain != 1 || p.Sent != 1 || p.Pending != 2 {
		t.Errorf("progress = %+v; want 1 uncertain, 1 sent, 2 pending", p)
	}
	if got := toQueueIDs(t, s, 10); !slices.Equal(got, []string{"INC-1/u-3", "INC-1/u-4"}) {
		t.Errorf("pending = %v; the uncertain subject must not be resent", got)
	}
	atts, err := s.Attempts(ctx, "INC-1", "u-1")
	if err != nil || len(atts) != 1 || atts[0].Status != incident.AttemptClaimed || atts[0].Error == "" {
		t.Errorf("stale attempt = %+v, %v; want kept as claimed with a reason", atts, err)
	}
	fresh, err := s.Attempts(ctx, "INC-1", "u-3")
	if err != nil || len(fresh) != 1 || fresh[0].Status != incident.AttemptClaimed || fresh[0].Error != "" {
		t.Errorf("fresh claim = %+v, %v; want left to its sender", fresh, err)
	}
	if n, err := s.ResolveStaleClaims(ctx, lease); err != nil || n != 0 {
		t.Errorf("second ResolveStaleClaims = %d, %v; want 0", n, err)
	}
	ok, err := s.ClaimAttempt(ctx, store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "push"})
	if err != nil || ok {
		t.Errorf("re-claim of a stale attempt = %v, %v; want false", ok, err)
	}
	// Once its lease has run out too, the fresh claim is stale.
	if n, err := s.ResolveStaleClaims(ctx, t0.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("ResolveStaleClaims after the later lease = %d, %v; want 1", n, err)
	}
	if p := progress(t, s, "INC-1"); p.Uncertain != 2 || p.Pending != 1 {
		t.Errorf("progress after the later lease = %+v; want 2 uncertain, 1 pending", p)
	}
}

func testProgress(t *testing.T, s store.Store) {
	seed(t, s, newIncident("INC-1", true), subjects("u", 5)...)
	seed(t, s, newIncident("INC-2", true), subjects("v", 2)...)
	// u-1: push failed, email sent. u-2: no push address, email failed.
	finish(t, s, "INC-1", "u-1", "push", incident.AttemptFailed)
	finish(t, s, "INC-1", "u-1", "email", incident.AttemptSent)
	setOutcome(t, s, "INC-1", "u-1", incident.OutcomeSent, "email")
	finish(t, s, "INC-1", "u-2", "push", incident.AttemptNoAddress)
	finish(t, s, "INC-1", "u-2", "email", incident.AttemptFailed)
	setOutcome(t, s, "INC-1", "u-2", incident.OutcomeUnreachable, "")
	claim(t, s, "INC-1", "u-3", "sms")
	setOutcome(t, s, "INC-1", "u-3", incident.OutcomeUncertain, "")
	// Another incident's rows must not count.
	finish(t, s, "INC-2", "v-1", "email", incident.AttemptSent)
	setOutcome(t, s, "INC-2", "v-1", incident.OutcomeSent, "email")

	p := progress(t, s, "INC-1")
	got := p
	got.ByChannel = nil
	jsonEqual(t, "progress counts", got, incident.Progress{
		Subjects: 5, Sent: 1, Failed: 2, Unreachable: 1, Uncertain: 1, Pending: 2})
	// u-2 is unreachable after email, the last channel tried (push had no
	// address); u-3's sms claim is still in flight.
	want := map[string]incident.ChannelProgress{"push": {Failed: 1},
		"email": {Sent: 1, Failed: 1, Unreachable: 1}, "sms": {Queued: 1}}
	for ch, c := range p.ByChannel {
		if w := want[ch]; c != w {
			t.Errorf("by_channel[%s] = %+v, want %+v", ch, c, w)
		}
	}
	for ch, w := range want {
		if p.ByChannel[ch] != w {
			t.Errorf("by_channel[%s] = %+v, want %+v", ch, p.ByChannel[ch], w)
		}
	}

	seed(t, s, newIncident("INC-3", false))
	if p := progress(t, s, "INC-3"); p.Subjects != 0 || p.ByChannel == nil {
		t.Errorf("progress of an incident without subjects = %+v; want zeros and an empty map", p)
	}
	_, err := s.Progress(context.Background(), "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
}

// testCountOutcome: counts one outcome of one incident, matching Progress.
func testCountOutcome(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 4)...)
	seed(t, s, newIncident("INC-2", true), subjects("v", 2)...)
	setOutcome(t, s, "INC-1", "u-1", incident.OutcomeUnreachable, "")
	setOutcome(t, s, "INC-1", "u-2", incident.OutcomeUnreachable, "")
	setOutcome(t, s, "INC-1", "u-3", incident.OutcomeUncertain, "")
	setOutcome(t, s, "INC-2", "v-1", incident.OutcomeUnreachable, "") // another incident's
	for outcome, want := range map[string]int{incident.OutcomeUnreachable: 2, incident.OutcomeUncertain: 1,
		incident.OutcomePending: 1, incident.OutcomeSent: 0} {
		if n, err := s.CountOutcome(ctx, "INC-1", outcome); err != nil || n != want {
			t.Errorf("CountOutcome(%s) = %d, %v; want %d", outcome, n, err, want)
		}
	}
}

// testFinishDelivery: the attempt's result and the person's outcome are
// recorded together, or neither.
func testFinishDelivery(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 2)...)
	claim(t, s, "INC-1", "u-1", "sms")
	a := store.Attempt{IncidentID: "INC-1", SubjectID: "u-1", Channel: "sms", Status: incident.AttemptSent,
		Provider: "twilio", ProviderID: "SM1", Tries: 1}
	if err := s.FinishDelivery(ctx, a, incident.OutcomeSent); err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
	rows, err := s.Attempts(ctx, "INC-1", "u-1")
	if err != nil || len(rows) != 1 || rows[0].Status != incident.AttemptSent || rows[0].ProviderID != "SM1" {
		t.Errorf("attempts after FinishDelivery = %+v, %v", rows, err)
	}
	if p := progress(t, s, "INC-1"); p.Sent != 1 || p.ByChannel["sms"].Sent != 1 {
		t.Errorf("progress after FinishDelivery = %+v, want u-1 sent by sms", p)
	}
	// Nothing claimed for u-2: the attempt fails, so the outcome stays.
	a.SubjectID = "u-2"
	if err := s.FinishDelivery(ctx, a, incident.OutcomeSent); err == nil {
		t.Error("FinishDelivery without a claim succeeded")
	}
	if p := progress(t, s, "INC-1"); p.Sent != 1 || p.Pending != 1 {
		t.Errorf("progress after a refused FinishDelivery = %+v, want u-2 still pending", p)
	}
	a.SubjectID = "u-1"
	wantCode(t, s.FinishDelivery(ctx, a, "delivered-maybe"), incident.CodeInvalid)
}

// testFinalizeOutcome: only a pending subject is finalized, once.
func testFinalizeOutcome(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true), subjects("u", 1)...)
	changed, err := s.FinalizeOutcome(ctx, "INC-1", "u-1", incident.OutcomeSent, incident.ChannelEmail)
	if err != nil || !changed {
		t.Fatalf("first FinalizeOutcome = %v, %v; want changed", changed, err)
	}
	changed, err = s.FinalizeOutcome(ctx, "INC-1", "u-1", incident.OutcomeUnreachable, "")
	if err != nil || changed {
		t.Errorf("second FinalizeOutcome = %v, %v; want unchanged", changed, err)
	}
	if p := progress(t, s, "INC-1"); p.Sent != 1 || p.Unreachable != 0 {
		t.Errorf("progress %+v, want the first outcome kept", p)
	}
	_, err = s.FinalizeOutcome(ctx, "INC-1", "u-9", incident.OutcomeSent, incident.ChannelEmail)
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.FinalizeOutcome(ctx, "INC-1", "u-1", incident.OutcomePending, "")
	wantCode(t, err, incident.CodeInvalid)
}

// testLease: one owner at a time; the holder renews; an expired lease
// passes to another owner.
func testLease(t *testing.T, s store.Store) {
	ctx := context.Background()
	take := func(owner string, ttl time.Duration, want bool) {
		t.Helper()
		if got, err := s.Lease(ctx, "enqueuer", owner, ttl); err != nil || got != want {
			t.Fatalf("Lease(%s) = %v, %v; want %v", owner, got, err, want)
		}
	}
	take("a", time.Hour, true)
	take("b", time.Hour, false)
	take("a", time.Hour, true) // renewal
	if ok, err := s.Lease(ctx, "other", "b", time.Hour); err != nil || !ok {
		t.Errorf("a lease of another name = %v, %v; want taken", ok, err)
	}
	take("a", time.Millisecond, true)
	time.Sleep(5 * time.Millisecond)
	take("b", time.Hour, true) // a's lease expired
	take("a", time.Hour, false)
	_, err := s.Lease(ctx, "", "a", time.Hour)
	wantCode(t, err, incident.CodeInvalid)
}
