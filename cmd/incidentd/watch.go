package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// reportRetryLease names the lease of the report retry sweep: with
// several processes on one store only one retries, so an authority never
// gets one report twice from two of them.
const reportRetryLease = "report-retry"

// watch runs the periodic check every interval (watch_interval, 30 s by
// default: far finer than any report deadline, hours at least, and no
// event may arrive while a slow delivery drifts past a notice deadline)
// until ctx ends. One pass lists the incidents once and, for each,
// re-decides its public notice (public_notice.deadline_at_risk), warns of
// report clocks at 50 %, 80 % and late, and makes the reports it still
// needs, milestones (50 %, 100 % of the people processed) included; then
// it retries the report deliveries due. A failure is logged and the next
// pass tries again.
func (p *pipeline) watch(ctx context.Context, st store.Store, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.watchOnce(ctx, st, interval)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *pipeline) watchOnce(ctx context.Context, st store.Store, interval time.Duration) {
	incidents, err := st.ListIncidents(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("list incidents for the periodic check", zap.Error(err))
		}
		return
	}
	now := p.clocks.now().UTC()
	for _, inc := range incidents {
		if ctx.Err() != nil {
			return
		}
		p.watchIncident(ctx, inc, now)
	}
	p.retryReports(ctx, st, interval)
}

func (p *pipeline) watchIncident(ctx context.Context, inc incident.Incident, now time.Time) {
	warn := func(what string, err error) {
		if err != nil && ctx.Err() == nil {
			p.log.Warn(what, zap.String("incident", inc.ID), zap.Error(err))
		}
	}
	if inc.Decision.NotifySubjects {
		warn("notice check", p.publishNotice(ctx, inc.ID))
	}
	// Closed incidents too: a final report's clock (NIS2: a month after
	// the notification) runs after closure.
	warn("check report deadlines", p.clocks.checkIncident(ctx, inc, now))
	// Every incident's reports, not only on its events: an event handled
	// by a process without the incident's claim left them to the holder.
	if inc.Status == incident.StatusOpen && inc.Decision.NotifySubjects {
		warn("milestone reports", p.reporter.EnsureMilestones(ctx, inc.ID))
	} else {
		warn("ensure reports", p.reporter.Ensure(ctx, inc.ID))
	}
}

// retryReports retries the report deliveries due, if this process holds
// the sweep's lease.
func (p *pipeline) retryReports(ctx context.Context, st store.Store, interval time.Duration) {
	held, err := st.Lease(ctx, reportRetryLease, p.owner, 3*interval)
	if err != nil || !held {
		if err != nil && ctx.Err() == nil {
			p.log.Warn("take the report retry lease", zap.Error(err))
		}
		return
	}
	if _, err := p.reporter.RetryDeliveries(ctx); err != nil && ctx.Err() == nil {
		p.log.Warn("retry report deliveries", zap.Error(err))
	}
}
