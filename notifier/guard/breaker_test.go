package guard_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/guard"
)

// breakerGuard wraps p with a breaker of the given threshold and cooldown
// on a fake clock.
func breakerGuard(p *provider, threshold int, cooldown time.Duration, c *incidenttest.Clock) *guard.Guard {
	return guard.New(p, guard.Config{Name: "twilio", FailureThreshold: threshold, Cooldown: cooldown, Now: c.Now})
}

func TestBreakerOpensAfterThresholdAndSkipsProvider(t *testing.T) {
	c, p := newClock(), &provider{rest: step{err: unavailable}}
	g := breakerGuard(p, 3, 10*time.Second, c)

	for i := range 3 {
		if err := send(g); !errors.Is(err, unavailable) {
			t.Fatalf("send %d: %v, want the provider's own error", i, err)
		}
	}
	assertState(t, g, guard.Open)
	c.Advance(4 * time.Second)
	for range 5 {
		assertOpen(t, send(g), "twilio", 6*time.Second)
	}
	assertCalls(t, p, 3)
}

func TestPermanentFailuresDoNotMoveTheBreaker(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{err: unavailable}}, rest: step{err: invalidTo}}
	g := breakerGuard(p, 2, 10*time.Second, c)

	if err := sendN(g, 10); !notifier.IsPermanent(err) {
		t.Fatalf("last error %v, want the provider's permanent one", err)
	}
	assertState(t, g, guard.Closed)
	assertCalls(t, p, 10)
	// Permanents neither count nor reset: the next retryable failure is
	// the second in a row.
	p.setRest(step{err: unavailable})
	send(g)
	assertState(t, g, guard.Open)
}

func TestSuccessResetsTheCount(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{err: unavailable}, {err: unavailable}, {}, {err: unavailable}, {err: unavailable}},
		rest: step{err: unavailable}}
	g := breakerGuard(p, 3, time.Second, c)

	sendN(g, 5)
	assertState(t, g, guard.Closed)
	send(g)
	assertState(t, g, guard.Open)
}

// tripped returns a guard whose breaker (threshold 1) has just opened.
func tripped(t *testing.T, p *provider, cooldown time.Duration, c *incidenttest.Clock) *guard.Guard {
	t.Helper()
	p.script = append([]step{{err: unavailable}}, p.script...)
	g := breakerGuard(p, 1, cooldown, c)
	send(g)
	assertState(t, g, guard.Open)
	return g
}

func TestHalfOpenAdmitsExactlyOneTrial(t *testing.T) {
	c, hold := newClock(), make(chan struct{})
	p := &provider{script: []step{{hold: hold}}}
	g := tripped(t, p, 5*time.Second, c)
	c.Advance(5 * time.Second)
	assertState(t, g, guard.HalfOpen)

	const senders = 20
	errs := make(chan error, senders)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() { errs <- send(g) })
	}
	// The trial is held inside the provider until every other sender has
	// been refused.
	for range senders - 1 {
		assertOpen(t, receive(t, errs), "twilio", 0)
	}
	assertCalls(t, p, 2)
	close(hold)
	if err := receive(t, errs); err != nil {
		t.Fatalf("trial: %v", err)
	}
	wg.Wait()
	assertState(t, g, guard.Closed)
	if err := sendN(g, 5); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	assertCalls(t, p, 7)
}

func TestFailedTrialReopensForAnotherCooldown(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{err: unavailable}}}
	g := tripped(t, p, 5*time.Second, c)
	c.Advance(5 * time.Second)

	if err := send(g); !errors.Is(err, unavailable) {
		t.Fatalf("trial: %v, want the provider's error", err)
	}
	assertState(t, g, guard.Open)
	c.Advance(4900 * time.Millisecond)
	assertOpen(t, send(g), "twilio", 100*time.Millisecond)
	assertCalls(t, p, 2)
	c.Advance(100 * time.Millisecond)
	if err := send(g); err != nil {
		t.Fatalf("second trial: %v", err)
	}
	assertState(t, g, guard.Closed)
}

func TestPermanentTrialLeavesTheNextSendAsTrial(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{err: invalidTo}}}
	g := tripped(t, p, time.Second, c)
	c.Advance(time.Second)

	if err := send(g); !notifier.IsPermanent(err) {
		t.Fatalf("trial: %v, want permanent", err)
	}
	assertState(t, g, guard.HalfOpen)
	if err := send(g); err != nil {
		t.Fatalf("next trial: %v", err)
	}
	assertState(t, g, guard.Closed)
}

