// Package dispatch tells each pending subject through the first channel of
// their chain that works, recording every try in the ledger so that a replay
// or a restart never sends twice.
package dispatch

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// Config bounds the dispatcher's work.
type Config struct {
	Workers      int           // concurrent subjects; default 8
	PollInterval time.Duration // how often to look for pending subjects when idle; default 500ms
	MaxTries     int           // tries per channel before falling back; default 4
	Backoff      time.Duration // first retry wait, doubled each try with jitter; default 200ms
	MaxBackoff   time.Duration // cap on one wait; default 10s
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.MaxTries <= 0 {
		c.MaxTries = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = 200 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Second
	}
	return c
}

// Rendered is a message ready for one channel, with what the ledger keeps
// as proof of what was said.
type Rendered struct {
	Message    notifier.Message
	TemplateID string
	Locale     string
}

// Renderer renders the notice for one subject on one channel.
type Renderer func(channel string, inc incident.Incident, s incident.Subject) (Rendered, error)

// Observer hears about each subject's final outcome (metrics, the notice
// decision). It must not block.
type Observer func(incidentID, outcome, channel string)

// Dispatcher runs the channel chain for pending subjects.
type Dispatcher struct {
	store    store.Store
	channels map[string]notifier.Notifier
	render   Renderer
	observe  Observer
	log      *zap.Logger
	cfg      Config
	kick     chan struct{}
}

// New builds a dispatcher. channels maps a channel name (incident.Channel*)
// to its notifier; a channel missing from the map is skipped in every chain.
func New(s store.Store, channels map[string]notifier.Notifier, render Renderer, observe Observer, log *zap.Logger, cfg Config) *Dispatcher {
	if observe == nil {
		observe = func(string, string, string) {}
	}
	return &Dispatcher{store: s, channels: channels, render: render, observe: observe,
		log: log, cfg: cfg.withDefaults(), kick: make(chan struct{}, 1)}
}

// Kick wakes the dispatcher after new subjects or a new decision arrived.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is cancelled, then waits for in-flight subjects
// to reach a recorded state (their sends are not cut off mid-way).
func (d *Dispatcher) Run(ctx context.Context) error {
	jobs := make(chan store.PendingDelivery)
	track := newTracker()
	var wg sync.WaitGroup
	work := context.WithoutCancel(ctx) // a started subject finishes its chain
	for i := 0; i < d.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				d.deliver(work, job)
				track.finish(key(job))
			}
		}()
	}
	defer func() { close(jobs); wg.Wait() }()
	for ctx.Err() == nil {
		gen := track.query()
		pending, err := d.store.PendingDeliveries(ctx, 4*d.cfg.Workers)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("list pending deliveries", zap.Error(err))
		}
		queued := 0
		for _, job := range pending {
			if !track.start(key(job), gen) {
				continue
			}
			select {
			case jobs <- job:
				queued++
			case <-ctx.Done():
				return nil
			}
		}
		if queued == 0 {
			d.wait(ctx)
		}
	}
	return nil
}

// tracker keeps a subject from being queued twice: while it is in flight,
// and when it finished after the query that listed it as pending began (the
// listing is stale for it).
type tracker struct {
	mu       sync.Mutex
	gen      int64
	inflight map[string]bool
	finished map[string]int64 // key -> generation current when it finished
}

func newTracker() *tracker {
	return &tracker{inflight: map[string]bool{}, finished: map[string]int64{}}
}

// query starts a new listing and forgets finishes that every later listing
// already reflects.
func (t *tracker) query() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.gen++
	for k, g := range t.finished {
		if g < t.gen-1 {
			delete(t.finished, k)
		}
	}
	return t.gen
}

// start claims k for a listing made at generation gen.
func (t *tracker) start(k string, gen int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g, ok := t.finished[k]; t.inflight[k] || (ok && g >= gen) {
		return false
	}
	t.inflight[k] = true
	return true
}

func (t *tracker) finish(k string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.inflight, k)
	t.finished[k] = t.gen
}

func (d *Dispatcher) wait(ctx context.Context) {
	t := time.NewTimer(d.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-d.kick:
	case <-t.C:
	}
}

func key(p store.PendingDelivery) string { return p.Incident.ID + "/" + p.Subject.ID }
