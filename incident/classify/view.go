package classify

import (
	"math"
	"slices"

	"github.com/herald-notify/herald/incident"
)

// enumField is one enumerated fact. neutral is its value when nothing turns
// on it (an incident without personal data): unknown then means "not stated".
type enumField struct {
	name    string
	allowed []string
	neutral string
}

var (
	fieldConfidentiality = enumField{"breach.confidentiality", []string{none, exposedNoEvidence, knownRecipients, unknownRecipients}, none}
	fieldExfiltration    = enumField{"breach.exfiltration", []string{none, ruledOut, suspected, confirmed}, none}
	fieldIntegrity       = enumField{"breach.integrity", []string{none, alteredNoMisuse, alteredRecover, alteredLost}, none}
	fieldAvailability    = enumField{"breach.availability", []string{none, restoredQuickly, temporary, permanent}, none}
	fieldActor           = enumField{"breach.actor", []string{"external", actorInsider, actorAccidental, actorUnknown}, actorUnknown}
)

// read returns the fact if valid. Otherwise, under a conservative reading it
// returns worst and names the gap; else the neutral value.
func (e enumField) read(val, worst string, conservative bool, n *notes) string {
	if slices.Contains(e.allowed, val) {
		return val
	}
	if !conservative {
		return e.neutral
	}
	if val == "" {
		n.flag("%s unknown: treated as %s", e.name, worst)
	} else {
		n.flag("%s %q not recognised: treated as %s", e.name, clip(val), worst)
	}
	return worst
}

// view is the facts after normalisation: enums checked and every unknown
// replaced by its conservative value. The scorers read only the view, so the
// conservative defaults live in one place.
type view struct {
	personal    bool     // a personal data breach is at stake
	cats        []string // recognised categories, canonical order, no duplicates
	strange     []string // unrecognised category names, scored as sensitive
	catsUnknown bool     // a breach with no categories stated
	adjust      []incident.DPCAdjustment

	conf, exfil, integrity, availability, actor string
	restoreHours                                float64 // -1 when unknown
	malicious, trusted, deleted                 bool

	identifiability     string
	vulnerable          bool
	encrypted, hashed   bool // state-of-the-art encryption with a safe key; salted state-of-the-art hashes
	backup              bool
	subjects            int // -1 when unknown
	fraud, crossBorder  bool
	disruption, loss    float64
	contactKnown, reach bool // reach: individual contact is practical
}

func normalise(f incident.Facts, n *notes) view {
	v := view{restoreHours: -1, subjects: -1, reach: true}
	v.personal = personalAt(f, n)
	if f.Data != nil && f.Data.Protection != nil {
		v.backup, _ = incident.Bool(f.Data.Protection.BackupAvailable)
	}
	if v.personal {
		readData(&v, f.Data, n)
	}
	readBreach(&v, f.Breach, n)
	readScope(&v, f.Scope)
	readImpact(&v, f.Impact)
	if f.Contact != nil {
		v.reach, v.contactKnown = incident.Bool(f.Contact.IndividualContactPractical)
		if !v.contactKnown {
			v.reach = true
		}
	}
	return v
}

// personalAt decides whether the facts describe a personal data breach, the
// only case in which GDPR duties arise.
func personalAt(f incident.Facts, n *notes) bool {
	hasData := f.Data != nil && len(f.Data.Categories) > 0
	switch f.Kind {
	case incident.KindPersonalDataBreach:
		return true
	case incident.KindServiceIncident:
		if hasData {
			n.add("kind: service incident affecting personal data -> assessed as a personal data breach")
		} else {
			n.add("kind: service incident with no personal data categories -> no personal data breach")
		}
		return hasData
	case incident.KindVulnerability:
		if exposureStated(f.Breach) {
			n.add("kind: vulnerability with a stated data exposure -> assessed as a personal data breach")
			return true
		}
		n.add("kind: vulnerability with no stated exposure -> no breach (Art. 4(12) GDPR); re-classify if it is exploited")
		return false
	case "":
		n.flag("kind unknown: treated as personal_data_breach")
	default:
		n.flag("kind %q not recognised: treated as personal_data_breach", clip(f.Kind))
	}
	return true
}

// exposureStated reports whether the facts say data were actually touched.
func exposureStated(b *incident.Breach) bool {
	if b == nil {
		return false
	}
	return slices.Contains([]string{exposedNoEvidence, knownRecipients, unknownRecipients}, b.Confidentiality) ||
		b.Exfiltration == suspected || b.Exfiltration == confirmed ||
		b.Integrity == alteredRecover || b.Integrity == alteredLost ||
		b.Availability == temporary || b.Availability == permanent
}

func readBreach(v *view, p *incident.Breach, n *notes) {
	var b incident.Breach
	if p != nil {
		b = *p
	}
	c := v.personal
	// Without a backup nobody can promise the data come back.
	integrityWorst, availabilityWorst := alteredLost, permanent
	if v.backup {
		integrityWorst, availabilityWorst = alteredRecover, temporary
	}
	v.exfil = fieldExfiltration.read(b.Exfiltration, suspected, c, n)
	v.conf = fieldConfidentiality.read(b.Confidentiality, unknownRecipients, c, n)
	v.integrity = fieldIntegrity.read(b.Integrity, integrityWorst, c, n)
	v.availability = fieldAvailability.read(b.Availability, availabilityWorst, c, n)
	v.actor = fieldActor.read(b.Actor, actorUnknown, false, n)
	if b.RestoreHours != nil && *b.RestoreHours >= 0 && !math.IsInf(*b.RestoreHours, 0) {
		v.restoreHours = *b.RestoreHours
	}
	readMalicious(v, b.Malicious, c, n)
	if c {
		reconcile(v, n)
	}
	readRecipient(v, b, c, n)
}

