package report

import (
	"slices"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Recount counts a phase's deadline again from another start, as the
// policy counts it (classify.Engine.Recount); nil when it cannot.
type Recount func(ob incident.Obligation, phase string, from time.Time) *time.Time

// Clocks lists the deadline clock of every report phase of every required
// obligation, as it stands at now. It is pure: deadlines come from the
// classifier's schedule, recounted by rc (may be nil) from the sending of
// the phase a later one follows (see schedule), and a phase counts as
// sent once a report for its regime and phase exists.
func Clocks(inc incident.Incident, reports []incident.Report, now time.Time, rc Recount) []incident.Clock {
	var out []incident.Clock
	for _, ob := range inc.Decision.Obligations {
		if !ob.Required {
			continue
		}
		mine := reportsOf(reports, ob.Regime)
		phases := schedule(ob, mine, rc)
		for _, ph := range phases {
			c := incident.Clock{Regime: ob.Regime, Authority: ob.Authority, Phase: ph.Phase, Due: ph.Due,
				StartedAt: utc(phaseStart(inc, ob, mine, phases, ph)), Deadline: utc(ph.Deadline)}
			measure(&c, now)
			if r, ok := firstReport(reports, ob.Regime, ph.Phase); ok {
				markSent(&c, r)
			}
			out = append(out, c)
		}
	}
	return out
}

// phaseSchedule is the obligation's schedule, or for a decision that has
// none (made before schedules existed) its first phase on the obligation's
// own deadline.
func phaseSchedule(ob incident.Obligation) []incident.PhaseDue {
	if len(ob.Schedule) > 0 {
		return ob.Schedule
	}
	first := incident.PhaseInitial
	if len(ob.Phases) > 0 {
		first = ob.Phases[0]
	}
	return []incident.PhaseDue{{Phase: first, Clock: ob.Clock, Deadline: ob.Deadline, Due: ob.Due}}
}

// schedule is the obligation's schedule as it stands given its reports so
// far (mine). The classifier counts a phase that follows another ("phase:
// notification") from that phase's deadline; once that phase has been
// sent, the law counts from its sending (NIS2's final report is due a month
// after the notification was submitted, Art. 23(4)(d)), so rc counts the
// deadline again from the sending. Without rc, or when it cannot (the
// policy changed since the decision), the computed deadline moves by as
// much as the sending was early or late: exact for hours, but months and
// business days may then be off by a day or more around month ends and
// holidays.
func schedule(ob incident.Obligation, mine []incident.Report, rc Recount) []incident.PhaseDue {
	base := phaseSchedule(ob)
	out := slices.Clone(base)
	for i, ph := range out {
		name, follows := strings.CutPrefix(ph.Clock, "phase:")
		if !follows || ph.Deadline == nil {
			continue
		}
		sent, ok := firstReport(mine, ob.Regime, name)
		counted := dueOf(base, name)
		if !ok || counted == nil {
			continue
		}
		if rc != nil {
			if recounted := rc(ob, ph.Phase, sent.GeneratedAt); recounted != nil {
				out[i].Deadline = recounted
				continue
			}
		}
		moved := ph.Deadline.Add(sent.GeneratedAt.Sub(*counted))
		out[i].Deadline = &moved
	}
	return out
}

func dueOf(phases []incident.PhaseDue, name string) *time.Time {
	for _, ph := range phases {
		if ph.Phase == name {
			return ph.Deadline
		}
	}
	return nil
}

// phaseStart is the instant a phase's time counts from: the sending of the
// phase it follows (or, until then, that phase's deadline, as the
// classifier counted), the closure, or the obligation's clock fact.
func phaseStart(inc incident.Incident, ob incident.Obligation, mine []incident.Report, phases []incident.PhaseDue, ph incident.PhaseDue) *time.Time {
	switch {
	case strings.HasPrefix(ph.Clock, "phase:"):
		name := strings.TrimPrefix(ph.Clock, "phase:")
		if sent, ok := firstReport(mine, ob.Regime, name); ok {
			at := sent.GeneratedAt
			return &at
		}
		for _, earlier := range phases {
			if earlier.Phase == name {
				return earlier.Deadline
			}
		}
		return nil
	case ph.Clock == "closed_at":
		return inc.Facts.ClosedAt
	case ph.Clock == "on_request":
		return nil
	}
	return ob.ClockAt
}

// measure sets the time left, the share used and the state of an unsent
// phase.
func measure(c *incident.Clock, now time.Time) {
	if c.Deadline == nil {
		c.State = incident.ClockWaiting
		return
	}
	c.SecondsLeft = int64(c.Deadline.Sub(now) / time.Second)
	c.Elapsed = elapsed(c.StartedAt, *c.Deadline, now)
	switch {
	case now.After(*c.Deadline):
		c.State = incident.ClockLate
	case reached(c.StartedAt, *c.Deadline, now, 8, 10):
		c.State = incident.ClockWarning80
	case reached(c.StartedAt, *c.Deadline, now, 1, 2):
		c.State = incident.ClockWarning50
	default:
		c.State = incident.ClockRunning
	}
}

// reached reports whether num/den of [start, deadline] is behind now. It
// counts in whole nanoseconds, not floats, so the warning falls on the
// same instant on every machine.
func reached(start *time.Time, deadline, now time.Time, num, den int64) bool {
	if start == nil || !deadline.After(*start) {
		return false
	}
	return int64(now.Sub(*start))*den >= int64(deadline.Sub(*start))*num
}

// elapsed is the share of [start, deadline] behind now, within 0..1. Time
// that has not started yet (a phase counted from a later deadline) is 0.
func elapsed(start *time.Time, deadline, now time.Time) float64 {
	if !now.Before(deadline) {
		return 1
	}
	if start == nil || !deadline.After(*start) || !now.After(*start) {
		return 0
	}
	return float64(now.Sub(*start)) / float64(deadline.Sub(*start))
}

func markSent(c *incident.Clock, r incident.Report) {
	sent := r.GeneratedAt.UTC()
	c.State, c.SentAt, c.ReportVersion = incident.ClockSent, &sent, r.Version
	c.SecondsLeft, c.Elapsed = 0, 0 // a sent phase has no time running
	c.SentLate = c.Deadline != nil && sent.After(*c.Deadline)
}

// firstReport is the earliest report of a regime's phase: the one that met
// (or missed) the deadline.
func firstReport(reports []incident.Report, regime, phase string) (incident.Report, bool) {
	var first incident.Report
	found := false
	for _, r := range reports {
		if r.Regime == regime && r.Phase == phase && (!found || r.Version < first.Version) {
			first, found = r, true
		}
	}
	return first, found
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
