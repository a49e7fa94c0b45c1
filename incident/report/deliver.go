package report

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/webhook"
)

// Route is one authority a report goes to, and how: by email, or to its
// webhook. A route with neither only lets the authority read the report
// over the API.
type Route struct {
	AuthorityID string // the authorities file's id; DefaultAuthority for authority_email
	Email       string
	Webhook     *webhook.Target
}

// DefaultAuthority names the route to authority_email, used when no
// configured authority takes a report.
const DefaultAuthority = "default"

// Delivery states a report has before and without a delivery.
const (
	deliveryPending       = "pending" // saved, not yet handed to the notifier
	deliveryNotConfigured = "not configured"
	deliveryAPIOnly       = "read over the API" // its authorities take reports by pulling them
)

// Retry policy of a report delivery: the authority must get the report,
// so it is tried for about sixteen hours before the team is left to act.
const (
	maxReportTries     = 12
	firstReportBackoff = time.Minute
	maxReportBackoff   = 4 * time.Hour
	// stalledAfter is how long a delivery may stay pending before it is
	// taken for a sender that stopped mid-way: longer than any send takes.
	stalledAfter = 10 * time.Minute
)

// saveAndDeliver saves rep first, so that what is sent carries the version
// the store assigned (the authority quotes it back), then delivers it on
// each route and records how. The report's content is immutable once
// saved; only its delivered_via summary is set afterwards.
func (r *Reporter) saveAndDeliver(ctx context.Context, rep incident.Report) (incident.Report, error) {
	rep.DeliveredTo = deliveryPending
	saved, err := r.Store.SaveReport(ctx, rep)
	if err != nil {
		return incident.Report{}, fmt.Errorf("save report: %w", err)
	}
	return r.deliverSaved(ctx, saved)
}

// deliverSaved delivers a saved report on each of its routes.
func (r *Reporter) deliverSaved(ctx context.Context, saved incident.Report) (incident.Report, error) {
	// The delivery happens (or fails) whatever the caller's context does
	// now: its outcome must still be recorded.
	ctx = context.WithoutCancel(ctx)
	routes, owned := r.routes(saved)
	var results []incident.ReportDelivery
	for _, route := range routes {
		pending := incident.ReportDelivery{IncidentID: saved.IncidentID, Version: saved.Version,
			AuthorityID: route.AuthorityID, Method: route.method(), Status: incident.ReportDeliveryPending}
		// Recorded before the send: a crash mid-way leaves it pending, and
		// the retry sweep takes it up.
		if err := r.Store.SaveReportDelivery(ctx, pending); err != nil {
			return saved, fmt.Errorf("record delivery of report version %d: %w", saved.Version, err)
		}
		d := r.attempt(ctx, saved, route, pending)
		if err := r.Store.SaveReportDelivery(ctx, d); err != nil {
			return saved, fmt.Errorf("record delivery of report version %d: %w", saved.Version, err)
		}
		results = append(results, d)
	}
	saved.DeliveredTo = summary(results)
	if len(results) == 0 && owned {
		saved.DeliveredTo = deliveryAPIOnly
	}
	if err := r.Store.SetReportDelivery(ctx, saved.IncidentID, saved.Version, saved.DeliveredTo); err != nil {
		return saved, fmt.Errorf("record delivery of report version %d: %w", saved.Version, err)
	}
	return saved, nil
}

// routes are where rep goes: the configured authorities that take it, or
// the default authority_email. owned says a configured authority takes
// it, even if only by reading it over the API.
func (r *Reporter) routes(rep incident.Report) (deliverable []Route, owned bool) {
	var routes []Route
	if r.Routes != nil {
		routes = r.Routes(rep)
	}
	owned = len(routes) > 0
	if !owned && r.AuthorityEmail != "" {
		routes = []Route{{AuthorityID: DefaultAuthority, Email: r.AuthorityEmail}}
	}
	for _, route := range routes {
		if m := route.method(); m == "webhook" || m == incident.ChannelEmail && r.Deliver != nil {
			deliverable = append(deliverable, route)
		}
	}
	return deliverable, owned
}

func (rt Route) method() string {
	switch {
	case rt.Webhook != nil:
		return "webhook"
	case rt.Email != "":
		return incident.ChannelEmail
	}
	return ""
}