// readRecipient reads what is known of the people who got the data. Unknown
// means untrusted and not deleted; it is named when the data did reach
// known recipients, the one case where it can keep the risk down.
func readRecipient(v *view, b incident.Breach, conservative bool, n *notes) {
	var trustKnown, deletionKnown bool
	v.trusted, trustKnown = incident.Bool(b.RecipientTrusted)
	v.deleted, deletionKnown = incident.Bool(b.DeletionConfirmed)
	if !conservative || v.conf != knownRecipients {
		return
	}
	switch {
	case !trustKnown:
		n.flag("breach.recipient_trusted unknown: recipients treated as untrusted")
	case v.trusted && !deletionKnown:
		n.flag("breach.deletion_confirmed unknown: deletion not relied on")
	}
}

func readMalicious(v *view, p *bool, conservative bool, n *notes) {
	m, known := incident.Bool(p)
	switch {
	case known:
		v.malicious = m
		if m && v.actor == actorAccidental {
			n.flag("breach.malicious true conflicts with actor accidental: treated as malicious")
		}
	case v.actor == actorAccidental:
		n.add("malicious: not stated, actor accidental -> no malicious intent")
	case conservative:
		v.malicious = true
		n.flag("breach.malicious unknown: treated as malicious")
	}
}

// reconcile settles confidentiality against exfiltration: data that left
// cannot be "not exposed".
func reconcile(v *view, n *notes) {
	switch {
	case v.exfil == confirmed && (v.conf == none || v.conf == exposedNoEvidence):
		n.flag("breach.confidentiality %s conflicts with exfiltration confirmed: treated as unknown_recipients", v.conf)
		v.conf = unknownRecipients
	case v.exfil == suspected && v.conf == none:
		n.add("confidentiality: exfiltration suspected -> data count as exposed")
		v.conf = exposedNoEvidence
	}
}

func readData(v *view, d *incident.DataInfo, n *notes) {
	if d == nil {
		d = &incident.DataInfo{}
	}
	for _, c := range categories {
		if slices.Contains(d.Categories, c.name) {
			v.cats = append(v.cats, c.name)
		}
	}
	for _, c := range d.Categories {
		if categoryOf(c) == nil && !slices.Contains(v.strange, c) {
			v.strange = append(v.strange, c)
		}
	}
	if len(v.cats)+len(v.strange) == 0 {
		v.catsUnknown = true
		n.flag("data.categories unknown: treated as sensitive (DPC 4)")
	}
	v.adjust = d.DPCAdjustments
	v.identifiability = d.Identifiability
	if _, ok := eiScores[d.Identifiability]; !ok {
		n.flag("data.identifiability unknown: treated as maximum")
		v.identifiability = "maximum"
	}
	readVulnerable(v, d.VulnerableSubjects, n)
	readProtection(v, d.Protection, n)
}

func readVulnerable(v *view, p *bool, n *notes) {
	vul, known := incident.Bool(p)
	switch {
	case slices.Contains(v.cats, "children"):
		v.vulnerable = true
		if known && !vul {
			n.add("vulnerable: children's data -> vulnerable subjects, whatever vulnerable_subjects says")
		}
	case known:
		v.vulnerable = vul
	default:
		v.vulnerable = true
		n.flag("data.vulnerable_subjects unknown: treated as vulnerable")
	}
}

// readProtection decides whether the data were unintelligible to whoever got
// them: only state-of-the-art protection with a key known to be safe counts.
func readProtection(v *view, p *incident.Protection, n *notes) {
	if p == nil {
		n.flag("data.protection unknown: data treated as intelligible")
		return
	}
	enc, _ := incident.Bool(p.Encrypted)
	sota, _ := incident.Bool(p.StateOfTheArt)
	kc, kcKnown := incident.Bool(p.KeyCompromised)
	hashed, _ := incident.Bool(p.HashedSalted)
	switch {
	case !enc:
	case !sota:
		n.add("protection: encryption not stated to be state of the art -> not relied on")
	case !kcKnown:
		n.flag("data.protection.key_compromised unknown: encryption not relied on")
	case kc:
		n.add("protection: encryption key compromised -> not relied on")
	default:
		v.encrypted = true
	}
	v.hashed = hashed && sota
}

func readScope(v *view, s *incident.Scope) {
	if s == nil {
		return
	}
	if s.SubjectsEstimate != nil && *s.SubjectsEstimate >= 0 {
		v.subjects = *s.SubjectsEstimate
		return
	}
	if len(s.Jurisdictions) > 0 {
		sum := 0
		for _, c := range s.Jurisdictions {
			sum = min(sum+min(max(c, 0), math.MaxInt32), math.MaxInt32) // saturate, never wrap
		}
		v.subjects = sum
	}
}

func readImpact(v *view, i *incident.Impact) {
	if i == nil {
		return
	}
	v.fraud, _ = incident.Bool(i.FraudObserved)
	v.crossBorder, _ = incident.Bool(i.CrossBorder)
	v.disruption = finite(i.ServiceDisruptionHours)
	v.loss = finite(i.FinancialLossEUR)
}

// finite turns a value no JSON can carry (NaN, Inf) or a negative one into 0.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0
	}
	return x
}
