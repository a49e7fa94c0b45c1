package classify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
)

// truth is a three-valued answer: a condition on a fact the incident does
// not state is neither met nor failed, and the caller decides what unknown
// means where it stands (a trigger: required; an override: not taken).
type truth int

const (
	no truth = iota
	unknown
	yes
)

// test is one atom of a condition, answered, with the words that explain it.
type test struct {
	t    truth
	text string
	gap  string // for unknown: the missing fact, for the review signal
}

// verdict is a whole condition answered: the answer and the tests that
// decided it (all for yes, the failed ones for no, the unknown ones else).
type verdict struct {
	t     truth
	tests []test
}

func (v verdict) text() string {
	var parts []string
	for _, t := range v.tests {
		parts = append(parts, t.text)
	}
	if len(parts) == 0 {
		return "always"
	}
	return strings.Join(parts, "; ")
}

func (v verdict) gaps() []string {
	var out []string
	for _, t := range v.tests {
		if t.t == unknown && t.gap != "" && !slices.Contains(out, t.gap) {
			out = append(out, t.gap)
		}
	}
	return out
}

// evaluate answers c for the incident in s, counting residents of the rule's
// subject territory.
func (s *scene) evaluate(c policy.Condition, r *policy.Rule) verdict {
	tests := s.atoms(c, r)
	if len(c.Any) > 0 {
		tests = append(tests, s.anyOf(c.Any, r))
	}
	return all(tests)
}

// all combines tests: no if one fails, unknown if one is unknown, else yes.
func all(tests []test) verdict {
	out := verdict{t: yes}
	var failed, open []test
	for _, t := range tests {
		switch t.t {
		case no:
			failed = append(failed, t)
		case unknown:
			open = append(open, t)
		}
	}
	switch {
	case len(failed) > 0:
		return verdict{t: no, tests: failed}
	case len(open) > 0:
		return verdict{t: unknown, tests: append(open, passed(tests)...)}
	}
	out.tests = tests
	return out
}

func passed(tests []test) []test {
	var out []test
	for _, t := range tests {
		if t.t == yes {
			out = append(out, t)
		}
	}
	return out
}

// anyOf is one test: yes if an alternative holds, unknown if none holds but
// one might, else no.
func (s *scene) anyOf(alts []policy.Condition, r *policy.Rule) test {
	best := test{t: no}
	var fails []string
	for _, alt := range alts {
		v := s.evaluate(alt, r)
		switch {
		case v.t == yes:
			return test{t: yes, text: v.text()}
		case v.t == unknown && best.t == no:
			gaps := v.gaps()
			best = test{t: unknown, text: v.text() + " (unknown)", gap: strings.Join(gaps, ", ")}
		case v.t == no:
			fails = append(fails, v.text())
		}
	}
	if best.t == no {
		best.text = "none of: " + strings.Join(fails, " / ")
	}
	return best
}

// atoms answers each field of c that is set.
func (s *scene) atoms(c policy.Condition, r *policy.Rule) []test {
	var out []test
	add := func(set bool, fn func() test) {
		if set {
			out = append(out, fn())
		}
	}
	add(c.PersonalData != nil, func() test { return s.personalData(*c.PersonalData) })
	add(len(c.Kinds) > 0, func() test { return s.kind(c.Kinds) })
	add(c.RiskAtLeast != "", func() test { return s.riskAtLeast(c.RiskAtLeast) })
	add(len(c.Exemptions) > 0, func() test { return s.exemption(c.Exemptions) })
	add(len(c.Categories) > 0, func() test { return s.categories(c.Categories) })
	add(c.Unintelligible != nil, func() test { return s.unintelligible(*c.Unintelligible) })
	add(c.Malicious != nil, func() test { return s.maliciousIs(*c.Malicious) })
	add(c.SubjectsAtLeast > 0, func() test { return s.count("people affected", s.total, c.SubjectsAtLeast, true) })
	add(c.SubjectsBelow > 0, func() test { return s.count("people affected", s.total, c.SubjectsBelow, false) })
	add(c.ResidentsAtLeast > 0, func() test { return s.residents(r, c.ResidentsAtLeast, true, false) })
	add(c.ResidentsBelow > 0, func() test { return s.residents(r, c.ResidentsBelow, false, false) })
	add(c.ResidentsInOneAtLeast > 0, func() test { return s.residents(r, c.ResidentsInOneAtLeast, true, true) })
	add(len(c.NIS2Entity) > 0, func() test { return s.entity("entity.nis2", s.nis2Class(), c.NIS2Entity) })
	add(c.NIS2Significant != nil, func() test { return s.nis2Significant(*c.NIS2Significant) })
	add(len(c.HIPAAEntity) > 0, func() test { return s.entity("entity.hipaa", s.hipaaClass(), c.HIPAAEntity) })
	return out
}

// answer is a test whose words say what is true, met or not.
func answer(ok bool, met, unmet string) test {
	if ok {
		return test{t: yes, text: met}
	}
	return test{t: no, text: unmet}
}

