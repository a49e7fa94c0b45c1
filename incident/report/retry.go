package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// retryBatch bounds one sweep: deliveries due later wait for the next.
const retryBatch = 50

// RetryDeliveries tries again the report deliveries that failed and are
// due, and those left pending by a sender that stopped mid-way, and
// returns how many it tried. Several processes sharing a store must not
// sweep at once (the caller holds a lease): an authority would get the
// same report twice.
func (r *Reporter) RetryDeliveries(ctx context.Context) (int, error) {
	now := r.now()
	due, err := r.Store.DueReportDeliveries(ctx, now, now.Add(-stalledAfter), retryBatch)
	if err != nil {
		return 0, fmt.Errorf("list report deliveries due: %w", err)
	}
	reports := map[string][]incident.Report{}
	for i, d := range due {
		if ctx.Err() != nil {
			return i, nil
		}
		if err := r.retry(ctx, d, reports); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

func (r *Reporter) retry(ctx context.Context, d incident.ReportDelivery, cache map[string][]incident.Report) error {
	rep, err := r.reportVersion(ctx, d.IncidentID, d.Version, cache)
	if err != nil {
		return err
	}
	if d.AcknowledgedAt != nil {
		// The authority has it (it said so after a send that looked failed).
		now := r.now()
		d.Status, d.NextAt, d.Error, d.SentAt = incident.ReportDeliverySent, nil, "", &now
		return r.Store.SaveReportDelivery(ctx, d)
	}
	route, ok := r.routeOf(rep, d.AuthorityID)
	if !ok {
		// The authorities file no longer sends this authority the report.
		d.Status, d.NextAt, d.Error = incident.ReportDeliveryGaveUp, nil, "authority no longer configured for delivery"
		return r.Store.SaveReportDelivery(ctx, d)
	}
	d = r.attempt(ctx, rep, route, d)
	if err := r.Store.SaveReportDelivery(ctx, d); err != nil {
		return fmt.Errorf("record delivery of report version %d: %w", d.Version, err)
	}
	r.Log.Info("regulator report delivery retried", zap.String("incident", d.IncidentID), zap.Int("version", d.Version),
		zap.String("authority", d.AuthorityID), zap.Int("tries", d.Tries), zap.String("status", d.Status))
	return r.resummarise(ctx, rep)
}

func (r *Reporter) reportVersion(ctx context.Context, incidentID string, version int, cache map[string][]incident.Report) (incident.Report, error) {
	list, ok := cache[incidentID]
	if !ok {
		var err error
		if list, err = r.Store.ListReports(ctx, incidentID); err != nil {
			return incident.Report{}, fmt.Errorf("list reports of %s: %w", incidentID, err)
		}
		cache[incidentID] = list
	}
	for _, rep := range list {
		if rep.Version == version {
			return rep, nil
		}
	}
	return incident.Report{}, incident.NotFound("report %s version %d", incidentID, version)
}

func (r *Reporter) routeOf(rep incident.Report, authorityID string) (Route, bool) {
	routes, _ := r.routes(rep)
	for _, route := range routes {
		if route.AuthorityID == authorityID {
			return route, true
		}
	}
	return Route{}, false
}

// resummarise rewrites the report's delivered_via from its delivery rows.
func (r *Reporter) resummarise(ctx context.Context, rep incident.Report) error {
	all, err := r.Store.ReportDeliveries(ctx, rep.IncidentID)
	if err != nil {
		return fmt.Errorf("list deliveries of %s: %w", rep.IncidentID, err)
	}
	var mine []incident.ReportDelivery
	for _, d := range all {
		if d.Version == rep.Version {
			mine = append(mine, d)
		}
	}
	return r.Store.SetReportDelivery(ctx, rep.IncidentID, rep.Version, summary(mine))
}

// recoverUnrouted delivers the reports a sender saved but stopped before
// recording any delivery for (a crash between the two writes): they are
// still "pending" with no delivery row long after they were made.
func (r *Reporter) recoverUnrouted(ctx context.Context, reports []incident.Report, now time.Time) error {
	var rows []incident.ReportDelivery
	listed := false
	for _, rep := range reports {
		if rep.DeliveredTo != deliveryPending || now.Sub(rep.GeneratedAt) < stalledAfter {
			continue
		}
		if !listed {
			var err error
			if rows, err = r.Store.ReportDeliveries(ctx, rep.IncidentID); err != nil {
				return fmt.Errorf("list deliveries of %s: %w", rep.IncidentID, err)
			}
			listed = true
		}
		if slices.ContainsFunc(rows, func(d incident.ReportDelivery) bool { return d.Version == rep.Version }) {
			continue
		}
		r.Log.Warn("regulator report saved but never handed over (the sender stopped); delivering it now",
			zap.String("incident", rep.IncidentID), zap.Int("version", rep.Version))
		if _, err := r.deliverSaved(ctx, rep); err != nil {
			return err
		}
	}
	return nil
}
