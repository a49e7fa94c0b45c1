package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/herald-notify/herald/incident/policy"
)

// runRules lists the policy's rules the way a privacy officer reads them:
// who is told, when it is required, by when, and on which article it rests.
func runRules(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("rules", e)
	path := fs.String("policy", os.Getenv("HERALD_POLICY_FILE"), "policy file (default: the built-in policy)")
	regime := fs.String("regime", "", "only this regime (e.g. GDPR, NIS2, HIPAA)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("takes no arguments")
	}
	p, err := loadPolicy(*path)
	if err != nil {
		return err
	}
	views := ruleViews(p, *regime)
	if len(views) == 0 && *regime != "" {
		return usagef("no rule for regime %q", *regime)
	}
	if *asJSON {
		return writeJSON(e.stdout, map[string]any{"policy": p.Ref(), "title": p.Title, "rules": views})
	}
	printRules(e.stdout, p, views)
	return nil
}

// loadPolicy reads the operator's policy file, or returns the built-in one.
func loadPolicy(path string) (*policy.Policy, error) {
	if path == "" {
		return policy.Default(), nil
	}
	p, err := policy.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load policy: %w", err)
	}
	return p, nil
}

// ruleView is one rule in words.
type ruleView struct {
	ID        string      `json:"id"`
	Regime    string      `json:"regime"`
	Citation  string      `json:"citation"`
	Authority string      `json:"authority"`
	Engaged   string      `json:"engaged_by"`
	Applies   string      `json:"applies,omitempty"`
	Required  string      `json:"required_when"`
	Clock     string      `json:"clock"`
	Phases    []phaseView `json:"phases"`
	Subjects  string      `json:"subjects,omitempty"`
	Source    string      `json:"source,omitempty"`
}

type phaseView struct {
	Name  string `json:"name"`
	After string `json:"after,omitempty"`
	Due   string `json:"due"`
}

func ruleViews(p *policy.Policy, regime string) []ruleView {
	var out []ruleView
	for _, r := range p.Rules {
		if regime != "" && !strings.EqualFold(r.Regime, regime) {
			continue
		}
		v := ruleView{
			ID: r.ID, Regime: r.Regime, Citation: r.Citation, Authority: r.Authority,
			Engaged: territoryWords(r.Territory), Applies: conditionWords(r.Applies),
			Required: conditionWords(r.Trigger), Clock: strings.Join(r.Clock, ", else "), Source: r.Source,
		}
		if v.Required == "" {
			v.Required = "always"
		}
		for _, ph := range r.Phases {
			v.Phases = append(v.Phases, phaseView{Name: ph.Name, After: ph.After, Due: phaseDue(ph)})
		}
		if s := r.Subjects; s != nil {
			when := conditionWords(s.Trigger)
			if when == "" {
				when = "always"
			}
			v.Subjects = fmt.Sprintf("%s, when %s: %s", s.Citation, when, s.Deadline.String())
		}
		out = append(out, v)
	}
	return out
}

func phaseDue(ph policy.Phase) string {
	s := ph.Deadline.String()
	if d := ph.Deadline.Due; d != "" && d != s {
		s += " (" + d + ")"
	}
	for _, o := range ph.Overrides {
		s += fmt.Sprintf("; %s when %s", o.Deadline.String(), conditionWords(o.When))
	}
	return s
}

func territoryWords(t policy.Territory) string {
	var parts []string
	if len(t.Establishment) > 0 {
		parts = append(parts, "establishment in "+strings.Join(t.Establishment, ", "))
	}
	if len(t.Subjects) > 0 {
		parts = append(parts, "people in "+strings.Join(t.Subjects, ", "))
	}
	if t.WhenUnknown {
		parts = append(parts, "or either unknown")
	}
	return strings.Join(parts, "; ")
}

// conditionWords says a condition in words; "" for one that always holds.
func conditionWords(c policy.Condition) string {
	var parts []string
	add := func(ok bool, format string, args ...any) {
		if ok {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(c.PersonalData != nil, "personal data breach: %v", deref(c.PersonalData))
	add(len(c.Kinds) > 0, "kind is %s", strings.Join(c.Kinds, " or "))
	add(c.RiskAtLeast != "", "risk at least %s", c.RiskAtLeast)
	add(len(c.Exemptions) > 0, "exemption is %s", strings.Join(c.Exemptions, " or "))
	add(len(c.Categories) > 0, "data include %s", strings.Join(c.Categories, " or "))
	add(c.Unintelligible != nil, "data unintelligible: %v", deref(c.Unintelligible))
	add(c.Malicious != nil, "malicious: %v", deref(c.Malicious))
	add(c.SubjectsAtLeast > 0, "at least %d people affected", c.SubjectsAtLeast)
	add(c.SubjectsBelow > 0, "fewer than %d people affected", c.SubjectsBelow)
	add(c.ResidentsAtLeast > 0, "at least %d people in the territory", c.ResidentsAtLeast)
	add(c.ResidentsBelow > 0, "fewer than %d people in the territory", c.ResidentsBelow)
	add(c.ResidentsInOneAtLeast > 0, "at least %d people in one jurisdiction", c.ResidentsInOneAtLeast)
	add(len(c.NIS2Entity) > 0, "NIS2 entity is %s", strings.Join(c.NIS2Entity, " or "))
	add(c.NIS2Significant != nil, "NIS2 significant: %v", deref(c.NIS2Significant))
	add(len(c.HIPAAEntity) > 0, "HIPAA entity is %s", strings.Join(c.HIPAAEntity, " or "))
	if len(c.Any) > 0 {
		var alts []string
		for _, a := range c.Any {
			alts = append(alts, conditionWords(a))
		}
		parts = append(parts, "any of ("+strings.Join(alts, " | ")+")")
	}
	return strings.Join(parts, "; ")
}

func deref(b *bool) bool { return b != nil && *b }

func printRules(w io.Writer, p *policy.Policy, views []ruleView) {
	fmt.Fprintf(w, "Policy %s: %s\n", p.Ref(), p.Title)
	for _, v := range views {
		fmt.Fprintf(w, "\n%s  %s  %s\n", v.Regime, v.ID, v.Citation)
		line := func(label, text string) {
			if text != "" {
				fmt.Fprintf(w, "  %-10s %s\n", label, text)
			}
		}
		line("authority", v.Authority)
		line("engaged", v.Engaged)
		line("applies", v.Applies)
		line("required", v.Required)
		line("clock", v.Clock)
		for _, ph := range v.Phases {
			name := ph.Name
			if ph.After != "" {
				name += " (after " + ph.After + ")"
			}
			line("phase", name+": "+ph.Due)
		}
		line("subjects", v.Subjects)
		line("source", v.Source)
	}
	printNoticeRules(w, p.Notice())
}

// printNoticeRules says when the public Security Notice stands in for
// telling people one by one.
func printNoticeRules(w io.Writer, n policy.NoticePolicy) {
	fmt.Fprintf(w, "\nPublic notice  %s\n", n.Citation)
	fmt.Fprintln(w, "  published when the exemption is disproportionate_effort, individual contact is not practical, or the team asks")
	for _, d := range n.Describe() {
		fmt.Fprintf(w, "  or when    %s\n", d)
	}
	if n.Source != "" {
		fmt.Fprintf(w, "  source     %s\n", n.Source)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
