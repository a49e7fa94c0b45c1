package guard_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/guard"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

func TestRateLimitSpacesSends(t *testing.T) {
	p := &provider{}
	g := guard.New(p, guard.Config{Name: "twilio", Rate: 50, Burst: 1})
	const workers, each = 4, 5
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if err := send(g); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	// The first send spends the burst; the other 19 wait 20ms each.
	if took < 375*time.Millisecond || took > 3*time.Second {
		t.Errorf("20 sends at 50/s took %v, want about 380ms", took)
	}
	assertCalls(t, p, workers*each)
	t.Logf("20 sends at 50/s, burst 1: %v", took)
}

func TestCancelWhileWaitingForATokenSendsNothing(t *testing.T) {
	p := &provider{}
	g := guard.New(p, guard.Config{Name: "twilio", Rate: 0.5, Burst: 1})
	send(g) // spends the only token: the next waits 2s
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, err := g.Notify(ctx, testDelivery)
	if took := time.Since(start); took > time.Second {
		t.Errorf("cancelled wait returned after %v", took)
	}
	if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
		t.Errorf("cancelled wait: %v, want retryable and context.Canceled", err)
	}
	notifiertest.AssertNoPersonalData(t, err, testDelivery)
	assertCalls(t, p, 1)
}

func TestDeadlineBeforeTheNextTokenFailsAtOnce(t *testing.T) {
	p := &provider{}
	g := guard.New(p, guard.Config{Name: "twilio", Rate: 0.5, Burst: 1})
	send(g)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := g.Notify(ctx, testDelivery)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("hopeless wait returned after %v, want at once", took)
	}
	var ne *notifier.Error
	if !errors.As(err, &ne) || ne.Permanent || ne.Reason != "provider twilio rate limit wait past deadline" {
		t.Errorf("error %v, want retryable rate limit wait past deadline", err)
	}
	assertCalls(t, p, 1)
}

func TestCancelledContextNeverSends(t *testing.T) {
	for name, cfg := range map[string]guard.Config{
		"pass_through": {Name: "smtp"},
		"guarded":      {Name: "smtp", Rate: 10, FailureThreshold: 3},
	} {
		t.Run(name, func(t *testing.T) {
			p := &provider{}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			_, err := guard.New(p, cfg).Notify(ctx, testDelivery)
			if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
				t.Errorf("error %v, want retryable and context.Canceled", err)
			}
			assertCalls(t, p, 0)
		})
	}
}

// An open breaker answers at once rather than after waiting for a token.
func TestOpenBreakerDoesNotWaitForAToken(t *testing.T) {
	c := newClock()
	p := &provider{rest: step{err: unavailable}}
	g := guard.New(p, guard.Config{Name: "twilio", Rate: 0.5, Burst: 1, FailureThreshold: 1,
		Cooldown: time.Minute, Now: c.Now})
	send(g)
	start := time.Now()
	assertOpen(t, send(g), "twilio", time.Minute)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("refusal took %v, want at once", took)
	}
}

func TestPassThroughKeepsAnswers(t *testing.T) {
	p := &provider{script: []step{{}, {err: invalidTo}}, rest: step{err: unavailable}}
	g := guard.New(p, guard.Config{Name: "fcm"})
	r, err := g.Notify(context.Background(), testDelivery)
	if err != nil || r.Provider != "fake" || r.ProviderID != "m1" {
		t.Errorf("receipt %+v, error %v; want the provider's", r, err)
	}
	if err := send(g); !errors.Is(err, invalidTo) {
		t.Errorf("error %v, want the provider's permanent one", err)
	}
	if err := sendN(g, 20); !errors.Is(err, unavailable) || g.State() != guard.Closed {
		t.Errorf("error %v, state %v; want the provider's and no breaker", err, g.State())
	}
	if g.Name() != "fcm" {
		t.Errorf("Name() = %q", g.Name())
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]guard.Config{
		"no name":            {},
		"negative rate":      {Name: "x", Rate: -1},
		"nan rate":           {Name: "x", Rate: math.NaN()},
		"infinite rate":      {Name: "x", Rate: math.Inf(1)},
		"negative burst":     {Name: "x", Burst: -1},
		"negative threshold": {Name: "x", FailureThreshold: -1},
		"negative cooldown":  {Name: "x", Cooldown: -time.Second},
	}
	for name, cfg := range bad {
		if cfg.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
	good := guard.Config{Name: "smtp", Rate: 5, Burst: 10, FailureThreshold: 5, Cooldown: time.Minute}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%+v): %v", good, err)
	}
}

func TestNewRefusesWiringBugs(t *testing.T) {
	for name, build := range map[string]func(){
		"nil notifier":   func() { guard.New(nil, guard.Config{Name: "x"}) },
		"invalid config": func() { guard.New(&provider{}, guard.Config{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			build()
		}()
	}
}

// nop accepts everything at no cost, so the benchmark measures the guard.
type nop struct{}

func (nop) Notify(context.Context, notifier.Delivery) (notifier.Receipt, error) {
	return notifier.Receipt{Provider: "nop", ProviderID: "1"}, nil
}

// BenchmarkGuardOverhead: a closed breaker without rate limit, against
// the bare notifier.
func BenchmarkGuardOverhead(b *testing.B) {
	ctx := context.Background()
	guarded := guard.New(nop{}, guard.Config{Name: "nop", FailureThreshold: 5})
	b.Run("bare", func(b *testing.B) {
		var n notifier.Notifier = nop{}
		for b.Loop() {
			n.Notify(ctx, testDelivery)
		}
	})
	b.Run("guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			guarded.Notify(ctx, testDelivery)
		}
	})
	b.Run("guarded_parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				guarded.Notify(ctx, testDelivery)
			}
		})
	})
}
