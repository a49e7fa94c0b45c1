package incident

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	gdprDue = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	nis2Due = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
)

// base is a decision with a duty of every kind, so each case can turn one off.
func base() Decision {
	gd, nd := gdprDue, nis2Due
	return Decision{
		IncidentID: "INC-1",
		Severity:   Severity{Band: BandHigh, Score: 3.5, DPC: 3, EI: 1, CB: 0.5, Rationale: []string{"a"}},
		Risk:       RiskHigh, NotifyAuthority: true, NotifySubjects: true, SubjectExemption: ExemptionNone,
		Obligations: []Obligation{
			{Regime: "GDPR", RuleID: "gdpr-art33", Authority: "DPA (DE)", Required: true, Deadline: &gd,
				Subjects: &SubjectsDuty{Required: true, Citation: "Art. 34"}},
			{Regime: "NIS2", Authority: "CSIRT (DE)", Required: true, Deadline: &nd},
		},
	}
}

func TestDiffDecisions(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Decision)
		want []Change
	}{
		{"same", func(*Decision) {}, nil},
		{"not substance", func(d *Decision) {
			now := gdprDue
			d.Version, d.DecidedAt, d.ChangeReason = 7, &now, "why"
			d.Changes = []Change{{Field: "risk"}}
			d.Severity.Rationale = []string{"b"}
			d.Review = &Review{Signals: []string{"x"}}
		}, nil},
		{"severity and risk", func(d *Decision) {
			d.Severity.Band, d.Severity.Score, d.Severity.CB = BandMedium, 3, 0
			d.Risk = RiskRisk
		}, []Change{
			{Field: "severity.band", From: `"high"`, To: `"medium"`},
			{Field: "severity.score", From: "3.5", To: "3"},
			{Field: "severity.cb", From: "0.5", To: "0"},
			{Field: "risk", From: `"high"`, To: `"risk"`},
		}},
		{"duties exemption and review", func(d *Decision) {
			d.NotifySubjects, d.PublicNotice = false, true
			d.SubjectExemption = ExemptionDisproportionateEffort
			d.Review = &Review{HumanReviewRequired: true}
		}, []Change{
			{Field: "notify_subjects", From: "true", To: "false"},
			{Field: "subject_exemption", From: `"none"`, To: `"disproportionate_effort"`},
			{Field: "public_notice", From: "false", To: "true"},
			{Field: "review.human_review_required", From: "false", To: "true"},
		}},
		{"advisory appears", func(d *Decision) {
			d.Advisory = &Advisory{Rating: "critical", BaseScore: 9.8}
		}, []Change{
			{Field: "advisory.rating", From: "null", To: `"critical"`},
			{Field: "advisory.base_score", From: "null", To: "9.8"},
		}},
		{"obligation fields by rule id and regime", func(d *Decision) {
			later := gdprDue.Add(time.Hour)
			d.Obligations[0].Deadline, d.Obligations[0].Subjects = &later, nil
			d.Obligations[1].Required, d.Obligations[1].Authority = false, "CSIRT (FR)"
		}, []Change{
			{Field: "obligations[gdpr-art33].deadline", From: `"2026-11-26T08:00:00Z"`, To: `"2026-11-26T09:00:00Z"`},
			{Field: "obligations[gdpr-art33].subjects.required", From: "true", To: "false"},
			{Field: "obligations[NIS2].required", From: "true", To: "false"},
			{Field: "obligations[NIS2].authority", From: `"CSIRT (DE)"`, To: `"CSIRT (FR)"`},
		}},
		{"obligations removed and added", func(d *Decision) {
			d.Obligations = []Obligation{d.Obligations[1], {Regime: "LGPD", RuleID: "lgpd-art48", Authority: "ANPD", Required: true}}
		}, []Change{
			{Field: "obligations[gdpr-art33]", To: "null",
				From: `{"regime":"GDPR","authority":"DPA (DE)","required":true,"deadline":"2026-11-26T08:00:00Z","subjects_required":true}`},
			{Field: "obligations[lgpd-art48]", From: "null",
				To: `{"regime":"LGPD","authority":"ANPD","required":true,"subjects_required":false}`},
		}},
		{"reordering is no change", func(d *Decision) {
			d.Obligations[0], d.Obligations[1] = d.Obligations[1], d.Obligations[0]
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := base()
			c.edit(&next)
			got := DiffDecisions(base(), next)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("DiffDecisions:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// Two obligations of one regime without rule ids are told apart, not merged.
func TestDiffDecisionsDuplicateKeys(t *testing.T) {
	prev := Decision{Obligations: []Obligation{{Regime: "US-STATE", Required: true}, {Regime: "US-STATE", Required: true}}}
	next := Decision{Obligations: []Obligation{{Regime: "US-STATE", Required: true}, {Regime: "US-STATE"}}}
	want := []Change{{Field: "obligations[US-STATE#2].required", From: "true", To: "false"}}
	if got := DiffDecisions(prev, next); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDroppedDuties(t *testing.T) {
	next := base()
	next.NotifyAuthority, next.PublicNotice = false, true // public notice is gained, not dropped
	next.Obligations = next.Obligations[1:]               // the GDPR obligation goes with both its duties
	next.Obligations[0].Required = false
	want := []Change{
		{Field: "notify_authority", From: "true", To: "false"},
		{Field: "obligations[gdpr-art33].required", From: "true", To: "false"},
		{Field: "obligations[gdpr-art33].subjects.required", From: "true", To: "false"},
		{Field: "obligations[NIS2].required", From: "true", To: "false"},
	}
	if got := DroppedDuties(base(), next); !reflect.DeepEqual(got, want) {
		t.Errorf("DroppedDuties:\n got %+v\nwant %+v", got, want)
	}
}

func TestHoldDuties(t *testing.T) {
	next := base()
	next.NotifySubjects, next.SubjectExemption = false, ExemptionEncrypted
	next.Severity.Band = BandMedium
	next.Obligations[0].Subjects = &SubjectsDuty{Required: false, Reason: "encrypted"}
	next.Obligations[1] = Obligation{Regime: "NIS2", Authority: "CSIRT (DE)", Reason: "not significant"}
	next.Review = &Review{Signals: []string{"aware_at unknown"}}
	orig := DiffDecisions(base(), next) // next must come through unchanged

	held, changes := HoldDuties(base(), next)
	if !held.NotifySubjects || !held.Obligations[0].Subjects.Required || !held.Obligations[1].Required {
		t.Errorf("duties not held: %+v", held)
	}
	if d := held.Obligations[1].Deadline; d == nil || !d.Equal(nis2Due) || held.Obligations[1].Reason != "" {
		t.Errorf("held NIS2 duty lost its clock or kept the classifier's reason: %+v", held.Obligations[1])
	}
	if held.Severity.Band != BandMedium || held.SubjectExemption != ExemptionEncrypted {
		t.Errorf("what is not a duty must follow the classifier: %+v", held)
	}
	fields := []string{}
	for _, c := range changes {
		if !c.Held || c.From != "true" || c.To != "false" {
			t.Errorf("held change %+v: want Held, true -> false", c)
		}
		fields = append(fields, c.Field)
	}
	wantFields := []string{"notify_subjects", "obligations[gdpr-art33].subjects.required", "obligations[NIS2].required"}
	if !reflect.DeepEqual(fields, wantFields) {
		t.Errorf("held fields = %v, want %v", fields, wantFields)
	}
	r := held.Review
	if r == nil || !r.HumanReviewRequired || len(r.Signals) != 4 || r.Signals[0] != "aware_at unknown" ||
		r.Signals[1] != "notify_subjects: true -> false held: give change_reason in an update to confirm" {
		t.Errorf("review = %+v, want the classifier's signal then one per held field", r)
	}
	if !reflect.DeepEqual(DiffDecisions(base(), next), orig) || next.Obligations[1].Required {
		t.Error("HoldDuties wrote to its argument")
	}
	if left := DroppedDuties(base(), held); len(left) != 0 {
		t.Errorf("after holding, still dropped: %+v", left)
	}
}

// An obligation the classifier no longer lists comes back as it stood.
func TestHoldDutiesRestoresRemovedObligation(t *testing.T) {
	next := base()
	next.Obligations = next.Obligations[1:]
	held, changes := HoldDuties(base(), next)
	if len(held.Obligations) != 2 || !reflect.DeepEqual(held.Obligations[1], base().Obligations[0]) {
		t.Errorf("obligations after hold = %+v", held.Obligations)
	}
	if len(changes) != 2 || !strings.HasPrefix(changes[0].Field, "obligations[gdpr-art33]") {
		t.Errorf("held changes = %+v", changes)
	}
	if diff := DiffDecisions(base(), held); len(diff) != 1 || diff[0].Field != "review.human_review_required" {
		t.Errorf("held decision differs from the earlier one in %+v; want only the review flag", diff)
	}
}

func TestHoldDutiesNothingDropped(t *testing.T) {
	next := base()
	next.Risk = RiskRisk
	held, changes := HoldDuties(base(), next)
	if changes != nil || !reflect.DeepEqual(held, next) {
		t.Errorf("HoldDuties changed a decision that drops nothing: %+v %+v", held, changes)
	}
}
