package report

import (
	"context"
	"fmt"
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
	NoticeURL      func(incidentID string) string
	Now            func() time.Time
	Log            *zap.Logger
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
	progress, err := r.Store.Progress(ctx, inc.ID)
	if err != nil {
		return fmt.Errorf("read progress: %w", err)
	}
	in := Input{Incident: inc, Obligation: ob, Phase: phase, Progress: progress, Now: r.now()}
	if n, err := r.Store.GetNotice(ctx, inc.ID); err == nil {
		in.Notice, in.NoticeURL = &n, r.NoticeURL(inc.ID)
	}
	rep := Build(in)
	rep.DeliveredTo = r.deliver(ctx, rep)
	saved, err := r.Store.SaveReport(ctx, rep)
	if err != nil {
		return fmt.Errorf("save report: %w", err)
	}
	r.Log.Info("regulator report generated", zap.String("incident", inc.ID), zap.String("regime", saved.Regime),
		zap.String("phase", saved.Phase), zap.Int("version", saved.Version), zap.String("delivered_via", saved.DeliveredTo))
	return nil
}

// deliver sends the report to the authority and says how; a failure is
// recorded on the report rather than lost.
func (r *Reporter) deliver(ctx context.Context, rep incident.Report) string {
	if r.Deliver == nil || r.AuthorityEmail == "" {
		return "not configured"
	}
	subject := fmt.Sprintf("[%s] %s report for incident %s", rep.Regime, rep.Phase, rep.IncidentID)
	// One recipient id per phase: the outbox keeps one file per recipient,
	// and a final report must not overwrite the initial one.
	recipient := "authority:" + rep.Regime + ":" + rep.Phase
	d := notifier.Delivery{IncidentID: rep.IncidentID, SubjectID: recipient, Channel: incident.ChannelEmail,
		To: []string{r.AuthorityEmail}, Locale: "en", TemplateID: "report/" + rep.Phase,
		Message: notifier.Message{Subject: subject, Title: subject, Text: r.Render(rep)}}
	receipt, err := r.Deliver.Notify(ctx, d)
	if err != nil {
		r.Log.Warn("deliver report", zap.String("incident", rep.IncidentID), zap.Error(err))
		return "failed: " + err.Error()
	}
	return receipt.Provider
}

func (r *Reporter) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}