// attempt makes one try of one route and returns the row that records
// it, which Observe hears.
func (r *Reporter) attempt(ctx context.Context, rep incident.Report, route Route, d incident.ReportDelivery) incident.ReportDelivery {
	d = r.try(ctx, rep, route, d)
	if r.Observe != nil {
		r.Observe(ctx, rep, d)
	}
	return d
}

func (r *Reporter) try(ctx context.Context, rep incident.Report, route Route, d incident.ReportDelivery) incident.ReportDelivery {
	d.Tries++
	d.Error, d.NextAt = "", nil
	var err error
	switch route.method() {
	case "webhook":
		err = r.postWebhook(ctx, rep, route, &d)
	default:
		err = r.email(ctx, rep, route, &d)
	}
	now := r.now()
	if err == nil {
		d.Status, d.SentAt = incident.ReportDeliverySent, &now
		return d
	}
	d.Error = err.Error()
	if notifier.IsPermanent(err) || d.Tries >= maxReportTries {
		d.Status = incident.ReportDeliveryGaveUp
	} else {
		next := now.Add(max(reportBackoff(d.Tries), notifier.RetryAfter(err)))
		d.Status, d.NextAt = incident.ReportDeliveryFailed, &next
	}
	r.Log.Warn("deliver regulator report", zap.String("incident", rep.IncidentID), zap.Int("version", rep.Version),
		zap.String("authority", d.AuthorityID), zap.String("method", d.Method), zap.Int("tries", d.Tries),
		zap.String("status", d.Status), zap.Error(err))
	return d
}

// reportBackoff doubles from a minute up to a few hours.
func reportBackoff(tries int) time.Duration {
	b := firstReportBackoff
	for i := 1; i < tries && b < maxReportBackoff; i++ {
		b *= 2
	}
	return min(b, maxReportBackoff)
}

// email sends the report with its PDF to the route's address.
func (r *Reporter) email(ctx context.Context, rep incident.Report, route Route, d *incident.ReportDelivery) error {
	msg, err := r.message(rep)
	if err != nil {
		return fmt.Errorf("%w: %w", notifier.Permanent("render report"), err)
	}
	// One recipient id per version and authority: the outbox keeps one file
	// per recipient, and no report may overwrite another.
	recipient := fmt.Sprintf("authority:%s:%s:%s:v%d", route.AuthorityID, rep.Regime, rep.Phase, rep.Version)
	receipt, err := r.Deliver.Notify(ctx, notifier.Delivery{IncidentID: rep.IncidentID, SubjectID: recipient,
		Channel: incident.ChannelEmail, To: []string{route.Email}, Locale: "en", TemplateID: "report/" + rep.Phase, Message: msg})
	if err != nil {
		return err
	}
	d.Provider, d.Reference = receipt.Provider, receipt.ProviderID
	return nil
}

// postWebhook posts the report's JSON document (incident/report/
// report.schema.json) to the route's webhook, and records the
// authority's acknowledgement when its answer carries one.
func (r *Reporter) postWebhook(ctx context.Context, rep incident.Report, route Route, d *incident.ReportDelivery) error {
	client := r.Webhook
	if client == nil {
		client = &webhook.Client{} // its defaults
	}
	rep.DeliveredTo = "" // how it reached the other authorities is not this one's business
	body, err := json.Marshal(rep)
	if err != nil {
		return notifier.Permanent("encode report: " + err.Error())
	}
	deliveryID := webhook.DeliveryID(rep.IncidentID, rep.Version, route.AuthorityID)
	receipt, err := client.Post(ctx, *route.Webhook, deliveryID, body)
	if err != nil {
		return err
	}
	d.Provider, d.Reference = "webhook", receipt.Reference
	if receipt.Acknowledged {
		at := r.now()
		d.AcknowledgedAt, d.Acknowledgement = &at, receipt.Acknowledgement
	}
	return nil
}

// summary is a report's delivered_via: how it went out, in a few words,
// e.g. "smtp", or "de-bfdi: webhook; default: failed: ...".
func summary(results []incident.ReportDelivery) string {
	if len(results) == 0 {
		return deliveryNotConfigured
	}
	parts := make([]string, 0, len(results))
	for _, d := range results {
		s := d.Provider
		if d.Status != incident.ReportDeliverySent {
			s = "failed: " + d.Error
		}
		if len(results) > 1 {
			s = d.AuthorityID + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
