package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/dispatch"
	"github.com/herald-notify/herald/notifier/fanout"
	"github.com/herald-notify/herald/notifier/notice"
	"github.com/herald-notify/herald/notifier/webhook"
	"github.com/herald-notify/herald/templates"
	"github.com/herald-notify/herald/templates/reportpdf"
)

// pipeline holds the stages that react to an event: apply it, then make
// sure reports and the public notice are what the new state requires, then
// wake the dispatcher.
type pipeline struct {
	cfg        Config
	log        *zap.Logger
	applier    *apply.Applier
	reporter   *report.Reporter
	publisher  *notice.Publisher
	dispatcher *dispatch.Dispatcher
	enqueuer   *fanout.Enqueuer
	jobs       *kafka.Writer
	metrics    *metrics
	jobDone    func(time.Duration)
	pace       *pace
	clocks     *clockWatch
	// owner names this process on the store's leases (report claims, the
	// retry sweep).
	owner string
}

func (m *Main) pipeline(st store.Store, channels map[string]notifier.Notifier, auths []*regulator, pdf *reportpdf.Renderer,
	publicURL string, brokers []string) *pipeline {
	noticeURL := func(id string) string { return strings.TrimRight(publicURL, "/") + "/notices/" + id }
	p := &pipeline{cfg: m.Config, log: m.Log, metrics: newMetrics(), jobDone: m.JobDone}
	engine := m.Engine
	if engine == nil {
		engine = classify.Standard()
	}
	p.applier = &apply.Applier{Store: st, Classify: engine.Decide}
	p.reporter = &report.Reporter{Store: st, Deliver: channels[incident.ChannelEmail], AuthorityEmail: m.Config.AuthorityEmail,
		Render: templates.RenderReportText, PDF: pdf.PDF, NoticeURL: noticeURL, Log: m.Log,
		Routes: reportRoutes(auths), Webhook: &webhook.Client{UserAgent: "Herald"}, Recount: engine.Recount}
	p.owner = store.NewOwner()
	claimFor := max(2*m.Config.WatchInterval, time.Minute)
	p.reporter.Claim = func(ctx context.Context, incidentID string) (bool, error) {
		return st.Lease(ctx, "reports:"+incidentID, p.owner, claimFor)
	}
	team := teamMail{mailer: channels[incident.ChannelEmail], to: m.Config.TeamEmail}
	p.clocks = newClockWatch(st, team, nil, m.Log, p.metrics.registry)
	p.clocks.recount = engine.Recount
	p.reporter.Observe = newReportAlerts(team, m.Log, p.metrics.registry).observe
	rules := engine.Policy().Notice()
	p.pace = newPace(st)
	p.publisher = &notice.Publisher{Store: st, Rules: &rules, FinishBy: p.pace.finishBy}
	render := (&noticeRenderer{noticeURL: noticeURL}).render
	p.dispatcher = dispatch.New(st, channels, render, p.observe, m.Log, dispatch.Config{Backoff: m.Config.RetryBackoff,
		SendDeadline: m.Config.SendDeadline, ClaimLease: m.Config.ClaimLease})
	p.jobs = stream.NewWriter(brokers, m.Config.NotifyTopic)
	p.jobs.BatchSize = jobBatch
	p.enqueuer = fanout.NewEnqueuer(st, p.jobs, m.Log, fanout.Config{Batch: jobBatch}, p.metrics.queued)
	return p
}

// observe hears each person's final outcome, once: metrics, the delivery
// pace, and the notice, which alone depends on who could not be (surely)
// reached.
func (p *pipeline) observe(incidentID, outcome, channel string) {
	p.metrics.outcome(outcome, channel)
	p.pace.finished(incidentID)
	if outcome == incident.OutcomeUnreachable || outcome == incident.OutcomeUncertain {
		if err := p.publishNotice(context.Background(), incidentID); err != nil {
			p.log.Warn("publish notice", zap.String("incident", incidentID), zap.Error(err))
		}
	}
}

// jobBatch is how many delivery jobs are read from the store and written to
// Kafka at once: large enough that a million people are queued in seconds.
const jobBatch = 1000

// deliver runs the notifier workers: they consume delivery jobs in their
// consumer group, several people at once, until ctx ends.
func (p *pipeline) deliver(ctx context.Context, brokers []string) error {
	c, err := stream.NewParallelConsumer(stream.ParallelConfig{Brokers: brokers, Topic: p.cfg.NotifyTopic,
		GroupID: p.cfg.NotifyGroupID, Logger: p.log, Concurrency: p.cfg.Workers})
	if err != nil {
		return fmt.Errorf("start notifier workers: %w", err)
	}
	return c.Run(ctx, p.timed(fanout.Handler(notReady(p.dispatcher.Deliver), p.log)))
}

