package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/webhook"
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
	// Routes names the authorities a report goes to and how (the
	// authorities file); nil, or no route, sends it to AuthorityEmail.
	Routes func(incident.Report) []Route
	// Recount counts a phase's deadline from the sending of the phase it
	// follows, as the policy does (classify.Engine.Recount); nil shifts
	// the computed one instead (see schedule).
	Recount Recount
	// Webhook posts reports to the routes that take them by webhook.
	Webhook *webhook.Client
	// Claim, when set, is asked before Ensure makes an incident's reports:
	// with several processes on one store, only the one holding the
	// incident's claim makes them, so an authority never gets one update
	// twice. false: another process has them in hand, and Ensure does
	// nothing (the next event or pass asks again).
	Claim func(ctx context.Context, incidentID string) (bool, error)
	// Observe, when set, hears the outcome of every delivery attempt
	// (metrics; the team's alert when one is given up).
	Observe func(context.Context, incident.Report, incident.ReportDelivery)
	// mu serialises Ensure so concurrent follow-ups never generate the same
	// phase twice.
	mu sync.Mutex
	// heldLogged remembers the late phases already logged as held.
	heldLogged map[string]bool
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
