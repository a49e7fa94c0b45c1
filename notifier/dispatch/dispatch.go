// Package dispatch tells one person per delivery job through the first
// channel of their chain that works, recording every try in the ledger so
// that a redelivered job, a second worker or a restart never sends twice.
//
// It does not know where jobs come from: incidentd feeds it from the
// security.notifications topic (see notifier/fanout), tests call Deliver.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// Config bounds the work on one person.
type Config struct {
	MaxTries   int           // tries per channel before falling back; default 4
	Backoff    time.Duration // first retry wait, doubled each try with jitter; default 200ms
	MaxBackoff time.Duration // cap on one wait; default 10s
	// SendDeadline bounds the retries on one channel: a wait that would end
	// past it is not taken, and the person falls back. Default 2m.
	SendDeadline time.Duration
	// ClaimLease is how long a claimed, unconfirmed send may belong to a
	// live sender. Older claims are a crash's leftovers: resolved as
	// uncertain, never resent. It must exceed the longest send (SendDeadline
	// plus one provider call). Default 5m.
	ClaimLease time.Duration
	Now        func() time.Time // default time.Now
}

func (c Config) withDefaults() Config {
	if c.MaxTries <= 0 {
		c.MaxTries = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = 200 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.SendDeadline <= 0 {
		c.SendDeadline = 2 * time.Minute
	}
	if c.ClaimLease <= 0 {
		c.ClaimLease = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
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

// ErrClaimHeld says another live sender holds this person's claim: the job
// is not final yet and must be tried again later, not acknowledged.
var ErrClaimHeld = errors.New("delivery claimed by another sender")

// Dispatcher runs the channel chain for one person per job.
type Dispatcher struct {
	store    store.Store
	channels map[string]notifier.Notifier
	render   Renderer
	observe  Observer
	log      *zap.Logger
	cfg      Config
}

// New builds a dispatcher. channels maps a channel name (incident.Channel*)
// to its notifier; a channel missing from the map is skipped in every chain.
func New(s store.Store, channels map[string]notifier.Notifier, render Renderer, observe Observer, log *zap.Logger, cfg Config) *Dispatcher {
	if observe == nil {
		observe = func(string, string, string) {}
	}
	return &Dispatcher{store: s, channels: channels, render: render, observe: observe, log: log, cfg: cfg.withDefaults()}
}

// Deliver handles one delivery job. It returns nil once the person's outcome
// is final and recorded, now or by an earlier run (a redelivered job is
// acknowledged without a send). An error means the job is not final (the
// store failed, or ErrClaimHeld) and must be retried later.
//
// A started chain is not cut off by ctx: its bounded retries finish, so
// only a crash can leave a claim unrecorded.
func (d *Dispatcher) Deliver(ctx context.Context, key store.DeliveryKey) error {
	job, err := d.store.Delivery(ctx, key)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		d.log.Warn("delivery job for an unknown subject dropped", zap.String("incident", key.IncidentID), zap.String("subject", key.SubjectID))
		return nil
	}
	if err != nil {
		return fmt.Errorf("read delivery: %w", err)
	}
	if job.Outcome != incident.OutcomePending {
		return nil
	}
	return d.deliver(context.WithoutCancel(ctx), job)
}
