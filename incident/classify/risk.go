package classify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// Risk under GDPR is not read off the ENISA band. It follows the reasoning of
// EDPB Guidelines 9/2022 (breach notification) and 01/2021 (worked examples):
// each of confidentiality, integrity and availability is judged on its own
// and the worst one wins. The case numbers in the rationale are 01/2021's.

// Risk levels, ordered so that max() is "the worse of".
const (
	riskUnlikely = iota
	riskSome
	riskHigh
)

var riskNames = [...]string{incident.RiskUnlikely, incident.RiskRisk, incident.RiskHigh}

// largeVolume is where the number of people turns a breach to unknown
// recipients into a high risk. Neither ENISA nor the EDPB give a number
// ("the more people, the greater the impact", 9/2022); the EDPB's high-risk
// cases with simple data involve 60,000 and 100,000 people (01/2021 cases 14
// and 11), so a tenth of the smaller one keeps a margin. A policy value: it
// moves to the YAML policy with the rest.
const largeVolume = 10000

// sensitiveCats are the categories whose exposure to unknown or untrusted
// recipients is high risk on its own: Art. 9 and 10 data, and data that enable
// fraud or account takeover.
var sensitiveCats = []string{"credentials", "financial", "government_id", "health", "special_category", "criminal"}

type riskResult struct {
	level     int
	exemption string
}

func assessRisk(v view, sev incident.Severity, n *notes) riskResult {
	if !v.personal {
		n.add("risk: no personal data breach -> unlikely; no GDPR duty")
		return riskResult{riskUnlikely, incident.ExemptionNone}
	}
	c, ground := confidentialityRisk(v, sev, n)
	i := integrityRisk(v, n)
	a := availabilityRisk(v, n)
	level := max(c, i, a)
	n.add("risk: %s (confidentiality %s, integrity %s, availability %s)",
		riskNames[level], riskNames[c], riskNames[i], riskNames[a])
	return riskResult{level, exemption(v, level, ground, n)}
}

// confidentialityRisk also returns the Art. 34(3) ground that kept the risk
// down, if one did.
func confidentialityRisk(v view, sev incident.Severity, n *notes) (int, string) {
	if !v.exposed() {
		n.add("risk: confidentiality kept (not exposed, exfiltration %s) -> unlikely", v.exfil)
		return riskUnlikely, incident.ExemptionNone
	}
	if v.encrypted {
		n.add("risk: state-of-the-art encryption, key not compromised -> unintelligible to whoever got them, unlikely (case 10)")
		return riskUnlikely, incident.ExemptionEncrypted
	}
	if v.trusted && v.deleted && !v.malicious {
		n.add("risk: disclosed by mistake to a trusted, secrecy-bound recipient who confirmed deletion -> unlikely (case 9)")
		return riskUnlikely, incident.ExemptionMitigated
	}
	if v.minorMistake(n) {
		n.add("risk: disclosed by mistake to known recipients, %s, only data of DPC %s and none that enable identity theft -> unlikely (cases 13, 15)",
			people(v.subjects), num(residualDPC(v, sev.DPC)))
		return riskUnlikely, incident.ExemptionNone
	}
	insider := v.malicious && (v.actor == actorInsider || v.actor == actorUnknown)
	if insider && v.actor == actorUnknown {
		n.flag("breach.actor unknown: a malicious insider cannot be excluded")
	}
	// A malicious insider chose what to take: even simple data are a risk
	// (case 8), so only outsiders' exposures of trivial data are unlikely.
	// Credentials behind strong salted hashes are unintelligible and weigh
	// nothing here: what matters is what sits beside them (case 6).
	dpc := residualDPC(v, sev.DPC)
	if dpc <= 1 && sev.EI <= 0.5 && !insider {
		if v.hashedCredentials() {
			n.add("risk: credentials only as salted state-of-the-art hashes, beside simple data hard to tie to a person -> unlikely (case 6)")
			return riskUnlikely, incident.ExemptionEncrypted
		}
		n.add("risk: only simple data hard to tie to a person (DPC %s, EI %s) -> unlikely", num(dpc), num(sev.EI))
		return riskUnlikely, incident.ExemptionNone
	}
	if !v.lost() {
		return exposedRisk(v, n), incident.ExemptionNone
	}
	return lostRisk(v, dpc, sev.EI, n), incident.ExemptionNone
}

// residualDPC is the DPC without credentials that were hashed away:
// unintelligible, they weigh nothing.
func residualDPC(v view, dpc float64) float64 {
	if !v.hashedCredentials() {
		return dpc
	}
	base, _ := highest(v, "credentials")
	_, residual := adjusted(max(base, 1), v)
	return residual
}

