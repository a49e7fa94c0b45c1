package guard_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/guard"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

// newClock is a hand-driven clock for the breaker.
func newClock() *incidenttest.Clock {
	return incidenttest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// step is how the provider answers one call.
type step struct {
	err   error
	hold  chan struct{} // when set, the call waits for it (or its ctx) first
	panic bool
}

// provider is a scripted stand-in for a channel's notifier: call i gets
// script[i], calls past the script get rest. It counts the calls that
// reached it and can announce each one on entered.
type provider struct {
	mu      sync.Mutex
	script  []step
	rest    step
	calls   int
	entered chan int // when set, receives each call's number on entry
}

func (p *provider) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	p.mu.Lock()
	p.calls++
	n := p.calls
	s := p.rest
	if n <= len(p.script) {
		s = p.script[n-1]
	}
	entered := p.entered
	p.mu.Unlock()
	if entered != nil {
		entered <- n
	}
	if s.hold != nil {
		select {
		case <-s.hold:
		case <-ctx.Done():
			return notifier.Receipt{}, fmt.Errorf("fake: %w: %w", notifier.Retryable("fake cancelled", 0), ctx.Err())
		}
	}
	if s.panic {
		panic("fake provider blew up")
	}
	if s.err != nil {
		return notifier.Receipt{}, s.err
	}
	return notifier.Receipt{Provider: "fake", ProviderID: fmt.Sprintf("m%d", n)}, nil
}

func (p *provider) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

func (p *provider) setRest(s step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rest = s
}

var testDelivery = notifier.Delivery{
	IncidentID: "inc-7", SubjectID: "sub-7", Channel: "sms",
	To:      []string{"+14155550199"},
	Message: notifier.Message{Text: "Your data was part of incident inc-7."},
}

// send is one Notify with the test delivery and a background context.
func send(g *guard.Guard) error {
	_, err := g.Notify(context.Background(), testDelivery)
	return err
}

// sendN sends n times and returns the last error.
func sendN(g *guard.Guard, n int) error {
	var err error
	for range n {
		err = send(g)
	}
	return err
}

// assertOpen checks err is the breaker's refusal: retryable, the fixed
// reason, the given RetryAfter, and no personal data.
func assertOpen(t *testing.T, err error, name string, retryAfter time.Duration) {
	t.Helper()
	var ne *notifier.Error
	if !errors.Is(err, guard.ErrOpen) || !errors.As(err, &ne) {
		t.Fatalf("error %v is not the open breaker's", err)
	}
	if ne.Permanent || ne.Reason != "provider "+name+" circuit open" {
		t.Errorf("open error %+v, want retryable %q", ne, "provider "+name+" circuit open")
	}
	if got := notifier.RetryAfter(err); got != retryAfter {
		t.Errorf("RetryAfter = %v, want %v", got, retryAfter)
	}
	notifiertest.AssertNoPersonalData(t, err, testDelivery)
}

func assertState(t *testing.T, g *guard.Guard, want guard.State) {
	t.Helper()
	if got := g.State(); got != want {
		t.Fatalf("state %v, want %v", got, want)
	}
}

func assertCalls(t *testing.T, p *provider, want int) {
	t.Helper()
	if got := p.Calls(); got != want {
		t.Fatalf("provider called %d times, want %d", got, want)
	}
}

// receive waits for one value, failing the test after a few seconds.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting")
	}
	var zero T
	return zero
}

var (
	unavailable = notifier.Retryable("twilio 503", 0)
	invalidTo   = notifier.Permanent("twilio 21211 invalid number")
)
