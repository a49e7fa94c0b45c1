package apply

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// maxChangeReason bounds the reason an event gives for a changed decision.
const maxChangeReason = 2000

// redecide classifies inc on its facts and the subjects stored so far, and
// appends the result to the decision log as the next version: always when
// the facts changed (always), otherwise only if it says something the
// current version does not. Without a reason, a duty the current version
// owes is held rather than dropped (see incident.HoldDuties).
func (a *Applier) redecide(tx store.Tx, inc incident.Incident, reason string, always bool, res *Result) error {
	pop, err := tx.Population(inc.ID)
	if incident.ErrorCode(err) == incident.CodeNotFound {
		pop, err = incident.Population{}, nil // a new incident: no one stored yet
	}
	if err != nil {
		return err
	}
	d := a.Classify(inc.Facts, pop)
	d.IncidentID = inc.ID
	if prev := inc.Decision; prev.Version > 0 {
		var news bool
		d, news = amend(prev, d, reason)
		if !always && !news {
			return nil
		}
	}
	now := a.now()
	d.DecidedAt = &now
	if d, err = tx.AppendDecision(d); err != nil {
		return err
	}
	res.DecisionChanged = true
	inc.Decision, inc.UpdatedAt = d, now
	return tx.PutIncident(inc)
}

// amend makes the classifier's decision the version after prev: the duties
// it drops are held unless a reason is given, and it records what changed
// and why. news reports a change of substance or a duty held anew, the
// things a person must see in a new version.
func amend(prev, next incident.Decision, reason string) (d incident.Decision, news bool) {
	var held []incident.Change
	if reason == "" {
		next, held = incident.HoldDuties(prev, next)
	}
	diff := incident.DiffDecisions(prev, next)
	next.Changes = append(diff, held...)
	next.ChangeReason = reason
	return next, len(diff) > 0 || heldAnew(prev, held)
}

// heldAnew reports a held duty prev did not already hold; a duty held
// before carries its review signal.
func heldAnew(prev incident.Decision, held []incident.Change) bool {
	for _, c := range held {
		if prev.Review == nil || !slices.Contains(prev.Review.Signals, incident.HoldSignal(c)) {
			return true
		}
	}
	return false
}

// changeReason reads the optional change_reason of an `opened` or `updated`
// event: the team's word for why the decision may change, a duty included.
// It is not a fact, and the facts never keep it.
func changeReason(ev incident.Event) (string, error) {
	var probe struct {
		ChangeReason *string `json:"change_reason"`
	}
	if err := json.Unmarshal(ev.Data, &probe); err != nil {
		return "", incident.Invalid("data.change_reason", "must be a string")
	}
	if probe.ChangeReason == nil {
		return "", nil
	}
	r := strings.TrimSpace(*probe.ChangeReason)
	if utf8.RuneCountInString(r) > maxChangeReason {
		return "", incident.Invalid("data.change_reason", "must be at most %d characters", maxChangeReason)
	}
	return r, nil
}