// exposedRisk judges data that were exposed with no evidence anyone took
// them. Exfiltration ruled out settles it; merely not seen does not when the
// actor was malicious or the data sensitive.
func exposedRisk(v view, n *notes) int {
	sens := v.sensitive()
	if v.exfil == ruledOut || (!v.malicious && len(sens) == 0) {
		n.add("risk: exposed without evidence of access, exfiltration %s -> unlikely", v.exfil)
		return riskUnlikely
	}
	why := "malicious actor"
	if len(sens) > 0 {
		why = "sensitive data (" + strings.Join(sens, ", ") + ")"
	}
	n.add("risk: exposed without evidence of access, but %s and exfiltration not ruled out -> risk", why)
	return riskSome
}

// lostRisk judges data that reached someone: at least a risk (Art. 33), high
// when what was taken, by whom, from whom or how much makes harm likely.
// dpc leaves out credentials that were hashed away.
func lostRisk(v view, dpc, ei float64, n *notes) int {
	unknown := v.conf != knownRecipients
	who := "known recipients"
	if unknown {
		who = "unknown recipients"
	}
	n.add("risk: data reached %s (exfiltration %s) -> at least risk", who, v.exfil)
	var why []string
	if sens := v.sensitive(); len(sens) > 0 && (unknown || !v.trusted) {
		why = append(why, "sensitive data ("+strings.Join(sens, ", ")+") with unknown or untrusted recipients (cases 12, 14)")
	}
	if v.fraud {
		why = append(why, "fraud observed")
	}
	if v.vulnerable {
		why = append(why, "vulnerable subjects")
	}
	// Directly identifiable data in the hands of someone who wanted them:
	// anything beyond simple data (location, habits, traffic, billing)
	// serves profiling, stalking or impersonation, whoever took it (case 17).
	// An identified person's address and birth date are what identity theft
	// needs, once they are out of reach (case 11); a known taker of simple
	// contact data can be pursued instead (case 8).
	if stolen := v.malicious && ei >= 1; stolen && dpc >= 2 {
		why = append(why, fmt.Sprintf("directly identifiable data of DPC %s taken maliciously (case 17)", num(dpc)))
	} else if stolen && unknown && slices.Contains(v.cats, "demographic") {
		why = append(why, "demographic data of identified people taken maliciously enable identity theft (case 11)")
	}
	if unknown && v.large(n) {
		why = append(why, fmt.Sprintf("large volume spread to unknown recipients (%s people)", v.count()))
	}
	if len(why) == 0 {
		return riskSome
	}
	n.add("risk: confidentiality high: %s", strings.Join(why, "; "))
	return riskHigh
}

func integrityRisk(v view, n *notes) int {
	if v.integrity != alteredRecover && v.integrity != alteredLost {
		return riskUnlikely
	}
	var why []string
	if sens := v.sensitive(); v.integrity == alteredLost && len(sens) > 0 {
		why = append(why, "sensitive records ("+strings.Join(sens, ", ")+") altered beyond repair")
	}
	if v.vulnerable {
		why = append(why, "vulnerable subjects")
	}
	n.add("risk: data altered (%s) -> at least risk", v.integrity)
	if len(why) == 0 {
		return riskSome
	}
	n.add("risk: integrity high: %s", strings.Join(why, "; "))
	return riskHigh
}

func availabilityRisk(v view, n *notes) int {
	switch v.availability {
	case restoredQuickly:
		// Restored from backup without effect is case 1; the same restore
		// still hurts people who depend on the data meanwhile.
		if out := max(v.disruption, v.restoreHours); out > 0 && (v.care() || v.vulnerable) {
			n.add("risk: restored quickly, but %s h without the data for people who depend on them -> risk", num(out))
			return riskSome
		}
		n.add("risk: availability restored without difficulty -> unlikely (case 1)")
		return riskUnlikely
	case temporary, permanent:
		n.add("risk: %s loss of availability -> at least risk", v.availability)
	default:
		return riskUnlikely
	}
	var why []string
	if v.care() {
		why = append(why, "data that may be needed for the care of the people concerned (health, special category, or unknown) unavailable (case 3)")
	}
	if v.vulnerable {
		why = append(why, "vulnerable subjects")
	}
	if len(why) == 0 {
		return riskSome
	}
	n.add("risk: availability high: %s", strings.Join(why, "; "))
	return riskHigh
}

