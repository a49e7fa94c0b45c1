// Package guard wraps one provider's notifier with a rate limit and a
// circuit breaker, so a provider that is down or throttling is left alone
// for a while instead of being hammered by every dispatcher worker.
//
// The guard only ever answers with the errors the dispatcher already
// understands: a refused send is a retryable *notifier.Error whose
// RetryAfter says when the provider may be tried again, so the dispatcher
// backs off and, once its tries are spent, falls back to the next channel.
//
//	state      send                       outcome of the provider's answer
//	closed     goes through               retryable: count; threshold reached: open
//	                                      success: reset the count; permanent: nothing
//	open       refused, next not called   (RetryAfter = time left until half-open)
//	half-open  one trial goes through,    trial success: closed
//	           others refused             trial retryable: open for another Cooldown
//	                                      trial permanent: nothing, next send is the trial
//
// Permanent failures speak about the address, not the provider, and a send
// whose caller gave up (its context ended) speaks about the caller: neither
// moves the breaker. A provider's Retry-After longer than Cooldown keeps
// the breaker open that long.
package guard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"

	"github.com/herald-notify/herald/notifier"
)

// DefaultCooldown is how long a tripped breaker stays open when
// Config.Cooldown is 0.
const DefaultCooldown = 30 * time.Second

// Config tunes one provider's guard. The zero value, apart from Name, is
// a pass-through: no rate limit and no breaker.
type Config struct {
	// Name is the provider ("smtp", "twilio", "fcm"); it appears in error
	// reasons and must not be empty.
	Name string
	// Rate is the sends per second allowed through; 0 is unlimited.
	Rate float64
	// Burst is how many sends may go at once after a quiet spell; 0 means
	// 1 when Rate is set, so sends are evenly spaced.
	Burst int
	// FailureThreshold is how many consecutive retryable failures open the
	// breaker; 0 disables the breaker.
	FailureThreshold int
	// Cooldown is how long the breaker stays open before a trial send;
	// 0 means DefaultCooldown.
	Cooldown time.Duration
	// Now is the breaker's clock; nil means time.Now. The rate limit
	// always runs on the wall clock.
	Now func() time.Time
	// OnStateChange, if set, hears every breaker transition (for a log
	// line or a gauge). It runs under the breaker's lock: it must not
	// block or call the guard. Open to half-open is seen at the first send
	// after the cooldown.
	OnStateChange func(from, to State)
}

// Validate reports a config that New would refuse.
func (c Config) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("guard: name is empty")
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("guard %s: rate must be a finite number >= 0", c.Name)
	case c.Burst < 0:
		return fmt.Errorf("guard %s: burst must be >= 0", c.Name)
	case c.FailureThreshold < 0:
		return fmt.Errorf("guard %s: failure threshold must be >= 0", c.Name)
	case c.Cooldown < 0:
		return fmt.Errorf("guard %s: cooldown must be >= 0", c.Name)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Burst == 0 {
		c.Burst = 1
	}
	if c.Cooldown == 0 {
		c.Cooldown = DefaultCooldown
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Guard is a notifier.Notifier that rate-limits and circuit-breaks the
// provider it wraps. It is safe for concurrent use and starts no goroutine.
type Guard struct {
	name    string
	next    notifier.Notifier
	limiter *rate.Limiter // nil: unlimited
	breaker *breaker      // nil: no breaker
}

// New wraps next. cmd should call cfg.Validate on what it read first: New
// panics on an invalid config or a nil next, as either is a wiring bug.
func New(next notifier.Notifier, cfg Config) *Guard {
	if next == nil {
		panic("guard: nil notifier")
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	g := &Guard{name: cfg.Name, next: next}
	if cfg.Rate > 0 {
		g.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst)
	}
	if cfg.FailureThreshold > 0 {
		g.breaker = &breaker{reason: "provider " + cfg.Name + " circuit open",
			threshold: cfg.FailureThreshold, cooldown: cfg.Cooldown,
			now: cfg.Now, onChange: cfg.OnStateChange}
	}
	return g
}

// Name is the provider's name, for labels.
func (g *Guard) Name() string { return g.name }

// State is the breaker's state now; always Closed without a breaker.
func (g *Guard) State() State {
	if g.breaker == nil {
		return Closed
	}
	return g.breaker.current()
}

// Notify sends d through the wrapped notifier unless the breaker is open,
// after waiting for the rate limit. An open breaker answers at once,
// without waiting for a token.
func (g *Guard) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notifier.Receipt{}, g.interrupted(err)
	}
	if g.limiter != nil {
		if g.breaker != nil {
			if _, err := g.breaker.admit(false); err != nil {
				return notifier.Receipt{}, err
			}
		}
		if err := g.limiter.Wait(ctx); err != nil {
			return notifier.Receipt{}, g.interrupted(err)
		}
	}
	if g.breaker == nil {
		return g.next.Notify(ctx, d)
	}
	t, err := g.breaker.admit(true) // again: it may have opened while we waited
	if err != nil {
		return notifier.Receipt{}, err
	}
	return g.call(ctx, d, t)
}

// call sends through the breaker and records what the answer says about
// the provider.
func (g *Guard) call(ctx context.Context, d notifier.Delivery, t ticket) (notifier.Receipt, error) {
	finished := false
	defer func() {
		if !finished {
			g.breaker.release(t)
		}
	}()
	r, err := g.next.Notify(ctx, d)
	finished = true
	o, retryAfter := classify(ctx, err)
	g.breaker.record(t, o, retryAfter)
	return r, err
}

// classify says what an answer tells about the provider, and how long the
// provider asked to be left alone. A success allocates nothing.
func classify(ctx context.Context, err error) (outcome, time.Duration) {
	switch {
	case err == nil:
		return healthy, 0
	case notifier.IsPermanent(err), ctx.Err() != nil:
		return neutral, 0
	}
	return failing, notifier.RetryAfter(err)
}

// interrupted wraps a wait cut short by the caller's context (ended, or
// its deadline too near for the next token) as retryable.
func (g *Guard) interrupted(cause error) error {
	reason := "provider " + g.name + " rate limit wait past deadline"
	switch {
	case errors.Is(cause, context.Canceled):
		reason = "provider " + g.name + " send cancelled"
	case errors.Is(cause, context.DeadlineExceeded):
		reason = "provider " + g.name + " send timed out"
	}
	return fmt.Errorf("guard %s: %w: %w", g.name, notifier.Retryable(reason, 0), cause)
}
