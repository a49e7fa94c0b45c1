package templates

import (
	"time"

	"github.com/herald-notify/herald/incident"
)

// NoticeData is what a notice to one person says. Text fields come from
// the incident's facts as the response team wrote them. Impact and Advice
// entries may also be phrase codes ("impact.credentials", "advice.password")
// that Render writes out in the person's language; see NoticeDataFrom.
type NoticeData struct {
	IncidentID, Title, Summary, Controller, ContactPoint, NoticeURL string

	Impact                                           []string
	MeasuresTaken, MeasuresPlanned, Advice, Remedies []string

	OccurredFrom, DetectedAt *time.Time

	Name string // the person's name, optional
}

// NoticeDataFrom builds the notice for an incident. noticeURL is the
// address of its public Security Notice. The possible impact is derived
// from the breach facts and data categories; when the facts say nothing
// specific, it says honestly that the investigation is still going on. If
// the team gave no advice, advice fitting the data involved is added.
func NoticeDataFrom(inc incident.Incident, noticeURL string) NoticeData {
	id := inc.ID
	if id == "" {
		id = inc.Facts.IncidentID
	}
	return dataFromFacts(id, inc.Facts, noticeURL)
}

// dataFromFacts is shared by person notices and the public notice page.
func dataFromFacts(id string, f incident.Facts, noticeURL string) NoticeData {
	d := NoticeData{
		IncidentID:   id,
		Title:        f.Title,
		Summary:      f.Summary,
		NoticeURL:    noticeURL,
		Impact:       impactCodes(f),
		Advice:       f.Advice,
		Remedies:     f.Remediation,
		OccurredFrom: f.OccurredFrom,
		DetectedAt:   f.DetectedAt,
	}
	if c := f.Controller; c != nil {
		d.Controller, d.ContactPoint = c.Name, c.ContactPoint
	}
	if m := f.Measures; m != nil {
		d.MeasuresTaken = append(d.MeasuresTaken, m.Taken...)
		d.MeasuresPlanned = m.Planned
	}
	// Measures reported at closure have been carried out.
	d.MeasuresTaken = append(d.MeasuresTaken, f.FinalMeasures...)
	if len(d.Advice) == 0 {
		d.Advice = adviceCodes(f)
	}
	return d
}

// categoryOrder is the order data categories are described in: what a
// person can act on (logins, money, identity documents) first.
var categoryOrder = []string{
	"credentials", "financial", "government_id", "health", "special_category",
	"criminal", "children", "communications", "location", "behavioural",
	"contact", "identity", "demographic",
}

// impactCodes describes, as phrase codes, what happened to the data and
// which data were involved.
func impactCodes(f incident.Facts) []string {
	var out []string
	if b := f.Breach; b != nil {
		out = append(out, breachCodes(b)...)
	}
	cats := categories(f)
	known := 0
	for _, c := range categoryOrder {
		if cats[c] {
			out = append(out, "impact."+c)
			known++
		}
	}
	if known == 0 {
		out = append(out, "impact.unknown")
	}
	out = append(out, protectionCodes(f, cats)...)
	if fraud, _ := incident.Bool(fraudObserved(f)); fraud {
		out = append(out, "impact.fraud")
	}
	return out
}

// breachCodes says what happened: copied, sent to the wrong people,
// exposed, altered, unavailable or lost. An unknown exfiltration is
// described as possible, never as ruled out.
func breachCodes(b *incident.Breach) []string {
	var out []string
	switch {
	case b.Exfiltration == "confirmed":
		out = append(out, "impact.copied")
	case b.Confidentiality == "known_recipients":
		out = append(out, "impact.disclosed")
		if deleted, _ := incident.Bool(b.DeletionConfirmed); deleted {
			out = append(out, "impact.deleted")
		}
	case b.Confidentiality == "exposed_no_evidence" && b.Exfiltration == "ruled_out":
		out = append(out, "impact.exposed")
	case b.Confidentiality != "" && b.Confidentiality != "none",
		b.Exfiltration == "suspected":
		out = append(out, "impact.copied_maybe")
	}
	switch b.Integrity {
	case "altered_no_misuse", "altered_recoverable":
		out = append(out, "impact.altered")
	case "altered_unrecoverable":
		out = append(out, "impact.altered_lost")
	}
	switch b.Availability {
	case "temporary":
		out = append(out, "impact.unavailable")
	case "permanent":
		out = append(out, "impact.lost")
	}
	return out
}

// protectionCodes mentions encryption or hashing only when it really
// protects the data.
func protectionCodes(f incident.Facts, cats map[string]bool) []string {
	if f.Data == nil || f.Data.Protection == nil {
		return nil
	}
	p := f.Data.Protection
	enc, _ := incident.Bool(p.Encrypted)
	sota, _ := incident.Bool(p.StateOfTheArt)
	keyLost, keyKnown := incident.Bool(p.KeyCompromised)
	if enc && sota && keyKnown && !keyLost {
		return []string{"impact.encrypted"}
	}
	if hashed, _ := incident.Bool(p.HashedSalted); hashed && cats["credentials"] {
		return []string{"impact.hashed"}
	}
	return nil
}

// adviceCodes suggests what a person can do, for the data involved.
func adviceCodes(f incident.Facts) []string {
	cats := categories(f)
	var out []string
	if cats["credentials"] {
		out = append(out, "advice.password", "advice.two_factor")
	}
	if cats["financial"] {
		out = append(out, "advice.statements")
	}
	if cats["government_id"] {
		out = append(out, "advice.identity_theft")
	}
	return append(out, "advice.phishing")
}

func categories(f incident.Facts) map[string]bool {
	cats := map[string]bool{}
	if f.Data != nil {
		for _, c := range f.Data.Categories {
			cats[c] = true
		}
	}
	return cats
}

func fraudObserved(f incident.Facts) *bool {
	if f.Impact == nil {
		return nil
	}
	return f.Impact.FraudObserved
}

// BreachImpact says in locale's words what happened to the data (copied,
// sent to the wrong people, exposed, altered, unavailable, lost), as the
// notices do: the CSAF document reuses it. The embedded catalogs hold every
// impact key (the catalog tests check it), so it has no error to return.
func BreachImpact(b *incident.Breach, locale string) []string {
	s, err := Default()
	if b == nil || err != nil {
		return nil
	}
	c := s.cats[Negotiate(locale, "")]
	var out []string
	for _, key := range breachCodes(b) {
		if line, ok := c.strings[key]; ok {
			out = append(out, line)
		}
	}
	return out
}
