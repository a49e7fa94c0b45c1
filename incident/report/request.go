package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Generate makes a new report version for one phase of one of the
// incident's required obligations, on request: a phase the law leaves to
// the authority (NIS2's intermediate report, Art. 23(4)(c)) or any phase the
// team wants to send now. Each call stores a new immutable version with its
// content hash and delivers it like the automatic ones.
//
// A phase's first version generated after its due time is late (a later
// version is an update, never late), and a late report
// must state the reasons for the delay (GDPR Art. 33(1)): without reasons
// Generate refuses (CodeInvalid, field "reasons"). Reasons given for a
// report on time are not recorded: there is no delay to explain.
func (r *Reporter) Generate(ctx context.Context, incidentID, regime, phase, reasons string) (incident.Report, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	inc, err := r.Store.GetIncident(ctx, incidentID)
	if err != nil {
		return incident.Report{}, fmt.Errorf("load incident: %w", err)
	}
	ob, phase, err := requestedPhase(inc.Decision, regime, phase)
	if err != nil {
		return incident.Report{}, err
	}
	have, err := r.Store.ListReports(ctx, incidentID)
	if err != nil {
		return incident.Report{}, fmt.Errorf("list reports: %w", err)
	}
	now := r.now()
	mine := reportsOf(have, ob.Regime)
	due := phaseDeadlineOf(ob, mine, phase, r.Recount)
	late := due != nil && now.After(*due) && !hasPhase(mine, phase)
	reasons = strings.TrimSpace(reasons)
	if late && reasons == "" {
		return incident.Report{}, incident.Invalid("reasons",
			"the report is late: give the reasons for the delay (%s %s was due %s)", ob.Regime, phase, due.Format(time.RFC3339))
	}
	st := &stateNow{r: r, inc: inc}
	return r.generate(ctx, st, ob, mine, planned{phase: phase, trigger: TriggerRequest}, reasons, now)
}

// requestedPhase finds the required obligation and its phase, in the
// spelling of the decision (names match without regard to case).
func requestedPhase(d incident.Decision, regime, phase string) (incident.Obligation, string, error) {
	regime, phase = strings.TrimSpace(regime), strings.TrimSpace(phase)
	if regime == "" {
		return incident.Obligation{}, "", incident.Invalid("regime", "is required")
	}
	var required []string
	for _, ob := range d.Obligations {
		if !ob.Required || len(ob.Phases) == 0 {
			continue
		}
		required = append(required, ob.Regime)
		if !strings.EqualFold(ob.Regime, regime) {
			continue
		}
		for _, p := range ob.Phases {
			if strings.EqualFold(p, phase) {
				return ob, p, nil
			}
		}
		if phase == "" {
			return ob, "", incident.Invalid("phase", "is required (phases of %s: %s)", ob.Regime, strings.Join(ob.Phases, ", "))
		}
		return ob, "", incident.Invalid("phase", "%q is not a phase of %s (phases: %s)", phase, ob.Regime, strings.Join(ob.Phases, ", "))
	}
	return incident.Obligation{}, "", incident.Invalid("regime", "%q is not a required obligation of this incident (required: %s)",
		regime, listOrNone(required))
}

func listOrNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// phaseDeadlineOf is when one phase of the obligation is due, given its
// reports so far (see schedule). Nil means no fixed time (on request, or
// counted from an event that has not happened yet).
func phaseDeadlineOf(ob incident.Obligation, mine []incident.Report, phase string, rc Recount) *time.Time {
	for _, pd := range schedule(ob, mine, rc) {
		if pd.Phase == phase {
			return pd.Deadline
		}
	}
	return nil
}

// input gathers what Build draws on: the notification progress and the
// public notice, as st read them (once for every report one Ensure makes,
// so all its authorities read the same numbers).
func (r *Reporter) input(ctx context.Context, st *stateNow, ob incident.Obligation, phase string, now time.Time) (Input, error) {
	progress, err := st.notificationProgress(ctx)
	if err != nil {
		return Input{}, err
	}
	in := Input{Incident: st.inc, Obligation: ob, Phase: phase, Progress: progress, Now: now}
	if in.Notice, err = st.publicNotice(ctx); err != nil {
		return Input{}, err
	}
	if in.Notice != nil && r.NoticeURL != nil {
		in.NoticeURL = r.NoticeURL(st.inc.ID)
	}
	return in, nil
}

// withReasons puts the team's reasons for a delay in place of Build's
// placeholder on a late report (Build judges lateness against the phase's
// own due time, as Generate does); the content hash is taken again over
// the final fields.
func withReasons(rep incident.Report, reasons string) incident.Report {
	if !rep.Late {
		return rep
	}
	rep.Fields["reasons_for_delay"] = reasons
	rep.ContentHash = hash(rep.Fields)
	return rep
}
