package policy

import (
	"fmt"
	"math"
	"strings"
)

// NoticePolicy says when the public Security Notice stands in for telling
// people one by one, beyond the decision or the facts asking for it (the
// exemption disproportionate_effort, individual contact not practical, the
// response team's request). Each trigger is off at its zero value.
type NoticePolicy struct {
	Citation string `yaml:"citation"` // the articles the rules rest on
	Source   string `yaml:"source"`   // where to read them (URL)
	Notes    string `yaml:"notes"`    // the policy's reading, for the privacy officer
	// UnreachableAtLeast publishes once this many people who must be told
	// could not be reached, or may not have been (an interrupted send).
	UnreachableAtLeast int `yaml:"unreachable_at_least"`
	// UnreachableShareAtLeast does the same for a share (0 to 1) of the
	// people to tell.
	UnreachableShareAtLeast float64 `yaml:"unreachable_share_at_least"`
	// DeadlineAtRisk publishes when, at the delivery rate measured, the
	// people still waiting would be told after the earliest deadline for
	// telling them.
	DeadlineAtRisk bool `yaml:"deadline_at_risk"`
}

// DefaultNotice is what applies when a policy file has no public_notice
// section: HIPAA's ten people, and any share, which was Herald's rule
// before the section existed.
var DefaultNotice = NoticePolicy{UnreachableAtLeast: 10, UnreachableShareAtLeast: math.SmallestNonzeroFloat64, DeadlineAtRisk: true}

// Notice returns the policy's public-notice rules, or DefaultNotice.
func (p *Policy) Notice() NoticePolicy {
	if p == nil || p.PublicNotice == nil {
		return DefaultNotice
	}
	return *p.PublicNotice
}

// Describe lists the triggers in force, in words (incidentctl rules).
func (n NoticePolicy) Describe() []string {
	var out []string
	if n.UnreachableAtLeast > 0 {
		out = append(out, fmt.Sprintf("%d or more people who must be told could not be reached", n.UnreachableAtLeast))
	}
	if n.UnreachableShareAtLeast > 0 {
		out = append(out, fmt.Sprintf("%s or more of the people who must be told could not be reached", share(n.UnreachableShareAtLeast)))
	}
	if n.DeadlineAtRisk {
		out = append(out, "at the measured delivery rate, people would be told after the deadline")
	}
	return out
}

func share(f float64) string {
	pct := f * 100
	if pct < 0.1 {
		return "any share"
	}
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", pct), "0"), ".0") + "%"
}

func (n NoticePolicy) validate(where string) []error {
	var errs []error
	if n.UnreachableAtLeast < 0 {
		errs = append(errs, fmt.Errorf("%s.unreachable_at_least: must not be negative", where))
	}
	if n.UnreachableShareAtLeast < 0 || n.UnreachableShareAtLeast > 1 || math.IsNaN(n.UnreachableShareAtLeast) {
		errs = append(errs, fmt.Errorf("%s.unreachable_share_at_least: must be a share from 0 to 1", where))
	}
	if strings.TrimSpace(n.Citation) == "" {
		errs = append(errs, fmt.Errorf("%s.citation: is empty", where))
	}
	return errs
}
