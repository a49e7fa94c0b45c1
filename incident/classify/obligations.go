package classify

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
)

// scene is what the policy's rules are evaluated against: the facts, their
// conservative view, the decision so far and the people affected, counted
// by jurisdiction.
type scene struct {
	f      incident.Facts
	v      view
	d      incident.Decision
	p      *policy.Policy
	n      *notes
	est    string         // the controller's country; "" when unknown
	people map[string]int // jurisdiction ("DE", "US-CA") -> people affected
	total  int            // people affected in all; -1 when unknown
}

func newScene(f incident.Facts, v view, d incident.Decision, p *policy.Policy, seen incident.Population, n *notes) *scene {
	s := &scene{f: f, v: v, d: d, p: p, n: n, est: establishment(f), people: map[string]int{}}
	if f.Scope != nil {
		for k, c := range f.Scope.Jurisdictions {
			s.addPeople(k, c)
		}
	}
	for k, c := range seen.Jurisdictions {
		s.addPeople(k, c)
	}
	sum := 0
	for _, c := range s.people {
		sum = min(sum+c, math.MaxInt32)
	}
	s.total = max(v.subjects, sum, seen.Subjects)
	if v.subjects < 0 && sum == 0 && seen.Subjects == 0 {
		s.total = -1 // nobody counted anywhere: unknown, not zero
	}
	return s
}

// addPeople keeps, per jurisdiction, the larger of the team's estimate and the
// people actually stored: neither is allowed to hide the other.
func (s *scene) addPeople(key string, c int) {
	if j := jurisdiction(key); j != "" && c > 0 {
		s.people[j] = max(s.people[j], min(c, math.MaxInt32))
	}
}

// obligations evaluates every rule of the policy; a rule whose territory is
// not engaged, or whose scope does not apply, lists nothing.
func (s *scene) obligations() []incident.Obligation {
	out := []incident.Obligation{}
	var engaged, idle []string
	for i := range s.p.Rules {
		r := &s.p.Rules[i]
		if o, ok := s.rule(r); ok {
			out = append(out, o)
			engaged = append(engaged, r.Regime)
		} else if !slices.Contains(idle, r.Regime) {
			idle = append(idle, r.Regime)
		}
	}
	idle = slices.DeleteFunc(idle, func(r string) bool { return slices.Contains(engaged, r) })
	if len(idle) > 0 {
		s.n.add("obligations: not engaged: %s", strings.Join(idle, ", "))
	}
	return out
}

func (s *scene) rule(r *policy.Rule) (incident.Obligation, bool) {
	how, estIn, ok := s.engaged(r)
	if !ok {
		return incident.Obligation{}, false
	}
	applies := s.evaluate(r.Applies, r)
	trigger := s.evaluate(r.Trigger, r)
	// A rule whose scope is unknown is listed only where it would bite.
	if applies.t == no || (applies.t == unknown && trigger.t == no) {
		return incident.Obligation{}, false
	}
	s.flagGaps(r, applies, trigger)
	o := incident.Obligation{
		Regime: r.Regime, Authority: s.authority(r, estIn), Required: trigger.t != no,
		RuleID: r.ID, Citation: r.Citation, Phases: phaseNames(r),
	}
	o.Clock, o.ClockAt = s.clock(r.Clock, r.Regime)
	if o.Required {
		o.Schedule = s.schedule(r, o.Clock, o.ClockAt)
		first := o.Schedule[0]
		o.Deadline, o.Due = first.Deadline, first.Due
		o.Reason = fmt.Sprintf("%s: %s -> %s within %s of %s", r.Citation, trigger.text(), first.Phase, first.Due, o.Clock)
	} else {
		o.Reason = fmt.Sprintf("%s: %s -> no notification required", r.Citation, trigger.text())
	}
	o.Subjects = s.subjects(r, o.Clock)
	s.n.add("obligation %s (%s): engaged by %s; %s", r.Regime, r.ID, how, o.Reason)
	return o, true
}

