package notifiertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
)

// Fake is what every local fake provider offers, whatever its protocol.
type Fake interface {
	SetFault(Fault)
	SetDelay(time.Duration)
	Accepted() int
}

// FakeRun is one started fake with a real client pointed at it.
type FakeRun struct {
	Fake
	// Send sends message i through the client; a distinct i is a distinct
	// recipient.
	Send func(ctx context.Context, i int) (notifier.Receipt, error)
	// Arrived counts the sends that reached the fake, answered or not
	// (requests, connections, tokens asked for).
	Arrived func() int
	// IDs lists, in order, the id each stored message carries as its
	// receipt reports it: the one the fake answered with, or for SMTP the
	// Message-ID the client wrote.
	IDs func() []string
}

// FakeHarness adapts one fake provider to RunFake.
type FakeHarness struct {
	// Start runs a fresh fake that accepts everything, and its client.
	Start func(t *testing.T) FakeRun
	// RateLimitWait is the wait the channel reports under RateLimited: the
	// fake's Retry-After, or 0 where the protocol has none (SMTP).
	RateLimitWait time.Duration
}

// RunFake checks what every fake provider must do for the tests that lean
// on it: a fault set later replaces the earlier one, a delay can be watched
// mid-way and stores nothing for a client that gave up, and concurrent
// sends are all counted, each under its own id.
func RunFake(t *testing.T, h FakeHarness) {
	t.Run("set_fault_replaces_the_last", func(t *testing.T) { fakeSetFault(t, h) })
	t.Run("delay_is_observable_midway", func(t *testing.T) { fakeDelayMidway(t, h.Start(t)) })
	t.Run("delay_outlasting_the_client_stores_nothing", func(t *testing.T) { fakeDelayOutlasts(t, h.Start(t)) })
	t.Run("concurrent_sends", func(t *testing.T) { fakeConcurrent(t, h.Start(t)) })
}

// fakeSetFault: Accept clears the fault in force.
func fakeSetFault(t *testing.T, h FakeHarness) {
	f := h.Start(t)
	f.SetFault(Reject)
	f.SetFault(RateLimited)
	_, err := f.Send(context.Background(), 0)
	if err == nil || notifier.IsPermanent(err) || notifier.RetryAfter(err) != h.RateLimitWait {
		t.Errorf("rate limited: error %v, want retryable after %v", err, h.RateLimitWait)
	}
	f.SetFault(Accept)
	if _, err := f.Send(context.Background(), 0); err != nil || f.Accepted() != 1 {
		t.Errorf("after Accept: error %v, accepted %d", err, f.Accepted())
	}
}

// fakeDelayMidway: a delayed message is in flight, and not yet stored,
// until the delay ends.
func fakeDelayMidway(t *testing.T, f FakeRun) {
	const delay = 300 * time.Millisecond
	f.SetDelay(delay)
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := f.Send(context.Background(), 0)
		done <- err
	}()
	time.Sleep(delay / 3)
	if f.Arrived() != 1 || f.Accepted() != 0 {
		t.Errorf("mid-delay: %d arrived, %d accepted; want 1 and 0", f.Arrived(), f.Accepted())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < delay || f.Accepted() != 1 {
		t.Errorf("took %v, accepted %d; want at least %v and 1", took, f.Accepted(), delay)
	}
}

func fakeDelayOutlasts(t *testing.T, f FakeRun) {
	f.SetDelay(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := f.Send(ctx, 0); err == nil {
		t.Fatal("send succeeded past its deadline")
	}
	time.Sleep(400 * time.Millisecond) // past the delay: a careless fake stores it by now
	if f.Accepted() != 0 {
		t.Errorf("accepted %d, want 0", f.Accepted())
	}
}

// fakeConcurrent: every send is stored once, under its own id, the one
// its receipt carries.
func fakeConcurrent(t *testing.T, f FakeRun) {
	const workers, each = 4, 10
	var mu sync.Mutex
	receipts := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r, err := f.Send(context.Background(), w*each+i)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				receipts[r.ProviderID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	const want = workers * each
	if f.Accepted() != want || len(receipts) != want {
		t.Errorf("accepted %d with %d distinct receipts, want %d", f.Accepted(), len(receipts), want)
	}
	ids := map[string]bool{}
	for _, id := range f.IDs() {
		ids[id] = receipts[id]
	}
	if len(ids) != want {
		t.Errorf("fake holds %d distinct ids, want %d", len(ids), want)
	}
	for id, answered := range ids {
		if !answered {
			t.Errorf("fake holds id %q that no receipt carries", id)
		}
	}
}