func TestRetryAfterKeepsTheBreakerOpen(t *testing.T) {
	c := newClock()
	throttled := notifier.Retryable("twilio 429", 30*time.Second)
	p := &provider{script: []step{{err: throttled}, {err: unavailable}}}
	g := breakerGuard(p, 2, time.Second, c)

	sendN(g, 2) // the 429's wait outlasts the cooldown
	assertOpen(t, send(g), "twilio", 30*time.Second)
	c.Advance(time.Second)
	assertOpen(t, send(g), "twilio", 29*time.Second)
	c.Advance(29 * time.Second)
	if err := send(g); err != nil {
		t.Fatalf("trial: %v", err)
	}
	assertCalls(t, p, 3)
}

// Sends admitted before the breaker opened may answer after: a late
// success does not close it, a late Retry-After lengthens it.
func TestLateAnswersAfterTheBreakerOpened(t *testing.T) {
	c, holdA, holdB := newClock(), make(chan struct{}), make(chan struct{})
	throttled := notifier.Retryable("twilio 429", time.Minute)
	p := &provider{script: []step{{err: throttled, hold: holdA}, {hold: holdB}, {err: unavailable}},
		entered: make(chan int, 3)}
	g := breakerGuard(p, 1, 10*time.Second, c)
	errs := make(chan error, 2)
	go func() { errs <- send(g) }()
	receive(t, p.entered)
	go func() { errs <- send(g) }()
	receive(t, p.entered)

	send(g) // the third send's 503 opens the breaker
	assertState(t, g, guard.Open)
	close(holdB)
	if err := receive(t, errs); err != nil {
		t.Fatalf("late send: %v", err)
	}
	assertState(t, g, guard.Open)
	close(holdA)
	receive(t, errs)
	c.Advance(10 * time.Second)
	assertOpen(t, send(g), "twilio", 50*time.Second)
}

func TestCallerCancellingDoesNotCount(t *testing.T) {
	c, hold := newClock(), make(chan struct{})
	p := &provider{rest: step{hold: hold}, entered: make(chan int, 1)}
	g := breakerGuard(p, 1, time.Second, c)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := g.Notify(ctx, testDelivery)
		errs <- err
	}()
	receive(t, p.entered)
	cancel()
	if err := receive(t, errs); !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
		t.Fatalf("cancelled send: %v, want retryable and context.Canceled", err)
	}
	assertState(t, g, guard.Closed)
}

func TestPanickingTrialFreesTheSlot(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{panic: true}}}
	g := tripped(t, p, time.Second, c)
	c.Advance(time.Second)

	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the provider's panic did not reach the caller")
			}
		}()
		send(g)
	}()
	if err := send(g); err != nil {
		t.Fatalf("trial after the panic: %v", err)
	}
	assertState(t, g, guard.Closed)
}

func TestOnStateChangeHearsEveryTransition(t *testing.T) {
	c := newClock()
	p := &provider{script: []step{{err: unavailable}, {err: unavailable}}}
	var seen []string
	g := guard.New(p, guard.Config{Name: "fcm", FailureThreshold: 1, Cooldown: time.Second, Now: c.Now,
		OnStateChange: func(from, to guard.State) { seen = append(seen, from.String()+">"+to.String()) }})

	send(g)
	c.Advance(time.Second)
	send(g) // failed trial
	c.Advance(time.Second)
	send(g) // good trial
	want := []string{"closed>open", "open>half_open", "half_open>open", "open>half_open", "half_open>closed"}
	if len(seen) != len(want) {
		t.Fatalf("transitions %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("transitions %v, want %v", seen, want)
		}
	}
}

// A failure from a send admitted before the breaker opened says nothing
// about the provider after it recovered: it does not count.
func TestStaleFailureAfterRecoveryDoesNotCount(t *testing.T) {
	c, hold := newClock(), make(chan struct{})
	p := &provider{script: []step{{err: unavailable, hold: hold}, {err: unavailable}, {err: unavailable}, {}},
		entered: make(chan int, 8)}
	g := breakerGuard(p, 2, time.Second, c)
	errs := make(chan error, 1)
	go func() { errs <- send(g) }()
	receive(t, p.entered)
	sendN(g, 2)
	assertState(t, g, guard.Open)
	c.Advance(time.Second)
	if err := send(g); err != nil {
		t.Fatalf("trial: %v", err)
	}
	assertState(t, g, guard.Closed)

	close(hold)
	receive(t, errs) // the stale 503
	p.setRest(step{err: unavailable})
	send(g) // one fresh failure: below the threshold of 2
	assertState(t, g, guard.Closed)
}