func (s *scene) personalData(want bool) test {
	if want {
		return answer(s.v.personal, "personal data breach", "no personal data breach")
	}
	return answer(!s.v.personal, "no personal data breach", "personal data breach")
}

func (s *scene) kind(kinds []string) test {
	k := s.f.Kind
	if !slices.Contains(knownKinds, k) {
		k = incident.KindPersonalDataBreach // as the view reads it
	}
	return answer(slices.Contains(kinds, k), "kind "+k, "kind "+k+" (not "+strings.Join(kinds, " or ")+")")
}

var knownKinds = []string{incident.KindPersonalDataBreach, incident.KindVulnerability, incident.KindServiceIncident}

var riskOrder = []string{incident.RiskUnlikely, incident.RiskRisk, incident.RiskHigh}

func (s *scene) riskAtLeast(level string) test {
	ok := slices.Index(riskOrder, s.d.Risk) >= slices.Index(riskOrder, level)
	return answer(ok, fmt.Sprintf("risk %s (at least %s)", s.d.Risk, level), fmt.Sprintf("risk %s (below %s)", s.d.Risk, level))
}

func (s *scene) exemption(allowed []string) test {
	e := "exemption " + s.d.SubjectExemption
	return answer(slices.Contains(allowed, s.d.SubjectExemption), e, e+" applies")
}

func (s *scene) categories(want []string) test {
	var hit []string
	for _, c := range s.v.cats {
		if slices.Contains(want, c) {
			hit = append(hit, c)
		}
	}
	switch {
	case len(hit) > 0:
		return test{t: yes, text: "data include " + strings.Join(hit, ", ")}
	case s.v.catsUnknown || len(s.v.strange) > 0:
		return test{t: unknown, text: "data categories " + strings.Join(want, "/") + " not excluded", gap: "data.categories"}
	}
	return test{t: no, text: "no " + strings.Join(want, "/") + " data"}
}

const intelligible = "data intelligible (not encrypted or hashed to the state of the art)"

func (s *scene) unintelligible(want bool) test {
	u := s.v.encrypted || s.v.hashed
	if want {
		return answer(u, "data unintelligible", intelligible)
	}
	return answer(!u, intelligible, "data unintelligible")
}

// maliciousIs answers on what the facts state: the view reads an unstated
// intent as malicious, which is right for the risk but would also take a
// longer "malicious" deadline, so here it stays unknown.
func (s *scene) maliciousIs(want bool) test {
	stated := s.f.Breach != nil && s.f.Breach.Malicious != nil
	if !stated && s.v.malicious {
		return test{t: unknown, text: "malicious intent not excluded", gap: "breach.malicious"}
	}
	if want {
		return answer(s.v.malicious, "malicious", "not malicious")
	}
	return answer(!s.v.malicious, "not malicious", "malicious")
}

// count compares a number of people with a threshold; an unknown number
// meets an "at least" (the duty holds) and fails a "below".
func (s *scene) count(what string, n, limit int, atLeast bool) test {
	if n < 0 {
		if atLeast {
			return test{t: unknown, text: fmt.Sprintf("%s unknown (>= %d not excluded)", what, limit), gap: "scope.subjects_estimate"}
		}
		return test{t: no, text: fmt.Sprintf("%s unknown (< %d not shown)", what, limit)}
	}
	if atLeast {
		return answer(n >= limit, fmt.Sprintf("%s %d >= %d", what, n, limit), fmt.Sprintf("%s %d < %d", what, n, limit))
	}
	return answer(n < limit, fmt.Sprintf("%s %d < %d", what, n, limit), fmt.Sprintf("%s %d >= %d", what, n, limit))
}

func (s *scene) residents(r *policy.Rule, limit int, atLeast, inOne bool) test {
	where := s.matched(r)
	n, what := -1, "people in "+territoryName(r)
	if len(where) > 0 {
		n = 0
		for _, j := range where {
			if inOne {
				n = max(n, s.people[j])
			} else {
				n += s.people[j]
			}
		}
		if inOne {
			what = "people in one of " + strings.Join(where, ", ")
		}
	}
	return s.count(what, n, limit, atLeast)
}

func (s *scene) entity(field, class string, allowed []string) test {
	if class == "" {
		return test{t: unknown, text: field + " unknown", gap: field}
	}
	t := field + " " + clip(class)
	return answer(slices.Contains(allowed, class), t, t+" (not "+strings.Join(allowed, " or ")+")")
}

func (s *scene) nis2Class() string {
	if s.f.Entity == nil {
		return ""
	}
	return s.f.Entity.NIS2
}

func (s *scene) hipaaClass() string {
	if s.f.Entity == nil {
		return ""
	}
	return s.f.Entity.HIPAA
}

func (s *scene) nis2Significant(want bool) test {
	why := significance(s.v, s.d)
	sig := len(why) > 0
	text := "not significant (Art. 23(3) NIS2)"
	if sig {
		text = "significant: " + strings.Join(why, "; ")
	}
	if sig != want {
		return test{t: no, text: text}
	}
	return test{t: yes, text: text}
}
