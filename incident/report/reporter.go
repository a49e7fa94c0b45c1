package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
)

// Reporter makes sure every required report phase exists and is delivered
// to the authority. Ensure is idempotent: it only creates what is missing.
type Reporter struct {
	Store          store.Store
	Deliver        notifier.Notifier // email (or the outbox) towards the authority
	AuthorityEmail string
	Render         func(incident.Report) string // plain-text body
	// PDF renders the report as the PDF attached to its email
	// (reportpdf.PDF); nil sends the text alone.
	PDF       func(io.Writer, incident.Report) error
	NoticeURL func(incidentID string) string
	Now       func() time.Time
	Log       *zap.Logger
	// mu serialises Ensure so concurrent follow-ups never generate the same
	// phase twice.
	mu sync.Mutex
}

// Ensure generates the reports an incident owes and has not yet produced:
// the first phase of every required obligation, and the final phase once
// the incident is closed.
func (r *Reporter) Ensure(ctx context.Context, incidentID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	inc, err := r.Store.GetIncident(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("load incident: %w", err)
	}
	have, err := r.Store.ListReports(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("list reports: %w", err)
	}
	for _, ob := range inc.Decision.Obligations {
		if !ob.Required || len(ob.Phases) == 0 {
			continue
		}
		for _, phase := range duePhases(inc, ob) {
			if hasReport(have, ob.Regime, phase) {
				continue
			}
			if err := r.generate(ctx, inc, ob, phase); err != nil {
				return err
			}
		}
	}
	return nil
}

// duePhases: the first phase from the start; the final report once closed,
// for the regimes that have one (a progress report after NIS2's final, or
// Brazil's complementary communication, wait on the phase clocks).
func duePhases(inc incident.Incident, ob incident.Obligation) []string {
	phases := []string{ob.Phases[0]}
	if inc.Status == incident.StatusClosed && ob.Phases[0] != incident.PhaseFinal && slices.Contains(ob.Phases, incident.PhaseFinal) {
		phases = append(phases, incident.PhaseFinal)
	}
	return phases
}

func hasReport(reports []incident.Report, regime, phase string) bool {
	for _, r := range reports {
		if r.Regime == regime && r.Phase == phase {
			return true
		}
	}
	return false
}

func (r *Reporter) generate(ctx context.Context, inc incident.Incident, ob incident.Obligation, phase string) error {
	in, err := r.input(ctx, inc, ob, phase, r.now())
	if err != nil {
		return err
	}
	saved, err := r.saveAndDeliver(ctx, Build(in))
	if err != nil {
		return err
	}
	r.Log.Info("regulator report generated", zap.String("incident", inc.ID), zap.String("regime", saved.Regime),
		zap.String("phase", saved.Phase), zap.Int("version", saved.Version), zap.String("delivered_via", saved.DeliveredTo))
	return nil
}

// Delivery states a report has before and without a delivery.
const (
	deliveryPending       = "pending" // saved, not yet handed to the notifier
	deliveryNotConfigured = "not configured"
)

// saveAndDeliver saves rep first, so that the email carries the version
// the store assigned (the authority quotes it back), then delivers it and
// records how. The report's content is immutable once saved; only its
// delivered_via is set afterwards.
func (r *Reporter) saveAndDeliver(ctx context.Context, rep incident.Report) (incident.Report, error) {
	rep.DeliveredTo = deliveryPending
	saved, err := r.Store.SaveReport(ctx, rep)
	if err != nil {
		return incident.Report{}, fmt.Errorf("save report: %w", err)
	}
	saved.DeliveredTo = r.deliver(ctx, saved)
	// The delivery happened (or failed) whatever the caller's context does
	// now: its outcome must still be recorded.
	if err := r.Store.SetReportDelivery(context.WithoutCancel(ctx), saved.IncidentID, saved.Version, saved.DeliveredTo); err != nil {
		return saved, fmt.Errorf("record delivery of report version %d: %w", saved.Version, err)
	}
	return saved, nil
}

// deliver sends the report to the authority and says how; a failure is
// recorded on the report rather than lost.
func (r *Reporter) deliver(ctx context.Context, rep incident.Report) string {
	if r.Deliver == nil || r.AuthorityEmail == "" {
		return deliveryNotConfigured
	}
	msg, err := r.message(rep)
	if err != nil {
		r.Log.Warn("render report for delivery", zap.String("incident", rep.IncidentID), zap.Int("version", rep.Version), zap.Error(err))
		return "failed: " + err.Error()
	}
	// One recipient id per phase: the outbox keeps one file per recipient,
	// and a final report must not overwrite the initial one.
	recipient := "authority:" + rep.Regime + ":" + rep.Phase
	d := notifier.Delivery{IncidentID: rep.IncidentID, SubjectID: recipient, Channel: incident.ChannelEmail,
		To: []string{r.AuthorityEmail}, Locale: "en", TemplateID: "report/" + rep.Phase, Message: msg}
	receipt, err := r.Deliver.Notify(ctx, d)
	if err != nil {
		r.Log.Warn("deliver report", zap.String("incident", rep.IncidentID), zap.Int("version", rep.Version), zap.Error(err))
		return "failed: " + err.Error()
	}
	return receipt.Provider
}

// message is the email for a saved report: its text, and its PDF when a
// renderer is set.
func (r *Reporter) message(rep incident.Report) (notifier.Message, error) {
	subject := fmt.Sprintf("[%s] %s report for incident %s (version %d)", rep.Regime, rep.Phase, rep.IncidentID, rep.Version)
	msg := notifier.Message{Subject: subject, Title: subject, Text: r.Render(rep)}
	if r.PDF == nil {
		return msg, nil
	}
	var buf bytes.Buffer
	if err := r.PDF(&buf, rep); err != nil {
		return msg, fmt.Errorf("render pdf: %w", err)
	}
	msg.Attachments = []notifier.Attachment{{Name: PDFFilename(rep), ContentType: "application/pdf", Data: buf.Bytes()}}
	return msg, nil
}

// PDFFilename names a report's PDF attachment, e.g.
// "INC-DEMO-0001-GDPR-initial-v1.pdf": the same name reportpdf.Filename
// serves it under, without this package depending on the PDF renderer.
func PDFFilename(rep incident.Report) string {
	name := fmt.Sprintf("%s-%s-%s-v%d", rep.IncidentID, rep.Regime, rep.Phase, rep.Version)
	return unsafeFilename.ReplaceAllString(name, "_") + ".pdf"
}

var unsafeFilename = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (r *Reporter) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}
