package classify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// rule is one regime's duty to tell an authority. This table is the policy
// for v1; a later issue moves it to a YAML file a privacy officer can edit.
type rule struct {
	regime    string
	citation  string
	authority string // %s is the country of the controller's establishment
	hours     int    // from the clock to the deadline
	phases    []string
}

const (
	regimeGDPR   = "GDPR"
	regimeUKGDPR = "UK GDPR"
	regimeNIS2   = "NIS2"
)

var rules = []rule{
	{regimeGDPR, "Art. 33(1) GDPR", "lead supervisory authority (%s)", 72, []string{"initial", "follow_up", "final"}},
	{regimeUKGDPR, "Art. 33(1) UK GDPR", "ICO", 72, []string{"initial", "follow_up", "final"}},
	// The 24 h is the early warning; the notification follows at 72 h and
	// the final report a month after it (Art. 23(4)(b), (d)).
	{regimeNIS2, "Art. 23(4)(a) NIS2", "CSIRT (%s)", 24, []string{"early_warning", "notification", "final"}},
}

func ruleFor(regime string) rule {
	for _, r := range rules {
		if r.regime == regime {
			return r
		}
	}
	panic("classify: no rule for " + regime) // the table above is incomplete
}

func obligations(f incident.Facts, v view, d incident.Decision, n *notes) []incident.Obligation {
	out := []incident.Obligation{}
	if v.personal {
		out = append(out, gdpr(f, v, d.NotifyAuthority, n)...)
	}
	if o, ok := nis2(f, v, d, n); ok {
		out = append(out, o)
	}
	return out
}

// gdpr decides which of EU and UK GDPR apply, and to which authority.
func gdpr(f incident.Facts, v view, required bool, n *notes) []incident.Obligation {
	est := establishment(f)
	juris := jurisdictions(f.Scope)
	uk := isUK(est) || slices.ContainsFunc(juris, isUK)
	// An EU establishment brings all its processing under GDPR (Art. 3(1));
	// one elsewhere, the people in the EEA (Art. 3(2)). Unknown is not "no".
	eu := isEEA(est) || slices.ContainsFunc(juris, isEEA) || est == "" || (!isUK(est) && len(juris) == 0)
	var out []incident.Obligation
	if eu {
		out = append(out, gdprObligation(f, ruleFor(regimeGDPR), euAuthority(est, juris, n), required, n))
	}
	if uk {
		out = append(out, gdprObligation(f, ruleFor(regimeUKGDPR), "ICO", required, n))
	}
	if !eu && !uk {
		n.add("obligations: no EEA or UK establishment or people -> GDPR and UK GDPR not engaged")
	}
	return out
}

func gdprObligation(f incident.Facts, r rule, authority string, required bool, n *notes) incident.Obligation {
	o := incident.Obligation{Regime: r.regime, Authority: authority, Required: required, Clock: "aware_at", Phases: r.phases}
	if !required {
		o.Reason = r.citation + ": unlikely to result in a risk -> no notification; record it (Art. 33(5))"
		return o
	}
	o.Reason = fmt.Sprintf("%s: risk not unlikely -> notify within %d h of awareness, in phases if need be (Art. 33(4))", r.citation, r.hours)
	o.Clock, o.Deadline = deadline(f, r, n)
	return o
}

// euAuthority names the lead authority of the main establishment (Art. 56).
// Without an EU establishment there is no one-stop shop: every authority
// where people are affected is told (EDPB Guidelines 9/2022, v2.0).
func euAuthority(est string, juris []string, n *notes) string {
	switch {
	case isEEA(est):
		return fmt.Sprintf(ruleFor(regimeGDPR).authority, est)
	case est == "":
		n.flag("controller.establishment unknown: lead supervisory authority to be determined")
		return fmt.Sprintf(ruleFor(regimeGDPR).authority, "unknown")
	}
	var eea []string
	for _, j := range juris {
		if isEEA(j) {
			eea = append(eea, j)
		}
	}
	if len(eea) == 0 {
		n.flag("scope.jurisdictions unknown: supervisory authorities concerned to be determined")
		return "supervisory authority of each member state concerned (to be determined)"
	}
	return "supervisory authority of each member state concerned (" + strings.Join(eea, ", ") + ")"
}

