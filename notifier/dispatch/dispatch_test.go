package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// scripted is a channel whose answers are given in advance, one per call;
// once the script runs out it accepts.
type scripted struct {
	mu     sync.Mutex
	script []error
	sent   map[string]int // subject id -> accepted sends
	calls  int
}

func (s *scripted) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.script) > 0 {
		err := s.script[0]
		s.script = s.script[1:]
		if err != nil {
			return notifier.Receipt{}, err
		}
	}
	if s.sent == nil {
		s.sent = map[string]int{}
	}
	s.sent[d.SubjectID]++
	return notifier.Receipt{Provider: "fake", ProviderID: "id-" + d.SubjectID}, nil
}

func (s *scripted) count(subject string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent[subject]
}

type fixture struct {
	store    store.Store
	channels map[string]*scripted
	outcomes chan string
	now      func() time.Time // nil: the real clock
}

func newFixture(t *testing.T, notify bool, subjects ...incident.Subject) *fixture {
	t.Helper()
	st := incidenttest.OpenStore(t)
	_, err := st.ApplyEvent(context.Background(), "e1", "INC-1", incident.TypeOpened, func(tx store.Tx) error {
		d, err := tx.AppendDecision(incident.Decision{IncidentID: "INC-1", NotifySubjects: notify, Risk: incident.RiskHigh})
		if err != nil {
			return err
		}
		inc := incident.Incident{ID: "INC-1", Status: incident.StatusOpen, Decision: d, Facts: incident.Facts{IncidentID: "INC-1"}}
		if err := tx.PutIncident(inc); err != nil {
			return err
		}
		_, err = tx.AddSubjects("INC-1", subjects)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: st, outcomes: make(chan string, 1000), channels: map[string]*scripted{
		incident.ChannelEmail: {}, incident.ChannelSMS: {}, incident.ChannelPush: {},
	}}
}

func (f *fixture) dispatcher() *Dispatcher {
	chans := map[string]notifier.Notifier{}
	for k, v := range f.channels {
		chans[k] = v
	}
	render := func(ch string, inc incident.Incident, s incident.Subject) (Rendered, error) {
		return Rendered{Message: notifier.Message{Text: "notice for " + inc.ID, Link: "http://x/notices/" + inc.ID},
			TemplateID: ch + "/en@v1", Locale: "en"}, nil
	}
	observe := func(_, outcome, channel string) { f.outcomes <- outcome + ":" + channel }
	return New(f.store, chans, render, observe, zap.NewNop(),
		Config{Backoff: time.Millisecond, MaxTries: 3, Now: f.now})
}

// runUntil delivers a job for every person the store queues, as the
// notifier workers would, until n outcomes were observed.
func (f *fixture) runUntil(t *testing.T, n int) []string {
	t.Helper()
	ctx := context.Background()
	d := f.dispatcher()
	keys, err := f.store.ToQueue(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := d.Deliver(ctx, k); err != nil {
			t.Fatalf("Deliver(%s): %v", k.SubjectID, err)
		}
	}
	var got []string
	for len(got) < n {
		select {
		case o := <-f.outcomes:
			got = append(got, o)
		default:
			t.Fatalf("only %d of %d outcomes: %v", len(got), n, got)
		}
	}
	return got
}

func (f *fixture) attempts(t *testing.T, subject string) map[string]store.Attempt {
	t.Helper()
	rows, err := f.store.Attempts(context.Background(), "INC-1", subject)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Attempt{}
	for _, r := range rows {
		m[r.Channel] = r
	}
	return m
}

func TestPreferredOrderIsFollowed(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com", Phone: "+12015550123",
		PushTokens: []string{"tok"}, Channels: []string{"email", "sms"}})
	got := f.runUntil(t, 1)
	if got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls+f.channels["push"].calls != 0 {
		t.Error("channels after the first working one were used")
	}
	a := f.attempts(t, "s1")["email"]
	if a.Status != incident.AttemptSent || a.ProviderID != "id-s1" || a.ContentHash == "" || a.TemplateID != "email/en@v1" {
		t.Errorf("ledger row %+v lacks proof of notice", a)
	}
}

func TestDefaultChainSkipsMissingContacts(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com"})
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	rows := f.attempts(t, "s1")
	if rows["push"].Status != incident.AttemptNoAddress || rows["sms"].Status != incident.AttemptNoAddress {
		t.Errorf("missing contacts not recorded: %+v", rows)
	}
}

func TestPermanentFailureFallsBack(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com", Phone: "+12015550123"})
	f.channels["sms"].script = []error{notifier.Permanent("twilio 21211 invalid number")}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 1 {
		t.Errorf("a permanent failure was retried: %d calls", f.channels["sms"].calls)
	}
	if r := f.attempts(t, "s1")["sms"]; r.Status != incident.AttemptFailed || r.Error == "" {
		t.Errorf("sms row %+v, want failed with reason", r)
	}
}

