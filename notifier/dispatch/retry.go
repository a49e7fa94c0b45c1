package dispatch

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/notifier"
)

// send tries one channel up to MaxTries times with exponential backoff and
// jitter, honouring the provider's Retry-After, within SendDeadline. A send
// refused by an open circuit (notifier.ErrProviderDown) never reached the
// provider: it is not a try, and the circuit's Retry-After (time left until
// its trial) is waited out like any other, so a short outage is ridden out
// and only one longer than the deadline moves people to their next
// channel. It logs when the error changes, not at every try.
func (d *Dispatcher) send(work context.Context, log *zap.Logger, n notifier.Notifier, del notifier.Delivery) (notifier.Receipt, int, error) {
	var last string
	wait := d.cfg.Backoff
	deadline := d.cfg.Now().Add(d.cfg.SendDeadline)
	tries := 0
	for {
		r, err := n.Notify(work, del)
		if !errors.Is(err, notifier.ErrProviderDown) {
			tries++
		}
		if err == nil || notifier.IsPermanent(err) || tries >= d.cfg.MaxTries {
			return r, tries, err
		}
		if err.Error() != last {
			last = err.Error()
			log.Info("delivery failed, retrying", zap.String("channel", del.Channel), zap.Int("tries", tries), zap.String("reason", last))
		}
		// The provider's Retry-After is honoured in full; the deadline, not
		// MaxBackoff, decides whether it is worth waiting for.
		pause := max(notifier.RetryAfter(err), min(jitter(wait), d.cfg.MaxBackoff))
		if d.cfg.Now().Add(pause).After(deadline) || !sleep(work, pause) {
			return r, tries, err
		}
		wait = min(2*wait, d.cfg.MaxBackoff)
	}
}

// jitter spreads retries over [d/2, d) so many subjects do not retry in step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
