package incident

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// DiffDecisions lists what differs in substance between two decision
// versions: severity, risk, the duties, the review flag, the advisory and
// each obligation (keyed by rule_id, else regime). Version, times, rationale
// and the changes themselves are not substance. Values are JSON text; the
// order is fixed: scalars first, then obligations in prev's order followed by
// those new in next.
func DiffDecisions(prev, next Decision) []Change {
	var out []Change
	out = diffFields(out, "", scalarFields(prev), scalarFields(next))
	po, no := keyObligations(prev.Obligations), keyObligations(next.Obligations)
	for _, k := range unionKeys(po, no) {
		p, inPrev := po.byKey[k]
		n, inNext := no.byKey[k]
		field := "obligations[" + k + "]"
		switch {
		case !inNext:
			out = append(out, Change{Field: field, From: obligationSummary(p), To: "null"})
		case !inPrev:
			out = append(out, Change{Field: field, From: "null", To: obligationSummary(n)})
		default:
			out = diffFields(out, field+".", obligationFields(p), obligationFields(n))
		}
	}
	return out
}

// DroppedDuties lists each duty that prev had and next has not, as a change
// from "true" to "false". A duty is notify_authority, notify_subjects,
// public_notice, and each obligation's required and subjects.required; an
// obligation missing from next owes nothing.
func DroppedDuties(prev, next Decision) []Change {
	nd := map[string]bool{}
	for _, f := range dutyFields(next) {
		nd[f.name] = f.value == "true"
	}
	var out []Change
	for _, f := range dutyFields(prev) {
		if f.value == "true" && !nd[f.name] {
			out = append(out, Change{Field: f.name, From: "true", To: "false"})
		}
	}
	return out
}

// field is one named value of a decision, as JSON text.
type field struct{ name, value string }

func scalarFields(d Decision) []field {
	review := false
	if d.Review != nil {
		review = d.Review.HumanReviewRequired
	}
	rating, score := "null", "null"
	if d.Advisory != nil {
		rating, score = jsonText(d.Advisory.Rating), jsonText(d.Advisory.BaseScore)
	}
	return []field{
		{"severity.band", jsonText(d.Severity.Band)},
		{"severity.score", jsonText(d.Severity.Score)},
		{"severity.dpc", jsonText(d.Severity.DPC)},
		{"severity.ei", jsonText(d.Severity.EI)},
		{"severity.cb", jsonText(d.Severity.CB)},
		{"risk", jsonText(d.Risk)},
		{"notify_authority", strconv.FormatBool(d.NotifyAuthority)},
		{"notify_subjects", strconv.FormatBool(d.NotifySubjects)},
		{"subject_exemption", jsonText(d.SubjectExemption)},
		{"public_notice", strconv.FormatBool(d.PublicNotice)},
		{"review.human_review_required", strconv.FormatBool(review)},
		{"advisory.rating", rating},
		{"advisory.base_score", score},
	}
}

func obligationFields(o Obligation) []field {
	return []field{
		{"required", strconv.FormatBool(o.Required)},
		{"deadline", jsonText(o.Deadline)},
		{"authority", jsonText(o.Authority)},
		{"subjects.required", strconv.FormatBool(o.Subjects != nil && o.Subjects.Required)},
	}
}

// dutyFields are the duties of d by field name, in DiffDecisions' order.
func dutyFields(d Decision) []field {
	out := []field{
		{"notify_authority", strconv.FormatBool(d.NotifyAuthority)},
		{"notify_subjects", strconv.FormatBool(d.NotifySubjects)},
		{"public_notice", strconv.FormatBool(d.PublicNotice)},
	}
	ko := keyObligations(d.Obligations)
	for _, k := range ko.keys {
		o := ko.byKey[k]
		p := "obligations[" + k + "]."
		out = append(out,
			field{p + "required", strconv.FormatBool(o.Required)},
			field{p + "subjects.required", strconv.FormatBool(o.Subjects != nil && o.Subjects.Required)})
	}
	return out
}

// diffFields appends a change for each field whose value differs; both
// lists hold the same names in the same order.
func diffFields(out []Change, prefix string, prev, next []field) []Change {
	for i, p := range prev {
		if n := next[i]; p.value != n.value {
			out = append(out, Change{Field: prefix + p.name, From: p.value, To: n.value})
		}
	}
	return out
}

// keyedObligations are obligations by key, with the keys in list order.
type keyedObligations struct {
	keys  []string
	byKey map[string]Obligation
	index map[string]int // position in the list
}

