package classify

import (
	"fmt"
	"math"
	"strconv"

	"github.com/herald-notify/herald/incident"
)

// Severity follows ENISA's "Recommendations for a methodology of the
// assessment of severity of personal data breaches" (2013):
//
//	SE = DPC x EI + CB
//
// DPC (data processing context, 1..4) scores the most sensitive category,
// then context adjustments; EI (ease of identification) is 0.25..1; CB
// (circumstances of breach) adds up to 2. Unintelligibility and the number of
// people are outside the formula: ENISA weighs them afterwards, and so does
// the risk here; the rationale names both right after the score.

// category places one data category of EVENTS.md in an ENISA class.
type category struct {
	name  string
	class string
	dpc   float64
	why   string // the basis, where the mapping is a choice
}

// categories in canonical order: the rationale follows this order, whatever
// order the facts list them in.
var categories = []category{
	{"identity", "simple", 1, ""},
	{"contact", "simple", 1, ""},
	{"demographic", "simple", 1, ""},
	// Children's data are simple by content; ENISA raises the context for
	// vulnerable subjects, so the vulnerable-subjects adjustment applies.
	{"children", "simple", 1, "children are vulnerable subjects, raised below"},
	{"behavioural", "behavioural", 2, ""},
	{"location", "behavioural", 2, ""},
	// Traffic data and message content: behavioural; intimate content should
	// come with a dpc_adjustment.
	{"communications", "behavioural", 2, ""},
	{"credentials", "behavioural", 2, ""}, // scored by what they unlock, below
	{"financial", "financial", 3, ""},
	// A national identifier (social-security, passport number) opens the door
	// to identity fraud much as card data open it to payment fraud, and
	// Art. 87 GDPR singles such numbers out.
	{"government_id", "financial", 3, "national identifiers enable identity fraud"},
	{"health", "sensitive", 4, "Art. 9 GDPR"},
	{"special_category", "sensitive", 4, "Art. 9 GDPR"},
	{"criminal", "sensitive", 4, "Art. 10 GDPR"},
}

func categoryOf(name string) *category {
	for i := range categories {
		if categories[i].name == name {
			return &categories[i]
		}
	}
	return nil
}

var (
	eiScores = map[string]float64{"negligible": 0.25, "limited": 0.5, "significant": 0.75, "maximum": 1}

	cbConfidentiality = map[string]float64{none: 0, exposedNoEvidence: 0, knownRecipients: 0.25, unknownRecipients: 0.5}
	cbIntegrity       = map[string]float64{none: 0, alteredNoMisuse: 0, alteredRecover: 0.25, alteredLost: 0.5}
	cbAvailability    = map[string]float64{none: 0, restoredQuickly: 0, temporary: 0.25, permanent: 0.5}
)

const (
	cbMalicious = 0.5
	cbMax       = 2
)

func assessSeverity(v view, n *notes) incident.Severity {
	if !v.personal {
		n.add("severity: no personal data breach -> ENISA severity not applicable (score 0)")
		return incident.Severity{Band: incident.BandLow}
	}
	dpc := dataProcessingContext(v, n)
	ei := eiScores[v.identifiability]
	n.add("identifiability: %s -> EI %s", v.identifiability, num(ei))
	cb := circumstances(v, n)
	score := round2(dpc*ei + cb)
	band := bandOf(score)
	n.add("score: SE = DPC %s x EI %s + CB %s = %s -> band %s", num(dpc), num(ei), num(cb), num(score), band)
	outsideFormula(v, n)
	return incident.Severity{Band: band, Score: score, DPC: dpc, EI: ei, CB: cb}
}

// outsideFormula names the two factors ENISA weighs after the score, not in
// it: how many people, and whether the data were intelligible. The risk
// below is where they count.
func outsideFormula(v view, n *notes) {
	if v.subjects < 0 {
		n.add("outside the formula: number of people affected not stated; weighed in the risk")
	} else {
		n.add("outside the formula: %s affected; weighed in the risk", people(v.subjects))
	}
	switch {
	case v.encrypted:
		n.add("outside the formula: data unintelligible (state-of-the-art encryption, key not compromised); weighed in the risk")
	case v.hashedCredentials():
		n.add("outside the formula: credentials unintelligible (salted state-of-the-art hashes), the other data intelligible; weighed in the risk")
	default:
		n.add("outside the formula: data intelligible to whoever got them (no state-of-the-art encryption relied on)")
	}
}

