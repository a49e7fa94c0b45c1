package classify

import (
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
)

// Recount counts one phase's deadline of ob again from from, as the policy
// counts it (hours, calendar or business days with their holidays,
// months), with the deadline the decision chose for it (an override
// included). The report clocks use it once the phase a later one follows
// has been sent: NIS2's final report is due a month after the notification
// was submitted, not after it was due. It returns nil when the rule or
// phase is not in the policy in force, or the phase has no fixed time.
func (e *Engine) Recount(ob incident.Obligation, phase string, from time.Time) *time.Time {
	ph, due, ok := e.phaseOf(ob, phase)
	if !ok {
		return nil
	}
	for _, spec := range append([]policy.Deadline{ph.Deadline}, overrideDeadlines(ph)...) {
		if spec.String() == due {
			return dueAfter(spec, from)
		}
	}
	return nil // the policy changed since the decision: no count to trust
}

// phaseOf finds the policy phase behind one of ob's scheduled phases, and
// the words of the deadline the decision chose for it.
func (e *Engine) phaseOf(ob incident.Obligation, phase string) (policy.Phase, string, bool) {
	due, scheduled := "", false
	for _, pd := range ob.Schedule {
		if pd.Phase == phase {
			due, scheduled = pd.Due, true
		}
	}
	if !scheduled {
		return policy.Phase{}, "", false
	}
	for _, r := range e.policy.Rules {
		if r.ID != ob.RuleID {
			continue
		}
		for _, ph := range r.Phases {
			if ph.Name == phase {
				return ph, due, true
			}
		}
	}
	return policy.Phase{}, "", false
}

func overrideDeadlines(ph policy.Phase) []policy.Deadline {
	out := make([]policy.Deadline, len(ph.Overrides))
	for i, o := range ph.Overrides {
		out[i] = o.Deadline
	}
	return out
}

func dueAfter(spec policy.Deadline, from time.Time) *time.Time {
	return due(spec, &from)
}
