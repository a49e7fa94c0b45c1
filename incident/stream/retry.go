package stream

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"
)

// backoff yields capped exponential delays with jitter, so that consumers
// failing together do not retry together.
type backoff struct {
	next, max time.Duration
}

func (b *backoff) wait() time.Duration {
	d := b.next
	b.next = min(2*b.next, b.max)
	return d/2 + rand.N(d/2+1)
}

// retry runs op until it succeeds or ctx ends, sleeping with backoff between
// attempts. It logs when the error changes, not at every attempt, and says
// when it recovers. It returns ctx's error only when ctx ended first.
func (c *Consumer) retry(ctx context.Context, what string, m *kafka.Message, op func(context.Context) error) error {
	b := backoff{next: c.cfg.RetryMin, max: c.cfg.RetryMax}
	var last string
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			if last != "" {
				c.log.Info(what+" recovered", c.fields(m, zap.Int("attempts", attempt))...)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if msg := err.Error(); msg != last {
			c.log.Warn(what+" failed; retrying", c.fields(m, zap.Int("attempt", attempt), zap.Error(err))...)
			last = msg
		}
		if !sleep(ctx, b.wait()) {
			return ctx.Err()
		}
	}
}

func (c *Consumer) fields(m *kafka.Message, extra ...zap.Field) []zap.Field {
	if m == nil {
		return extra
	}
	return msgFields(*m, extra...)
}

// sleep waits d or until ctx ends, and reports whether it waited the full d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