func TestRetryableFailureIsRetriedThenSent(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+12015550123", Email: "a@example.com"})
	f.channels["sms"].script = []error{notifier.Retryable("twilio 500", 0), notifier.Retryable("twilio 429", time.Millisecond)}
	if got := f.runUntil(t, 1); got[0] != "sent:sms" {
		t.Fatalf("outcome %v, want sent:sms", got)
	}
	if r := f.attempts(t, "s1")["sms"]; r.Tries != 3 {
		t.Errorf("tries = %d, want 3", r.Tries)
	}
	if f.channels["email"].calls != 0 {
		t.Error("fell back although the retry succeeded")
	}
}

func TestExhaustedRetriesFallBack(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+12015550123", Email: "a@example.com"})
	down := notifier.Retryable("twilio unreachable", 0)
	f.channels["sms"].script = []error{down, down, down}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 3 {
		t.Errorf("sms calls = %d, want MaxTries = 3", f.channels["sms"].calls)
	}
}

// An open circuit is waited out when its trial comes within the send
// deadline: a short outage does not move anyone off the channel, and the
// refusals are not counted as tries.
func TestOpenCircuitIsWaitedOut(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+12015550123", Email: "a@example.com"})
	open := fmt.Errorf("provider sms circuit open: %w", notifier.ErrProviderDown)
	f.channels["sms"].script = []error{open, open, open, open, open}
	if got := f.runUntil(t, 1); got[0] != "sent:sms" {
		t.Fatalf("outcome %v, want sent:sms after the circuit closed", got)
	}
	if r := f.attempts(t, "s1")["sms"]; r.Tries != 1 {
		t.Errorf("tries = %d, want 1: refusals by an open circuit never reached the provider", r.Tries)
	}
}

// A circuit that stays open past the send deadline moves the person on.
func TestOpenCircuitBeyondTheDeadlineFallsBack(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+12015550123", Email: "a@example.com"})
	open := circuitOpen{&notifier.Error{Reason: "circuit open", RetryAfter: time.Hour}}
	f.channels["sms"].script = []error{open, open, open}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 1 {
		t.Errorf("sms calls = %d, want 1: an hour's wait is past the deadline", f.channels["sms"].calls)
	}
}

// circuitOpen is what an open guard answers: retryable, with the time left
// until its trial, and matching notifier.ErrProviderDown.
type circuitOpen struct{ err *notifier.Error }

func (c circuitOpen) Error() string      { return c.err.Error() }
func (c circuitOpen) Unwrap() error      { return c.err }
func (circuitOpen) Is(target error) bool { return target == notifier.ErrProviderDown }

func TestInvalidContactsAreRefusedBeforeSending(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "12345", Email: "not an address"})
	if got := f.runUntil(t, 1); got[0] != "unreachable:" {
		t.Fatalf("outcome %v, want unreachable", got)
	}
	if f.channels["sms"].calls+f.channels["email"].calls != 0 {
		t.Error("an invalid contact reached a provider")
	}
	rows := f.attempts(t, "s1")
	if rows["sms"].Error != "invalid phone number" || rows["email"].Error != "invalid email address" {
		t.Errorf("reasons: %+v", rows)
	}
}

func TestNoContactIsUnreachable(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1"})
	if got := f.runUntil(t, 1); got[0] != "unreachable:" {
		t.Fatalf("outcome %v, want unreachable", got)
	}
	p, _ := f.store.Progress(context.Background(), "INC-1")
	if p.Unreachable != 1 || p.Pending != 0 {
		t.Errorf("progress %+v", p)
	}
}