// flagGaps raises for review every unknown fact a listed rule rests on.
func (s *scene) flagGaps(r *policy.Rule, verdicts ...verdict) {
	for _, v := range verdicts {
		if v.t != unknown {
			continue
		}
		for _, g := range v.gaps() {
			s.n.flag("%s unknown: %s treated as applying", g, r.Regime)
		}
	}
}

func phaseNames(r *policy.Rule) []string {
	out := make([]string, len(r.Phases))
	for i, p := range r.Phases {
		out[i] = p.Name
	}
	return out
}

// engaged says whether the controller's establishment or the people
// affected fall in the rule's territory, and how.
func (s *scene) engaged(r *policy.Rule) (how string, estIn, ok bool) {
	estIn = s.est != "" && within(s.est, s.p.Members(r.Territory.Establishment))
	where := s.matched(r)
	switch {
	case estIn && len(where) > 0:
		return "establishment " + s.est + " and people in " + strings.Join(where, ", "), true, true
	case estIn:
		return "establishment " + s.est, true, true
	case len(where) > 0:
		return "people in " + strings.Join(where, ", "), false, true
	case r.Territory.WhenUnknown && s.est == "":
		s.n.flag("controller.establishment unknown: %s not excluded", r.Regime)
		return "establishment unknown (not excluded)", false, true
	case r.Territory.WhenUnknown && len(s.people) == 0:
		s.n.flag("scope.jurisdictions unknown: %s not excluded", r.Regime)
		return "people's jurisdictions unknown (not excluded)", false, true
	}
	return "", false, false
}

