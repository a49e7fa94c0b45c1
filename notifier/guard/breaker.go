package guard

import (
	"sync"
	"time"

	"github.com/herald-notify/herald/notifier"
)

// State is where a provider's circuit breaker stands.
type State int

const (
	Closed   State = iota // sends go through; retryable failures are counted
	Open                  // sends are refused without calling the provider
	HalfOpen              // one trial send may go through to test the provider
)

func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// ErrOpen matches, with errors.Is, the error a guard returns when its
// breaker refuses a send. That error is also a retryable *notifier.Error
// and is notifier.ErrProviderDown, so the dispatcher falls back to the
// person's next channel without waiting on a provider known to be down.
var ErrOpen = notifier.ErrProviderDown

// openError is a retryable notifier error that also answers to ErrOpen.
type openError struct{ cause *notifier.Error }

func (e openError) Error() string        { return e.cause.Error() }
func (e openError) Unwrap() error        { return e.cause }
func (e openError) Is(target error) bool { return target == ErrOpen }

// ticket is one admitted send: the generation it was admitted in, and
// whether it is the half-open trial.
type ticket struct {
	gen   uint64
	trial bool
}

// outcome is what one send says about the provider's health.
type outcome int

const (
	healthy outcome = iota // the provider accepted the message
	neutral                // a permanent refusal or a caller that gave up: about the address or the caller
	failing                // a retryable failure: about the provider
)

// breaker is a consecutive-failure circuit breaker. Each state change
// starts a new generation, so a send admitted before the change cannot
// close or count against the breaker after it; a late provider Retry-After
// still lengthens the open period, since waiting longer is always safe.
type breaker struct {
	reason    string // "provider <name> circuit open"
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(from, to State)

	mu       sync.Mutex
	state    State
	gen      uint64
	failures int       // consecutive retryable failures while closed
	hold     time.Time // the latest provider Retry-After deadline in this failure streak
	until    time.Time // while open: when the half-open trial may start
	trial    bool      // while half-open: the trial send is in flight
}

// admit lets a send through, or returns the open error. take=false only
// looks, without claiming the half-open trial.
func (b *breaker) admit(take bool) (ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.state == Open && !now.Before(b.until) {
		b.set(HalfOpen)
	}
	switch {
	case b.state == Open:
		return ticket{}, b.refuse(b.until.Sub(now))
	case b.state == HalfOpen && b.trial:
		return ticket{}, b.refuse(0) // the trial will decide; back off meanwhile
	case b.state == HalfOpen && take:
		b.trial = true
		return ticket{gen: b.gen, trial: true}, nil
	}
	return ticket{gen: b.gen}, nil
}

// record applies a send's outcome; retryAfter is the provider's requested
// wait on a failure.
func (b *breaker) record(t ticket, o outcome, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.trial && t.gen == b.gen {
		b.trial = false
	}
	if o == failing && retryAfter > 0 {
		b.extend(b.now().Add(retryAfter))
	}
	if t.gen != b.gen || o == neutral {
		return
	}
	switch {
	case o == healthy:
		b.failures, b.hold = 0, time.Time{}
		if b.state == HalfOpen {
			b.set(Closed)
		}
	case b.state == HalfOpen:
		b.trip()
	case b.state == Closed:
		b.failures++
		if b.failures >= b.threshold {
			b.trip()
		}
	}
}

// release frees the trial of a send that never finished (its provider
// panicked), so the breaker is not stuck half-open.
func (b *breaker) release(t ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.trial && t.gen == b.gen {
		b.trial = false
	}
}

// current reports the state as of now: an open breaker whose cooldown has
// passed reads as half-open, though it changes only at the next send.
func (b *breaker) current() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open && !b.now().Before(b.until) {
		return HalfOpen
	}
	return b.state
}

func (b *breaker) trip() {
	b.until = b.now().Add(b.cooldown)
	if b.hold.After(b.until) {
		b.until = b.hold
	}
	b.failures = 0
	b.set(Open)
}

// extend keeps the breaker open, or the next open period, until at least
// the provider's Retry-After deadline.
func (b *breaker) extend(deadline time.Time) {
	if deadline.After(b.hold) {
		b.hold = deadline
	}
	if b.state == Open && deadline.After(b.until) {
		b.until = deadline
	}
}

func (b *breaker) set(to State) {
	from := b.state
	b.state, b.trial = to, false
	b.gen++
	if b.onChange != nil {
		b.onChange(from, to)
	}
}

func (b *breaker) refuse(wait time.Duration) error {
	return openError{&notifier.Error{Reason: b.reason, RetryAfter: max(wait, 0)}}
}
