package report

import (
	"slices"
	"sort"
	"strings"

	"github.com/herald-notify/herald/incident"
)

func contactPoint(f incident.Facts) string {
	if f.Controller == nil {
		return ""
	}
	return f.Controller.ContactPoint
}

// breachType names the security properties lost: confidentiality,
// integrity, availability. A breach that states none of the three is
// unknown, not "nothing lost".
func breachType(b *incident.Breach) []string {
	if b == nil || b.Confidentiality == "" && b.Integrity == "" && b.Availability == "" {
		return []string{"unknown"}
	}
	types := []string{} // all three "none": nothing lost, not unknown
	if b.Confidentiality != "" && b.Confidentiality != "none" {
		types = append(types, "confidentiality")
	}
	if b.Integrity != "" && b.Integrity != "none" {
		types = append(types, "integrity")
	}
	if b.Availability != "" && b.Availability != "none" {
		types = append(types, "availability")
	}
	return types
}

func malicious(b *incident.Breach) any {
	if b == nil || b.Malicious == nil {
		return "unknown"
	}
	return *b.Malicious
}

func crossBorder(i *incident.Impact) any {
	if i == nil || i.CrossBorder == nil {
		return "unknown"
	}
	return *i.CrossBorder
}

func subjectsEstimate(s *incident.Scope) any {
	if s == nil || s.SubjectsEstimate == nil {
		return "unknown"
	}
	return *s.SubjectsEstimate
}

func recordsEstimate(s *incident.Scope) any {
	if s == nil || s.RecordsEstimate == nil {
		return "unknown"
	}
	return *s.RecordsEstimate
}

func jurisdictions(s *incident.Scope) map[string]int {
	if s == nil {
		return nil
	}
	return s.Jurisdictions
}

func categories(d *incident.DataInfo) []string {
	if d == nil {
		return nil
	}
	c := append([]string(nil), d.Categories...)
	sort.Strings(c)
	return c
}

func measures(m *incident.Measures, taken bool) []string {
	if m == nil {
		return nil
	}
	if taken {
		return m.Taken
	}
	return m.Planned
}

// consequences summarises the likely consequences from the decision's own
// reasoning, so the report and the decision never disagree.
func consequences(d incident.Decision) []string {
	out := []string{"risk to the rights and freedoms of data subjects assessed as " + d.Risk +
		" (severity " + d.Severity.Band + ")"}
	return append(out, assessment(d.Severity.Rationale)...)
}

// severityFor is the severity as one authority reads it: the rationale's
// lines on the data, the breach and the risk, without those on the legal
// duties, which name the other regimes engaged and their people counts:
// one regulator's report is not the place for another's.
func severityFor(s incident.Severity) incident.Severity {
	s.Rationale = assessment(s.Rationale)
	return s
}

// dutyLines start the rationale lines about legal duties.
var dutyLines = []string{"obligation ", "obligations:", "duty:"}

func assessment(rationale []string) []string {
	out := []string{}
	for _, line := range rationale {
		if !slices.ContainsFunc(dutyLines, func(p string) bool { return strings.HasPrefix(line, p) }) {
			out = append(out, line)
		}
	}
	return out
}

func subjectsPlan(d incident.Decision) string {
	switch {
	case d.NotifySubjects:
		return "affected people are being told individually (Art. 34)"
	case d.SubjectExemption == incident.ExemptionDisproportionateEffort:
		return "individual notice would take disproportionate effort: public communication instead (Art. 34(3)(c))"
	case d.SubjectExemption == incident.ExemptionEncrypted:
		return "no individual notice: data unintelligible to any unauthorised person (Art. 34(3)(a))"
	case d.SubjectExemption == incident.ExemptionMitigated:
		return "no individual notice: measures taken mean high risk is no longer likely (Art. 34(3)(b))"
	}
	return "no individual notice: high risk to individuals not likely"
}