// exemption names the Art. 34(3) ground on which the people are not told one
// by one. With a high risk only disproportionate effort can apply (the other
// grounds would have lowered it); below it, the ground that lowered it, or
// unintelligibility, which would have.
func exemption(v view, level int, ground string, n *notes) string {
	if level == riskHigh {
		if v.contactKnown && !v.reach {
			n.add("exemption: individual contact impractical -> Art. 34(3)(c), public communication instead")
			return incident.ExemptionDisproportionateEffort
		}
		if !v.contactKnown {
			n.add("contact: individual_contact_practical not stated -> individual notice assumed")
		}
		n.add("duty: high risk -> tell the people affected without undue delay (Art. 34(1))")
		return incident.ExemptionNone
	}
	if ground == incident.ExemptionNone && v.encrypted {
		ground = incident.ExemptionEncrypted
	}
	switch ground {
	case incident.ExemptionEncrypted:
		n.add("exemption: data unintelligible -> Art. 34(3)(a)")
	case incident.ExemptionMitigated:
		n.add("exemption: trusted recipient confirmed deletion -> Art. 34(3)(b)")
	}
	return ground
}

func (v view) exposed() bool {
	return v.conf != none || v.exfil == suspected || v.exfil == confirmed
}

func (v view) lost() bool {
	return v.conf == knownRecipients || v.conf == unknownRecipients || v.exfil == suspected || v.exfil == confirmed
}

// hashedCredentials: credentials are among the data, and stored as salted
// state-of-the-art hashes.
func (v view) hashedCredentials() bool {
	return v.hashed && slices.Contains(v.cats, "credentials")
}

// sensitive lists the sensitive categories present; credentials behind
// strong salted hashes are not, and unknown categories are. Neither are
// categories whose content the team judged to reveal less than the name
// suggests (ENISA's lowering adjustment, e.g. a meal preference filed under
// health, case 15): when the adjustments bring the context below financial.
func (v view) sensitive() []string {
	var out []string
	if !v.loweredBelowFinancial() {
		for _, c := range v.cats {
			if slices.Contains(sensitiveCats, c) && !(c == "credentials" && v.hashed) {
				out = append(out, c)
			}
		}
	}
	if len(v.strange) > 0 || v.catsUnknown {
		out = append(out, "unknown categories")
	}
	return out
}

// loweredBelowFinancial: the team's adjustments lower the highest category
// to less than financial data (DPC 3).
func (v view) loweredBelowFinancial() bool {
	dpc, lowered := v.teamContext()
	return lowered && dpc < 3
}

// teamContext is the DPC of the highest category after the team's
// adjustments, before the vulnerable-subjects raise (weighed on its own in
// the risk) and the clamp; lowered says the adjustments took it down.
func (v view) teamContext() (dpc float64, lowered bool) {
	sum := 0.0
	for _, a := range v.adjust {
		if d, ok := delta(a); ok {
			sum += d
		}
	}
	base, _ := highest(v, "")
	return base + sum, sum < 0
}

// fewPeople bounds a mistaken disclosure that stays unlikely to harm: the
// EDPB's cases involve 2 and 15 people (01/2021 cases 13, 15) and 60,000 at
// the other end (case 14). A policy value, like largeVolume.
const fewPeople = 100

// minorMistake: data sent by mistake to known recipients who did not seek
// them, about few people, and nothing in them that enables fraud, identity
// theft or discrimination (no sensitive or demographic data, DPC at most
// behavioural, no vulnerable subjects). The EDPB finds such breaches
// unlikely to result in a risk (01/2021 cases 13 and 15); a birth date in
// the letter (case 16) or a national identifier (case 14) makes it one.
func (v view) minorMistake(n *notes) bool {
	if v.malicious || v.conf != knownRecipients || v.vulnerable || len(v.sensitive()) > 0 ||
		slices.Contains(v.cats, "demographic") {
		return false
	}
	if dpc, _ := v.teamContext(); dpc > 2 {
		return false
	}
	if v.subjects < 0 {
		n.flag("scope.subjects_estimate unknown: a mistaken disclosure not taken as minor")
		return false
	}
	return v.subjects <= fewPeople
}

// care: data whose absence can hurt the person's health or safety.
func (v view) care() bool {
	return slices.Contains(v.cats, "health") || slices.Contains(v.cats, "special_category") || v.catsUnknown || len(v.strange) > 0
}

func (v view) large(n *notes) bool {
	if v.subjects < 0 {
		n.flag("scope.subjects_estimate unknown: treated as a large volume")
		return true
	}
	return v.subjects >= largeVolume
}

func (v view) count() string {
	if v.subjects < 0 {
		return "unknown number of"
	}
	return fmt.Sprint(v.subjects)
}
