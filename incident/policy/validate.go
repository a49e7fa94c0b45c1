package policy

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The facts clocks a deadline may count from (EVENTS.md).
var clocks = []string{"aware_at", "detected_at", "assessed_at"}

// The words a condition may test, from the facts and the decision, so that
// a misspelt value is an error rather than a condition that never holds.
var (
	kinds       = []string{"personal_data_breach", "vulnerability", "service_incident"}
	risks       = []string{"risk", "high"}
	exemptions  = []string{"none", "encrypted", "mitigated", "disproportionate_effort"}
	nis2Classes = []string{"essential", "important", "none"}
	hipaaKinds  = []string{"covered_entity", "business_associate", "none"}
	categories  = []string{"identity", "contact", "demographic", "behavioural", "location", "communications",
		"financial", "credentials", "government_id", "health", "special_category", "children", "criminal"}
)

var (
	countryRE     = regexp.MustCompile(`^[A-Z]{2}$`)
	subdivisionRE = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
)

// Validate checks the whole policy and returns every problem found, joined,
// each naming its place (rules[4] (id texas-521053): phases[0].deadline:
// ...), so that an officer can fix the file in one pass. It also links each
// business-day deadline to its calendar, which Deadline.After needs.
func (p *Policy) Validate() error {
	return errors.Join(p.problems()...)
}

func (p *Policy) problems() []error {
	v := &validator{p: p, cals: map[string]*Calendar{}}
	if strings.TrimSpace(p.ID) == "" {
		v.add("id", "is empty")
	}
	v.groups()
	for _, name := range slices.Sorted(maps.Keys(p.Calendars)) {
		c := p.Calendars[name]
		v.cals[name] = &c
		v.errs = append(v.errs, c.validate("calendars."+name)...)
	}
	if p.PublicNotice != nil {
		v.errs = append(v.errs, p.PublicNotice.validate("public_notice")...)
	}
	if len(p.Rules) == 0 {
		v.add("rules", "none defined")
	}
	seen := map[string]int{}
	for i := range p.Rules {
		r := &p.Rules[i]
		where := fmt.Sprintf("rules[%d] (id %s)", i, r.ID)
		if j, dup := seen[r.ID]; dup && r.ID != "" {
			v.add(where, "id also used by rules[%d]", j)
		}
		seen[r.ID] = i
		v.rule(where, r)
	}
	return v.errs
}

type validator struct {
	p    *Policy
	cals map[string]*Calendar
	errs []error
}

func (v *validator) add(where, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...)))
}

func (v *validator) groups() {
	for _, name := range slices.Sorted(maps.Keys(v.p.Groups)) {
		where := "groups." + name
		if strings.TrimSpace(name) == "" {
			v.add(where, "group name is empty")
		}
		if len(v.p.Groups[name]) == 0 {
			v.add(where, "has no members")
		}
		for i, m := range v.p.Groups[name] {
			if !isCode(normCode(m)) {
				v.add(fmt.Sprintf("%s[%d]", where, i), "%q is not a country (DE) or subdivision (US-CA)", m)
			}
		}
	}
}

func isCode(s string) bool { return countryRE.MatchString(s) || subdivisionRE.MatchString(s) }

func (v *validator) rule(where string, r *Rule) {
	for _, f := range []struct{ key, val string }{
		{"id", r.ID}, {"regime", r.Regime}, {"citation", r.Citation}, {"authority", r.Authority},
	} {
		if strings.TrimSpace(f.val) == "" {
			v.add(where, "%s is empty", f.key)
		}
	}
	v.territory(where+": territory", r.Territory)
	v.condition(where+": applies", r.Applies)
	v.condition(where+": trigger", r.Trigger)
	if len(r.Clock) == 0 {
		v.add(where, "clock is empty (name aware_at, detected_at or assessed_at)")
	}
	v.clock(where+": clock", r.Clock)
	if len(r.Phases) == 0 {
		v.add(where, "phases: none defined")
	}
	names := map[string]bool{}
	for i := range r.Phases {
		v.phase(fmt.Sprintf("%s: phases[%d]", where, i), &r.Phases[i], names)
		names[r.Phases[i].Name] = true
	}
	if s := r.Subjects; s != nil {
		if strings.TrimSpace(s.Citation) == "" {
			v.add(where+": subjects", "citation is empty")
		}
		v.condition(where+": subjects.trigger", s.Trigger)
		v.clock(where+": subjects.clock", s.Clock)
		v.deadline(where+": subjects.deadline", &s.Deadline)
	}
}

func (v *validator) clock(where string, cs []string) {
	for i, c := range cs {
		if !slices.Contains(clocks, c) {
			v.add(fmt.Sprintf("%s[%d]", where, i), "%q is not one of %s", c, strings.Join(clocks, ", "))
		} else if slices.Index(cs, c) != i {
			v.add(fmt.Sprintf("%s[%d]", where, i), "%q listed twice", c)
		}
	}
}