// ObligationKey names an obligation in a diff: its rule id, else its regime.
func ObligationKey(o Obligation) string {
	if o.RuleID != "" {
		return o.RuleID
	}
	return o.Regime
}

// keyObligations keys each obligation; a key seen before in the same list
// gets a "#2", "#3" suffix so that none is lost.
func keyObligations(obs []Obligation) keyedObligations {
	ko := keyedObligations{byKey: map[string]Obligation{}, index: map[string]int{}}
	seen := map[string]int{}
	for i, o := range obs {
		k := ObligationKey(o)
		seen[k]++
		if seen[k] > 1 {
			k = fmt.Sprintf("%s#%d", k, seen[k])
		}
		ko.keys = append(ko.keys, k)
		ko.byKey[k], ko.index[k] = o, i
	}
	return ko
}

// unionKeys is a's keys, then b's keys that a lacks.
func unionKeys(a, b keyedObligations) []string {
	out := append([]string(nil), a.keys...)
	for _, k := range b.keys {
		if _, ok := a.byKey[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// obligationSummary is what a diff shows of an obligation added or removed.
func obligationSummary(o Obligation) string {
	return jsonText(struct {
		Regime    string     `json:"regime"`
		Authority string     `json:"authority"`
		Required  bool       `json:"required"`
		Deadline  *time.Time `json:"deadline,omitempty"`
		Subjects  bool       `json:"subjects_required"`
	}{o.Regime, o.Authority, o.Required, o.Deadline, o.Subjects != nil && o.Subjects.Required})
}

// jsonText encodes v; the values here (strings, numbers, times) always encode.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return string(b)
}

// HoldDuties keeps every duty of prev that next drops, for a re-decision
// that came with no reason: the returned decision keeps the true value and a
// review signal naming each held field, and the held changes come back with
// Held set. A duty is never dropped silently.
func HoldDuties(prev, next Decision) (Decision, []Change) {
	dropped := DroppedDuties(prev, next)
	if len(dropped) == 0 {
		return next, nil
	}
	next.Obligations = slices.Clone(next.Obligations) // never write to the caller's list
	pk := keyObligations(prev.Obligations)
	for i := range dropped {
		holdDuty(&next, pk, dropped[i].Field)
		dropped[i].Held = true
		next.Review = withSignal(next.Review, HoldSignal(dropped[i]))
	}
	return next, dropped
}

// HoldSignal is the review signal that names a held duty.
func HoldSignal(c Change) string {
	return c.Field + ": true -> false held: give change_reason in an update to confirm"
}

func holdDuty(d *Decision, prev keyedObligations, field string) {
	switch field {
	case "notify_authority":
		d.NotifyAuthority = true
	case "notify_subjects":
		d.NotifySubjects = true
	case "public_notice":
		d.PublicNotice = true
	default:
		holdObligationDuty(d, prev, field)
	}
}

// holdObligationDuty restores one obligation duty from prev. An obligation
// next lacks altogether comes back whole, as it stood.
func holdObligationDuty(d *Decision, prev keyedObligations, field string) {
	for _, k := range prev.keys {
		base := "obligations[" + k + "]."
		if field != base+"required" && field != base+"subjects.required" {
			continue
		}
		p := prev.byKey[k]
		i, ok := keyObligations(d.Obligations).index[k]
		if !ok {
			d.Obligations = append(d.Obligations, p)
			return
		}
		o := d.Obligations[i]
		if field == base+"required" {
			o = keepAuthorityDuty(o, p)
		} else {
			s := *p.Subjects
			o.Subjects = &s
		}
		d.Obligations[i] = o
		return
	}
}

// keepAuthorityDuty sets o's duty to tell the authority, and its clock, as
// p had them; what o says of the authority itself stays.
func keepAuthorityDuty(o, p Obligation) Obligation {
	o.Required, o.Reason = true, p.Reason
	o.Clock, o.ClockAt, o.Deadline, o.Due = p.Clock, p.ClockAt, p.Deadline, p.Due
	o.Phases, o.Schedule = p.Phases, p.Schedule
	return o
}

// withSignal returns a copy of r that requires review and carries s once.
func withSignal(r *Review, s string) *Review {
	out := Review{HumanReviewRequired: true}
	if r != nil {
		out.Signals = slices.Clone(r.Signals)
	}
	if !slices.Contains(out.Signals, s) {
		out.Signals = append(out.Signals, s)
	}
	return &out
}