// matched lists the jurisdictions with people affected that fall in the
// rule's subject territory, sorted.
func (s *scene) matched(r *policy.Rule) []string {
	members := s.p.Members(r.Territory.Subjects)
	var out []string
	for j := range s.people {
		if within(j, members) {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return out
}

// within reports whether jurisdiction j is one of members, or a subdivision
// of a country that is ("US-TX" is within "US"; "US" is not within "US-TX").
func within(j string, members []string) bool {
	return slices.Contains(members, j) || slices.Contains(members, country(j))
}

func territoryName(r *policy.Rule) string {
	return strings.Join(r.Territory.Subjects, "/")
}

// authority names who is told, filling in the establishment and the
// countries of the people affected.
func (s *scene) authority(r *policy.Rule, estIn bool) string {
	a := r.Authority
	if !estIn && s.est != "" && r.AuthorityAbroad != "" {
		a = r.AuthorityAbroad
	}
	if strings.Contains(a, "{establishment}") {
		est := s.est
		if est == "" {
			s.n.flag("controller.establishment unknown: %s authority to be determined", r.Regime)
			est = "unknown"
		}
		a = strings.ReplaceAll(a, "{establishment}", est)
	}
	if strings.Contains(a, "{territories}") {
		var cs []string
		for _, j := range s.matched(r) {
			if c := country(j); !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
		t := strings.Join(cs, ", ")
		if t == "" {
			s.n.flag("scope.jurisdictions unknown: %s authorities concerned to be determined", r.Regime)
			t = "to be determined"
		}
		a = strings.ReplaceAll(a, "{territories}", t)
	}
	return a
}

// subjects evaluates the rule's duty to tell the people affected.
func (s *scene) subjects(r *policy.Rule, ruleClock string) *incident.SubjectsDuty {
	if r.Subjects == nil {
		return nil
	}
	sr := r.Subjects
	v := s.evaluate(sr.Trigger, r)
	s.flagGaps(r, v)
	duty := &incident.SubjectsDuty{Required: v.t != no, Citation: sr.Citation, Reason: v.text()}
	if !duty.Required {
		return duty
	}
	names := sr.Clock
	if len(names) == 0 {
		names = []string{ruleClock}
	}
	duty.Due = sr.Deadline.String()
	var from *time.Time
	duty.Clock, from = s.clock(names, r.Regime+" subjects")
	duty.Deadline = due(sr.Deadline, from)
	return duty
}

// schedule computes each phase's deadline: from the rule's clock, from an
// earlier phase's deadline, or none when the phase waits on an event.
func (s *scene) schedule(r *policy.Rule, clock string, from *time.Time) []incident.PhaseDue {
	out := make([]incident.PhaseDue, 0, len(r.Phases))
	byName := map[string]*time.Time{}
	for _, ph := range r.Phases {
		pd := incident.PhaseDue{Phase: ph.Name, Clock: ph.After}
		var base *time.Time
		switch {
		case ph.After == "":
			pd.Clock, base = clock, from
		case strings.HasPrefix(ph.After, "phase:"):
			base = byName[strings.TrimPrefix(ph.After, "phase:")]
		case ph.After == "closed_at":
			base = s.f.ClosedAt
		}
		spec := s.override(r, ph, base)
		pd.Due, pd.Deadline = spec.String(), due(spec, base)
		byName[ph.Name] = pd.Deadline
		out = append(out, pd)
	}
	return out
}

// override picks the phase's deadline: the first override whose condition
// holds; one whose condition is unknown only when it is the shorter, since
// an unknown fact may shorten a deadline but never lengthen it.
func (s *scene) override(r *policy.Rule, ph policy.Phase, base *time.Time) policy.Deadline {
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // compares the specs when no clock is known
	if base != nil {
		ref = *base
	}
	for _, o := range ph.Overrides {
		v := s.evaluate(o.When, r)
		switch v.t {
		case yes:
			return o.Deadline
		case unknown:
			if shorter(o.Deadline, ph.Deadline, ref) {
				s.n.flag("%s unknown: %s %s deadline shortened to %s", strings.Join(v.gaps(), ", "), r.Regime, ph.Name, o.Deadline)
				return o.Deadline
			}
		}
	}
	return ph.Deadline
}

// shorter reports whether a ends before b when both count from ref; a
// deadline with no fixed time is never the shorter.
func shorter(a, b policy.Deadline, ref time.Time) bool {
	ta, fa, errA := a.After(ref)
	tb, fb, errB := b.After(ref)
	return errA == nil && errB == nil && fa && (!fb || ta.Before(tb))
}

// due is the deadline spec counted from base; none when there is no base,
// no fixed time, or a time beyond what JSON can carry.
func due(spec policy.Deadline, base *time.Time) *time.Time {
	if base == nil {
		return nil
	}
	t, fixed, err := spec.After(*base)
	if err != nil || !fixed || t.Year() > 9999 {
		return nil
	}
	t = t.UTC()
	return &t
}

// clock picks the first of the named facts clocks the incident states; a
// fallback, or none at all, is raised for review.
func (s *scene) clock(names []string, regime string) (string, *time.Time) {
	for i, name := range names {
		t := s.clockAt(name)
		if t == nil {
			continue
		}
		if i > 0 {
			s.n.flag("%s unknown: %s deadline counted from %s", names[0], regime, name)
		}
		if t.Year() > 9999 {
			s.n.flag("%s out of range: no %s deadline", name, regime)
			return name, nil
		}
		u := t.UTC()
		return name, &u
	}
	s.n.flag("%s unknown: no %s deadline", strings.Join(names, " and "), regime)
	return names[0], nil
}

func (s *scene) clockAt(name string) *time.Time {
	switch name {
	case "aware_at":
		return s.f.AwareAt
	case "detected_at":
		return s.f.DetectedAt
	case "assessed_at":
		return s.f.AssessedAt
	}
	return nil
}

func establishment(f incident.Facts) string {
	if f.Controller == nil {
		return ""
	}
	return country(f.Controller.Establishment)
}

// jurisdiction normalises "us-ca" to "US-CA" and "UK" to "GB".
func jurisdiction(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	head, sub, found := strings.Cut(c, "-")
	head = country(head)
	if head == "" {
		return ""
	}
	if found && sub != "" {
		return head + "-" + clip(sub)
	}
	return head
}

// country is the ISO country part of a jurisdiction ("US-CA" -> "US").
func country(code string) string {
	c, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(code)), "-")
	if c == "UK" {
		return "GB"
	}
	return clip(c)
}