// phase checks one phase; earlier holds the names of the phases before it.
func (v *validator) phase(where string, ph *Phase, earlier map[string]bool) {
	switch {
	case strings.TrimSpace(ph.Name) == "":
		v.add(where, "name is empty")
	case earlier[ph.Name]:
		v.add(where, "name %q used by an earlier phase", ph.Name)
	}
	switch a := ph.After; {
	case a == "", a == "on_request", a == "closed_at":
	case strings.HasPrefix(a, "phase:"):
		if name := strings.TrimPrefix(a, "phase:"); !earlier[name] {
			v.add(where, "after %q names no earlier phase", a)
		}
	default:
		v.add(where, "after %q is not empty, on_request, closed_at or phase:<earlier phase>", a)
	}
	v.deadline(where+".deadline", &ph.Deadline)
	for i := range ph.Overrides {
		o := &ph.Overrides[i]
		v.condition(fmt.Sprintf("%s.overrides[%d].when", where, i), o.When)
		v.deadline(fmt.Sprintf("%s.overrides[%d].deadline", where, i), &o.Deadline)
	}
}

// deadline checks one deadline and links its calendar.
func (v *validator) deadline(where string, d *Deadline) {
	if err := d.shape(); err != nil {
		v.add(where, "%s", strings.TrimPrefix(err.Error(), "deadline "))
		return
	}
	if d.BusinessDays > 0 {
		v.businessDays(where, d)
	} else if d.Calendar != "" {
		v.add(where, "calendar %q is only used with business_days", d.Calendar)
	}
	if d.Timezone != "" {
		if d.Hours > 0 || (d.Days+d.BusinessDays+d.Months+d.AfterYearEndDays == 0) {
			v.add(where, "timezone is only used with days, business_days, months or after_year_end_days")
		} else if _, err := time.LoadLocation(d.Timezone); err != nil {
			v.add(where, "timezone %q is not an IANA zone", d.Timezone)
		}
	}
	if d.CountClockDay && (d.Timezone == "" || d.Days+d.BusinessDays == 0) {
		v.add(where, "count_clock_day needs days or business_days and a timezone")
	}
	if d.Target && d.Hours+d.Days+d.BusinessDays+d.Months+d.AfterYearEndDays == 0 {
		v.add(where, "target needs a fixed time to set")
	}
}

func (v *validator) businessDays(where string, d *Deadline) {
	if d.Calendar == "" {
		v.add(where, "business_days needs a calendar")
	} else if c, ok := v.cals[d.Calendar]; !ok {
		v.add(where, "calendar %q is not defined under calendars", d.Calendar)
	} else {
		d.cal = c
	}
	if d.Timezone == "" {
		v.add(where, "business_days needs a timezone")
	}
}

func (v *validator) territory(where string, t Territory) {
	for _, f := range []struct {
		key  string
		list []string
	}{{"establishment", t.Establishment}, {"subjects", t.Subjects}} {
		for i, e := range f.list {
			if _, ok := v.p.group(e); ok {
				continue
			}
			if !isCode(normCode(e)) {
				v.add(fmt.Sprintf("%s.%s[%d]", where, f.key, i), "%q is not a country (DE), subdivision (US-CA) or group", e)
			}
		}
	}
}

func (v *validator) condition(where string, c Condition) {
	if c.RiskAtLeast != "" && !slices.Contains(risks, c.RiskAtLeast) {
		v.add(where, "risk_at_least %q is not one of %s", c.RiskAtLeast, strings.Join(risks, ", "))
	}
	v.words(where+".kinds", c.Kinds, kinds)
	v.words(where+".exemptions", c.Exemptions, exemptions)
	v.words(where+".categories_any", c.Categories, categories)
	v.words(where+".nis2_entity", c.NIS2Entity, nis2Classes)
	v.words(where+".hipaa_entity", c.HIPAAEntity, hipaaKinds)
	for _, f := range []struct {
		key string
		n   int
	}{
		{"subjects_at_least", c.SubjectsAtLeast}, {"subjects_below", c.SubjectsBelow},
		{"residents_at_least", c.ResidentsAtLeast}, {"residents_below", c.ResidentsBelow},
		{"residents_in_one_at_least", c.ResidentsInOneAtLeast},
	} {
		if f.n < 0 {
			v.add(where, "%s is negative", f.key)
		}
	}
	for i, a := range c.Any {
		v.condition(fmt.Sprintf("%s.any[%d]", where, i), a)
	}
}

func (v *validator) words(where string, got, allowed []string) {
	for i, w := range got {
		if !slices.Contains(allowed, w) {
			v.add(fmt.Sprintf("%s[%d]", where, i), "%q is not one of %s", w, strings.Join(allowed, ", "))
		}
	}
}