// notReady marks a job another sender holds as an expected wait, so the
// workers retry it without a warning: with several processes it is routine.
func notReady(deliver fanout.Deliver) fanout.Deliver {
	return func(ctx context.Context, key store.DeliveryKey) error {
		err := deliver(ctx, key)
		if errors.Is(err, dispatch.ErrClaimHeld) {
			return fmt.Errorf("%w: %w", stream.ErrNotReady, err)
		}
		return err
	}
}

// timed measures each finished job from the time it was queued (the
// message's timestamp) to its final, recorded state.
func (p *pipeline) timed(handle stream.Handler) stream.Handler {
	return func(ctx context.Context, m kafka.Message) error {
		if err := handle(ctx, m); err != nil {
			return err
		}
		took := time.Since(m.Time)
		p.metrics.jobSeconds.Observe(took.Seconds())
		if p.jobDone != nil {
			p.jobDone(took)
		}
		return nil
	}
}

// consume runs the intake consumer until ctx ends.
func (p *pipeline) consume(ctx context.Context, brokers []string) error {
	c, err := stream.NewConsumer(stream.ConsumerConfig{Brokers: brokers, Topic: p.cfg.Topic, GroupID: p.cfg.GroupID,
		DLQTopic: p.cfg.DLQTopic, Logger: p.log})
	if err != nil {
		return fmt.Errorf("start intake: %w", err)
	}
	return c.Run(ctx, p.handle)
}

// handle decodes, validates and applies one message. An invalid event comes
// back as a CodeInvalid error (the consumer dead-letters it); any other error
// leaves the offset uncommitted so the message is retried.
func (p *pipeline) handle(ctx context.Context, msg kafka.Message) error {
	ev, err := contract.Decode(msg.Value, stream.HeaderMap(msg.Headers))
	if err != nil {
		p.metrics.events.WithLabelValues("invalid").Inc()
		p.log.Warn("event rejected", zap.Int("partition", msg.Partition), zap.Int64("offset", msg.Offset),
			zap.String("field", incident.ErrorField(err)), zap.Error(err))
		return err
	}
	res, err := p.applier.Apply(ctx, ev)
	if err != nil {
		if incident.ErrorCode(err) == incident.CodeInvalid {
			p.metrics.events.WithLabelValues("invalid").Inc()
		}
		return err
	}
	result := "applied"
	if !res.Applied {
		result = "duplicate"
	}
	p.metrics.events.WithLabelValues(result).Inc()
	p.log.Info("event "+result, zap.String("incident", res.IncidentID), zap.String("type", ev.Type),
		zap.String("event_id", ev.ID), zap.Int("subjects_added", res.SubjectsAdded))
	// Follow-ups run on duplicates too: a crash after apply but before them
	// is repaired by the redelivery.
	if err := p.followUp(ctx, res.IncidentID); err != nil {
		return err
	}
	p.enqueuer.Kick()
	return nil
}

// followUp makes reports and the notice match the incident's state.
func (p *pipeline) followUp(ctx context.Context, incidentID string) error {
	if err := p.publishNotice(ctx, incidentID); err != nil {
		return err
	}
	if err := p.reporter.Ensure(ctx, incidentID); err != nil {
		return fmt.Errorf("ensure reports: %w", err)
	}
	return nil
}

// publishNotice publishes or revises the public notice if the incident's
// state calls for it.
func (p *pipeline) publishNotice(ctx context.Context, incidentID string) error {
	published, err := p.publisher.Ensure(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("publish notice: %w", err)
	}
	if published {
		p.metrics.notices.Inc()
		p.log.Info("public security notice published", zap.String("incident", incidentID))
	}
	return nil
}

// catchUp repairs follow-ups for every incident at start-up, in case the
// process stopped between applying an event and its follow-ups.
func (p *pipeline) catchUp(ctx context.Context, st store.Store) {
	incidents, err := st.ListIncidents(ctx)
	if err != nil {
		p.log.Warn("list incidents for catch-up", zap.Error(err))
		return
	}
	for _, inc := range incidents {
		if err := p.followUp(ctx, inc.ID); err != nil {
			p.log.Warn("catch up incident", zap.String("incident", inc.ID), zap.Error(err))
		}
	}
}
