package dispatch

import (
	"context"
	"fmt"
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
	return &fixture{store: st, outcomes: make(chan string, 100), channels: map[string]*scripted{
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
		Config{Workers: 4, PollInterval: 20 * time.Millisecond, Backoff: time.Millisecond, MaxTries: 3})
}

// runUntil runs the dispatcher until n outcomes were observed.
func (f *fixture) runUntil(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.dispatcher().Run(ctx); close(done) }()
	var got []string
	timeout := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case o := <-f.outcomes:
			got = append(got, o)
		case <-timeout:
			t.Fatalf("only %d of %d outcomes: %v", len(got), n, got)
		}
	}
	cancel()
	<-done
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
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com", Phone: "+15550100001",
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
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com", Phone: "+15550100001"})
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
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+15550100001", Email: "a@example.com"})
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
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+15550100001", Email: "a@example.com"})
	down := notifier.Retryable("twilio unreachable", 0)
	f.channels["sms"].script = []error{down, down, down}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 3 {
		t.Errorf("sms calls = %d, want MaxTries = 3", f.channels["sms"].calls)
	}
}

// A provider known to be down (an open circuit) is not waited on: the
// person moves to their next channel after one try.
func TestProviderDownFallsBackAtOnce(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "+15550100001", Email: "a@example.com"})
	open := fmt.Errorf("provider sms circuit open: %w", notifier.ErrProviderDown)
	f.channels["sms"].script = []error{open, open, open}
	if got := f.runUntil(t, 1); got[0] != "sent:email" {
		t.Fatalf("outcome %v, want sent:email", got)
	}
	if f.channels["sms"].calls != 1 {
		t.Errorf("sms calls = %d, want 1: a down provider is not retried", f.channels["sms"].calls)
	}
}

func TestInvalidContactsAreRefusedBeforeSending(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Phone: "12345", Email: "not an address"})
	if got := f.runUntil(t, 1); got[0] != "unreachable:" {
		t.Fatalf("outcome %v, want unreachable", got)
	}
	if f.channels["sms"].calls+f.channels["email"].calls != 0 {
		t.Error("an invalid contact reached a provider")
	}
	rows := f.attempts(t, "s1")
	if rows["sms"].Error != "invalid phone number (not E.164)" || rows["email"].Error != "invalid email address" {
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
	job := store.PendingDelivery{Incident: incident.Incident{ID: "INC-1"}, Subject: incident.Subject{ID: "s1", Email: "a@example.com"}}
	d := f.dispatcher()
	d.deliver(context.Background(), job)
	if n := f.channels["email"].count("s1"); n != 1 {
		t.Errorf("email sent %d times, want once", n)
	}
}

func TestStaleClaimIsNeverResent(t *testing.T) {
	f := newFixture(t, true, incident.Subject{ID: "s1", Email: "a@example.com"}, incident.Subject{ID: "s2", Email: "b@example.com"})
	// A crash between claim and result leaves a claimed row.
	ok, err := f.store.ClaimAttempt(context.Background(), store.Attempt{IncidentID: "INC-1", SubjectID: "s1", Channel: "email"})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if n, err := f.store.ResolveStaleClaims(context.Background()); err != nil || n != 1 {
		t.Fatalf("ResolveStaleClaims = %d, %v", n, err)
	}
	f.runUntil(t, 1) // only s2 is still pending
	if f.channels["email"].count("s1") != 0 || f.channels["email"].count("s2") != 1 {
		t.Errorf("sends: s1=%d s2=%d", f.channels["email"].count("s1"), f.channels["email"].count("s2"))
	}
	p, _ := f.store.Progress(context.Background(), "INC-1")
	if p.Uncertain != 1 || p.Sent != 1 {
		t.Errorf("progress %+v, want 1 uncertain and 1 sent", p)
	}
}

func TestNothingIsSentWhenSubjectsNeedNotBeTold(t *testing.T) {
	f := newFixture(t, false, incident.Subject{ID: "s1", Email: "a@example.com"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	f.dispatcher().Run(ctx)
	if f.channels["email"].calls != 0 {
		t.Error("a subject was told although the decision does not require it")
	}
}

func TestManySubjectsEachToldOnce(t *testing.T) {
	var subjects []incident.Subject
	for i := 0; i < 200; i++ {
		subjects = append(subjects, incident.Subject{ID: "s" + string(rune('A'+i%26)) + time.Duration(i).String(), Email: "p@example.com"})
	}
	f := newFixture(t, true, subjects...)
	f.runUntil(t, len(subjects))
	for _, s := range subjects {
		if n := f.channels["email"].count(s.ID); n != 1 {
			t.Fatalf("%s told %d times", s.ID, n)
		}
	}
}
