package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// Why an automatic report was made: its "trigger" field.
const (
	TriggerOpened  = "incident opened"
	TriggerUpdated = "incident updated"
	TriggerClosed  = "incident closed"
	TriggerNotice  = "public notice published"
	TriggerRequest = "requested by the response team"
)

// Ensure makes the reports the incident's state calls for and has not yet
// produced, for each required obligation:
//   - its first phase, as soon as the incident is known;
//   - an update when what the reports say has changed (an updated event)
//     or the public notice was published since the last report;
//   - its final phase once the incident is closed.
//
// A phase whose deadline has passed with no version sent is held, not
// sent: a late report must give the reasons for the delay (GDPR Art.
// 33(1)), which only the response team can (`incidentctl report generate
// --reasons`); its clock shows late and the team is warned. Ensure is
// idempotent: it only creates what is missing.
func (r *Reporter) Ensure(ctx context.Context, incidentID string) error {
	return r.ensure(ctx, incidentID, false)
}

// EnsureMilestones is Ensure that also reports notification milestones
// (50 % and 100 % of the people processed). It counts the incident's
// people, which costs a scan of them, so it runs from the periodic check
// rather than on every event.
func (r *Reporter) EnsureMilestones(ctx context.Context, incidentID string) error {
	return r.ensure(ctx, incidentID, true)
}

func (r *Reporter) ensure(ctx context.Context, incidentID string, milestones bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Claim != nil {
		held, err := r.Claim(ctx, incidentID)
		if err != nil || !held {
			return err
		}
	}
	inc, err := r.Store.GetIncident(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("load incident: %w", err)
	}
	have, err := r.Store.ListReports(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("list reports: %w", err)
	}
	now := r.now()
	if err := r.recoverUnrouted(ctx, have, now); err != nil {
		return err
	}
	st := &stateNow{r: r, inc: inc, milestones: milestones}
	for _, ob := range inc.Decision.Obligations {
		if !ob.Required || len(ob.Phases) == 0 {
			continue
		}
		mine := reportsOf(have, ob.Regime)
		plan, err := r.plan(ctx, st, ob, mine, now)
		if err != nil {
			return err
		}
		for _, p := range plan {
			saved, err := r.generate(ctx, st, ob, mine, p, "", now)
			if err != nil {
				return err
			}
			mine = append(mine, saved)
		}
	}
	return nil
}

// planned is one report Ensure is about to make.
type planned struct {
	phase, trigger string
}

// plan lists what one obligation needs now, given its reports so far.
func (r *Reporter) plan(ctx context.Context, st *stateNow, ob incident.Obligation, mine []incident.Report, now time.Time) ([]planned, error) {
	inc, first, final := st.inc, ob.Phases[0], incident.PhaseFinal
	var p []planned
	if !hasPhase(mine, first) {
		if r.held(inc.ID, ob, mine, first, now) {
			return nil, nil // nothing goes before the first phase
		}
		p = append(p, planned{phase: first, trigger: TriggerOpened})
	}
	if inc.Status == incident.StatusClosed {
		if final != first && slices.Contains(ob.Phases, final) && !hasPhase(mine, final) && !r.held(inc.ID, ob, mine, final, now) {
			p = append(p, planned{phase: final, trigger: TriggerClosed})
		}
		return p, nil // after closure only the team adds reports
	}
	if len(p) > 0 {
		return p, nil // the first report says all there is to say yet
	}
	triggers, err := st.updateTriggers(ctx, ob, mine)
	if err != nil || len(triggers) == 0 {
		return nil, err
	}
	return []planned{{phase: updatePhase(ob, mine, now, r.Recount), trigger: joinTriggers(triggers)}}, nil
}

// held says whether a phase with no version sent is past its deadline, and
// so waits for the team's reasons; it logs that once per process.
func (r *Reporter) held(incidentID string, ob incident.Obligation, mine []incident.Report, phase string, now time.Time) bool {
	due := phaseDeadlineOf(ob, mine, phase, r.Recount)
	if due == nil || !now.After(*due) {
		return false
	}
	key := incidentID + "\x00" + ob.Regime + "\x00" + phase
	if !r.heldLogged[key] {
		if r.heldLogged == nil {
			r.heldLogged = map[string]bool{}
		}
		r.heldLogged[key] = true
		r.Log.Warn("regulator report held: it is late and needs the reasons for the delay (incidentctl report generate --reasons)",
			zap.String("incident", incidentID), zap.String("regime", ob.Regime), zap.String("phase", phase),
			zap.Time("deadline", *due))
	}
	return true
}

// updatePhase is the phase an update is sent as: the regime's follow-up
// phase where it has one (GDPR Art. 33(4): information in phases); else
// the next phase with a fixed deadline not yet sent and not yet late
// (NIS2's notification updates its early warning, Art. 23(4)(b)); else a
// new version of the last phase sent.
func updatePhase(ob incident.Obligation, mine []incident.Report, now time.Time, rc Recount) string {
	if slices.Contains(ob.Phases, incident.PhaseFollowUp) {
		return incident.PhaseFollowUp
	}
	for _, ph := range schedule(ob, mine, rc) {
		if ph.Phase == incident.PhaseFinal || ph.Deadline == nil || hasPhase(mine, ph.Phase) {
			continue
		}
		if now.Before(*ph.Deadline) {
			return ph.Phase
		}
	}
	return mine[len(mine)-1].Phase
}

// generate makes, saves and delivers one report; mine are the
// obligation's reports so far, reasons the team's for a late one.
func (r *Reporter) generate(ctx context.Context, st *stateNow, ob incident.Obligation, mine []incident.Report,
	p planned, reasons string, now time.Time) (incident.Report, error) {
	inc := st.inc
	in, err := r.input(ctx, st, ob, p.phase, now)
	if err != nil {
		return incident.Report{}, err
	}
	in.Trigger, in.Earlier, in.Recount = p.trigger, mine, r.Recount
	saved, err := r.saveAndDeliver(ctx, withReasons(Build(in), reasons))
	if err != nil {
		return incident.Report{}, err
	}
	r.Log.Info("regulator report generated", zap.String("incident", inc.ID), zap.String("regime", saved.Regime),
		zap.String("phase", saved.Phase), zap.Int("version", saved.Version), zap.String("trigger", p.trigger),
		zap.Bool("late", saved.Late), zap.String("delivered_via", saved.DeliveredTo))
	return saved, nil
}

// reportsOf is one regime's reports, oldest version first (as listed).
func reportsOf(reports []incident.Report, regime string) []incident.Report {
	var mine []incident.Report
	for _, r := range reports {
		if r.Regime == regime {
			mine = append(mine, r)
		}
	}
	return mine
}

func hasPhase(reports []incident.Report, phase string) bool {
	return slices.ContainsFunc(reports, func(r incident.Report) bool { return r.Phase == phase })
}
