package fanout

import (
	"context"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident/store"
)

// Writer is the part of *kafka.Writer the enqueuer uses.
type Writer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// Config tunes the enqueuer.
type Config struct {
	Batch        int           // jobs read from the store and written per round; default 1000
	PollInterval time.Duration // how often to look for new work when not kicked; default 1s
	RetryBackoff time.Duration // wait after a failed round; default 500ms
	// LeaseTTL is how long one process stays the enqueuer without renewing
	// (it renews every round); default 15s. Of several incidentd sharing a
	// store only the lease holder queues, so a person is queued once.
	LeaseTTL time.Duration
}

func (c Config) withDefaults() Config {
	if c.Batch <= 0 {
		c.Batch = 1000
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 500 * time.Millisecond
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 15 * time.Second
	}
	return c
}

// Enqueuer emits one job per person who must be told and is not yet queued.
// It writes the jobs first and marks them queued after: a crash in between
// emits them again, which the ledger makes harmless; the other order could
// lose a person. Of several processes on one store, only the holder of the
// "enqueuer" lease queues, so two never read the same people.
type Enqueuer struct {
	owner  string // this enqueuer's name on the lease
	store  store.Store
	writer Writer
	log    *zap.Logger
	cfg    Config
	kick   chan struct{}
	queued func(n int) // metrics hook
}

// NewEnqueuer builds an enqueuer; queued, when not nil, hears how many jobs
// each round emitted.
func NewEnqueuer(s store.Store, w Writer, log *zap.Logger, cfg Config, queued func(n int)) *Enqueuer {
	if queued == nil {
		queued = func(int) {}
	}
	return &Enqueuer{owner: store.NewOwner(), store: s, writer: w, log: log, cfg: cfg.withDefaults(),
		kick: make(chan struct{}, 1), queued: queued}
}

// Kick wakes the enqueuer after new subjects, a new decision or a reopened
// delivery.
func (e *Enqueuer) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run emits jobs until ctx ends.
func (e *Enqueuer) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		n, err := e.round(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Warn("queue delivery jobs", zap.Error(err))
			sleep(ctx, e.cfg.RetryBackoff)
		case n < e.cfg.Batch:
			e.wait(ctx) // caught up
		}
	}
	return nil
}

// leaseName is the store lease the enqueuers of one store share.
const leaseName = "enqueuer"

// round emits one batch and returns its size; 0 when another process
// holds the lease.
func (e *Enqueuer) round(ctx context.Context) (int, error) {
	held, err := e.store.Lease(ctx, leaseName, e.owner, e.cfg.LeaseTTL)
	if err != nil || !held {
		return 0, err
	}
	keys, err := e.store.ToQueue(ctx, e.cfg.Batch)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	msgs := make([]kafka.Message, len(keys))
	for i, k := range keys {
		msgs[i] = Encode(k)
	}
	if err := e.writer.WriteMessages(ctx, msgs...); err != nil {
		return 0, err
	}
	if err := e.store.MarkQueued(ctx, keys); err != nil {
		return 0, err
	}
	e.queued(len(keys))
	return len(keys), nil
}

func (e *Enqueuer) wait(ctx context.Context) {
	t := time.NewTimer(e.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-e.kick:
	case <-t.C:
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