func TestLedgerPreventsASecondSend(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com"})
	f.runUntil(t, 1)
	// Replay the same job, as a redelivery or a second worker would.
	if err := f.dispatcher().Deliver(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if n := f.channels["email"].count("s1"); n != 1 {
		t.Errorf("email sent %d times, want once", n)
	}
}

// A claim left by a crash (or by a sender elsewhere) is not final while its
// lease runs: the job stays unacknowledged. Once the lease is over it is
// resolved as uncertain and never resent.
func TestClaimedSendIsNeverResent(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com"}, incident.Subject{ID: "s2", Email: "b@example.com"})
	clock := time.Now()
	f.now = func() time.Time { return clock }
	ok, err := f.store.ClaimAttempt(context.Background(), store.Attempt{IncidentID: "INC-1", SubjectID: "s1", Channel: "email", ClaimedAt: clock})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	key := store.DeliveryKey{IncidentID: "INC-1", SubjectID: "s1"}
	if err := f.dispatcher().Deliver(context.Background(), key); !errors.Is(err, ErrClaimHeld) {
		t.Fatalf("Deliver during the lease = %v, want ErrClaimHeld", err)
	}
	clock = clock.Add(6 * time.Minute) // past the default 5m lease
	if err := f.dispatcher().Deliver(context.Background(), key); err != nil {
		t.Fatalf("Deliver after the lease: %v", err)
	}
	f.runUntil(t, 2) // s1's uncertain outcome, then s2
	if f.channels["email"].count("s1") != 0 || f.channels["email"].count("s2") != 1 {
		t.Errorf("sends: s1=%d s2=%d", f.channels["email"].count("s1"), f.channels["email"].count("s2"))
	}
	p, _ := f.store.Progress(context.Background(), "INC-1")
	if p.Uncertain != 1 || p.Sent != 1 {
		t.Errorf("progress %+v, want 1 uncertain and 1 sent", p)
	}
}

// The retries of one channel stop at the send deadline, even with tries
// left, and the person falls back.
func TestSendDeadlineEndsRetries(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+12015550123", Email: "a@example.com"})
	slow := notifier.Retryable("twilio 429", time.Hour) // Retry-After far beyond the deadline
	f.channels["sms"].script = []error{slow, slow, slow}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 1 {
		t.Errorf("sms calls = %d, want 1: the wait would pass the deadline", f.channels["sms"].calls)
	}
}

func TestNothingIsSentWhenSubjectsNeedNotBeTold(t *testing.T) {
	f := newFixture(t, false, incident.Subject{ID: "s1", Email: "a@example.com"})
	keys, err := f.store.ToQueue(context.Background(), 10)
	if err != nil || len(keys) != 0 {
		t.Fatalf("ToQueue = %v, %v; want nothing to queue", keys, err)
	}
	// A job queued before the duty was lifted sends nothing either.
	if err := f.dispatcher().Deliver(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if f.channels["email"].calls != 0 {
		t.Error("a subject was told although the decision does not require it")
	}
}

func TestManySubjectsEachToldOnce(t *testing.T) {
	var subjects []incident.Subject
	for i := 0; i < 200; i++ {
		subjects = append(subjects, incident.Subject{ID: fmt.Sprintf("s%03d", i), Email: "p@example.com"})
	}
	f := newFixture(t, true, subjects...)
	f.runUntil(t, len(subjects))
	for _, s := range subjects {
		if n := f.channels["email"].count(s.ID); n != 1 {
			t.Fatalf("%s told %d times", s.ID, n)
		}
	}
}

// Tokens FCM reports unregistered are retired: never tried again, for this
// person or anyone holding the same token.
func TestUnregisteredTokensAreRetired(t *testing.T) {
	f := newFixture(t, true,
		incident.Subject{ID: "s1", PushTokens: []string{"dead-token", "live-token"}, Email: "a@example.com"},
		incident.Subject{ID: "s2", PushTokens: []string{"dead-token"}, Email: "b@example.com"})
	push := &retiring{dead: "dead-token"}
	d := New(f.store, map[string]notifier.Notifier{"push": push, "email": f.channels["email"]},
		func(ch string, inc incident.Incident, s incident.Subject) (Rendered, error) {
			return Rendered{Message: notifier.Message{Text: "notice"}, TemplateID: ch + "/en@v1", Locale: "en"}, nil
		}, nil, zap.NewNop(), Config{Backoff: time.Millisecond})
	for _, id := range []string{"s1", "s2"} {
		if err := d.Deliver(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if got := push.tried; len(got) != 1 || got[0] != "dead-token,live-token" {
		t.Errorf("tokens tried per send = %q; want both for s1, and no push send for s2", got)
	}
	if r := f.attempts(t, "s2")["push"]; r.Status != incident.AttemptNoAddress {
		t.Errorf("s2 push row %+v, want no_address (its only token is retired)", r)
	}
	if f.channels["email"].count("s2") != 1 {
		t.Error("s2 was not told by email")
	}
}

// retiring is a push channel that reports one token unregistered.
type retiring struct {
	dead  string
	tried []string
}

func (r *retiring) Notify(_ context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	r.tried = append(r.tried, strings.Join(d.To, ","))
	rec := notifier.Receipt{Provider: "fake", ProviderID: "p-" + d.SubjectID}
	for _, tok := range d.To {
		if tok == r.dead {
			rec.Unregistered = append(rec.Unregistered, tok)
		}
	}
	return rec, nil
}

// A duplicate job that read the person as pending just before another
// worker told them loses the claim, sends nothing and counts nothing.
func TestDuplicateJobCountsThePersonOnce(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com"})
	stale, err := f.store.Delivery(context.Background(), store.DeliveryKey{IncidentID: "INC-1", SubjectID: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	f.runUntil(t, 1)
	if err := f.dispatcher().deliver(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	if n := f.channels["email"].count("s1"); n != 1 {
		t.Errorf("email sent %d times, want once", n)
	}
	select {
	case o := <-f.outcomes:
		t.Errorf("the duplicate job counted the person again: %s", o)
	default:
	}
}