func nis2(f incident.Facts, v view, d incident.Decision, n *notes) (incident.Obligation, bool) {
	if f.Kind == incident.KindVulnerability && !v.personal {
		return incident.Obligation{}, false // a flaw not exploited is no incident
	}
	class := ""
	if f.Entity != nil {
		class = f.Entity.NIS2
	}
	if class == "none" {
		return incident.Obligation{}, false
	}
	r := ruleFor(regimeNIS2)
	why := significance(v, d)
	inScope := class == "essential" || class == "important"
	if len(why) == 0 {
		if !inScope {
			return incident.Obligation{}, false
		}
		n.add("nis2: %s entity, incident not significant (Art. 23(3)) -> no report", class)
		return incident.Obligation{Regime: r.regime, Authority: nis2Authority(f, n), Clock: "aware_at",
			Phases: r.phases, Reason: "Art. 23(3) NIS2: not significant"}, true
	}
	if !inScope {
		n.flag("entity.nis2 unknown: treated as in scope, the incident being significant")
	}
	reason := "Art. 23(3) NIS2 significant: " + strings.Join(why, "; ") + "; early warning within 24 h (" + r.citation + ")"
	if v.crossBorder {
		reason += "; state the possible cross-border impact"
	}
	n.add("nis2: %s", reason)
	o := incident.Obligation{Regime: r.regime, Authority: nis2Authority(f, n), Required: true, Reason: reason, Phases: r.phases}
	o.Clock, o.Deadline = deadline(f, r, n)
	return o, true
}

func nis2Authority(f incident.Facts, n *notes) string {
	est := establishment(f)
	if est == "" {
		n.flag("controller.establishment unknown: CSIRT to be determined")
		est = "unknown"
	}
	return fmt.Sprintf(ruleFor(regimeNIS2).authority, est)
}

// deadline counts the rule's hours from awareness, the clock GDPR and NIS2
// name; from detection when awareness is not recorded, which is earlier and
// so never late.
func deadline(f incident.Facts, r rule, n *notes) (string, *time.Time) {
	var from *time.Time
	clock := "aware_at"
	switch {
	case f.AwareAt != nil:
		from = f.AwareAt
	case f.DetectedAt != nil:
		n.flag("aware_at unknown: %s deadline counted from detected_at", r.regime)
		from, clock = f.DetectedAt, "detected_at"
	default:
		n.flag("aware_at and detected_at unknown: no %s deadline", r.regime)
		return clock, nil
	}
	t := from.UTC().Add(time.Duration(r.hours) * time.Hour)
	if t.Year() > 9999 { // JSON times stop at year 9999
		n.flag("%s out of range: no %s deadline", clock, r.regime)
		return clock, nil
	}
	return clock, &t
}

func establishment(f incident.Facts) string {
	if f.Controller == nil {
		return ""
	}
	return country(f.Controller.Establishment)
}

// jurisdictions lists the countries of scope.jurisdictions ("US-CA" -> "US"),
// sorted and unique.
func jurisdictions(s *incident.Scope) []string {
	if s == nil {
		return nil
	}
	var out []string
	for k := range s.Jurisdictions {
		if c := country(k); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func country(code string) string {
	c, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(code)), "-")
	if c == "UK" {
		return "GB"
	}
	return clip(c)
}

func isUK(c string) bool { return c == "GB" }

// eea: the EU member states plus Iceland, Liechtenstein and Norway, where
// GDPR applies through the EEA Agreement. Greece is EL in EU usage.
var eea = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU",
	"IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
}

func isEEA(c string) bool { return slices.Contains(eea, c) }
