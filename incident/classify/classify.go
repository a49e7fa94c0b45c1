// Package classify turns an incident's facts into a Decision: the ENISA
// severity score, the GDPR risk level with its duties towards the authority and
// the people affected, and each regime's obligation with its deadline.
//
// Classify is pure and deterministic: no clock, no I/O, no randomness. Every
// deadline is computed from the facts' own clocks, and the rationale lists the
// reasons in a fixed order. A missing fact is read conservatively, named in the
// rationale, and raised as a review signal for a person to confirm.
package classify

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
)

// decide is the classification pipeline: normalise the facts, score the
// severity, weigh the risk, then list the obligations.
func decide(f incident.Facts, p *policy.Policy, seen incident.Population) incident.Decision {
	var n notes
	v := normalise(f, &n)
	sev := assessSeverity(v, &n)
	r := assessRisk(v, sev, &n)
	d := incident.Decision{
		IncidentID:       f.IncidentID,
		Risk:             riskNames[r.level],
		NotifyAuthority:  r.level > riskUnlikely,
		NotifySubjects:   r.level == riskHigh && r.exemption == incident.ExemptionNone,
		SubjectExemption: r.exemption,
		PublicNotice:     r.exemption == incident.ExemptionDisproportionateEffort,
	}
	d.Advisory = advisory(f, &n)
	d.Obligations = newScene(f, v, d, p, seen, &n).obligations()
	settleDuties(&d)
	sev.Rationale = n.lines
	d.Severity = sev
	if len(n.signals) > 0 {
		d.Review = &incident.Review{HumanReviewRequired: true, Signals: n.signals}
	}
	return d
}

// Values of the enumerated facts (EVENTS.md).
const (
	none              = "none"
	exposedNoEvidence = "exposed_no_evidence"
	knownRecipients   = "known_recipients"
	unknownRecipients = "unknown_recipients"
	ruledOut          = "ruled_out"
	suspected         = "suspected"
	confirmed         = "confirmed"
	alteredNoMisuse   = "altered_no_misuse"
	alteredRecover    = "altered_recoverable"
	alteredLost       = "altered_unrecoverable"
	restoredQuickly   = "restored_quickly"
	temporary         = "temporary"
	permanent         = "permanent"
	actorInsider      = "insider"
	actorAccidental   = "accidental"
	actorUnknown      = "unknown"
)

// notes collects the rationale, in the order the reasons were found, and the
// review signals: facts that were missing or contradicted each other.
type notes struct {
	lines   []string
	signals []string
}

func (n *notes) add(format string, args ...any) {
	n.lines = append(n.lines, fmt.Sprintf(format, args...))
}

// flag records a missing or conflicting fact: it is both a rationale line and
// a review signal.
func (n *notes) flag(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	n.lines = append(n.lines, s)
	if !slices.Contains(n.signals, s) {
		n.signals = append(n.signals, s)
	}
}

// clip shortens free text taken from the facts (a category name, an
// adjustment reason) so that a rationale line stays a line.
func clip(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "..."
}