func dataProcessingContext(v view, n *notes) float64 {
	for _, name := range v.cats {
		_, line := categoryScore(name, v)
		n.add("data: %s", line)
	}
	for _, s := range v.strange {
		// Nobody can say what an unknown category holds: assume the worst.
		n.flag("data.categories %q not recognised: treated as sensitive (DPC 4)", clip(s))
	}
	best, top := highest(v, "")
	n.add("data: highest category %s -> DPC %s", top, num(best))
	for _, a := range v.adjust {
		if d, ok := delta(a); ok {
			n.add("dpc: %s%s (%s)", sign(d), num(d), clip(a.Reason))
		} else {
			n.flag("data.dpc_adjustments: delta not a number, ignored")
		}
	}
	if v.vulnerable {
		n.add("dpc: +1 vulnerable subjects")
	}
	raw, dpc := adjusted(best, v)
	n.add("dpc: %s after adjustments, clamped to 1..4 -> DPC %s", num(raw), num(dpc))
	return dpc
}

// highest is the base DPC of the most sensitive category, leaving out skip.
func highest(v view, skip string) (float64, string) {
	best, top := 0.0, ""
	for _, name := range v.cats {
		// On a tie, name the data rather than the credentials opening them.
		if score, _ := categoryScore(name, v); name != skip && (score > best || score == best && top == "credentials") {
			best, top = score, name
		}
	}
	switch {
	case len(v.strange) > 0:
		best, top = 4, "unrecognised"
	case v.catsUnknown:
		best, top = 4, "unknown"
	}
	return best, top
}

// adjusted applies the context adjustments and the vulnerable-subjects raise
// to a base DPC, and clamps the sum to ENISA's 1..4.
func adjusted(base float64, v view) (raw, clamped float64) {
	raw = base
	for _, a := range v.adjust {
		if d, ok := delta(a); ok {
			raw += d
		}
	}
	if v.vulnerable {
		raw++
	}
	return round2(raw), round2(min(max(raw, 1), 4))
}

// delta bounds an adjustment: beyond the width of the scale it means nothing
// more, and a NaN (impossible in JSON) means nothing at all.
func delta(a incident.DPCAdjustment) (float64, bool) {
	if math.IsNaN(a.Delta) {
		return 0, false
	}
	return min(max(a.Delta, -3), 3), true
}

// categoryScore gives one category's base DPC and its rationale line.
func categoryScore(name string, v view) (float64, string) {
	if name == "credentials" {
		return credentialsScore(v)
	}
	c := categoryOf(name)
	line := name + " -> " + c.class + ", DPC " + num(c.dpc)
	if c.why != "" {
		line += " (" + c.why + ")"
	}
	return c.dpc, line
}

// credentialsScore scores credentials as what they unlock (ENISA: online
// banking credentials are financial data). The facts do not say what that
// is, so credentials are taken to unlock the accounts that hold the most
// sensitive of the other data breached, a financial account when fraud was
// seen, and otherwise some account (behavioural).
func credentialsScore(v view) (float64, string) {
	unlocked := categoryOf("credentials")
	for _, name := range v.cats {
		if c := categoryOf(name); c.dpc > unlocked.dpc {
			unlocked = c
		}
	}
	switch {
	case unlocked.name != "credentials":
		return unlocked.dpc, fmt.Sprintf("credentials, taken to unlock the accounts holding the %s data -> %s, DPC %s",
			unlocked.name, unlocked.class, num(unlocked.dpc))
	case v.fraud:
		return 3, "credentials, taken to unlock financial accounts (fraud observed) -> financial, DPC 3"
	}
	return 2, "credentials, what they unlock not stated: taken to unlock accounts -> behavioural, DPC 2"
}

func circumstances(v view, n *notes) float64 {
	parts := []struct {
		name, value string
		score       float64
	}{
		{"confidentiality", v.conf, cbConfidentiality[v.conf]},
		{"integrity", v.integrity, cbIntegrity[v.integrity]},
		{"availability", v.availability, cbAvailability[v.availability]},
	}
	sum := 0.0
	for _, p := range parts {
		n.add("cb: %s %s -> +%s", p.name, p.value, num(p.score))
		sum += p.score
	}
	if v.malicious {
		sum += cbMalicious
		n.add("cb: malicious intent -> +%s", num(cbMalicious))
	} else {
		n.add("cb: no malicious intent -> +0")
	}
	cb := min(sum, cbMax)
	n.add("cb: total %s, capped at %d -> CB %s", num(sum), cbMax, num(cb))
	return cb
}

func bandOf(se float64) string {
	switch {
	case se < 2:
		return incident.BandLow
	case se < 3:
		return incident.BandMedium
	case se < 4:
		return incident.BandHigh
	default:
		return incident.BandVeryHigh
	}
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func sign(x float64) string {
	if x >= 0 {
		return "+"
	}
	return ""
}
