package templates

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

func TestNoticeDataFromDemo(t *testing.T) {
	d := NoticeDataFrom(demoIncident(), demoURL)
	want := NoticeData{
		IncidentID: "INC-2026-0042", Title: demoFacts().Title, Summary: demoFacts().Summary,
		Controller: "Example Corp", ContactPoint: "dpo@example.com", NoticeURL: demoURL,
		Impact:          []string{"impact.copied", "impact.credentials", "impact.contact", "impact.identity"},
		MeasuresTaken:   []string{"Revoked the leaked API key"},
		MeasuresPlanned: []string{"Rotate all support-staff credentials"},
		Advice:          []string{"Change your password", "Be alert to phishing mails that quote your order number"},
		Remedies:        []string{"Free credit monitoring for 12 months"},
	}
	if d.IncidentID != want.IncidentID || d.Title != want.Title || d.Summary != want.Summary ||
		d.Controller != want.Controller || d.ContactPoint != want.ContactPoint || d.NoticeURL != want.NoticeURL {
		t.Errorf("text fields: got %+v", d)
	}
	for name, pair := range map[string][2][]string{
		"impact": {d.Impact, want.Impact}, "taken": {d.MeasuresTaken, want.MeasuresTaken},
		"planned": {d.MeasuresPlanned, want.MeasuresPlanned}, "advice": {d.Advice, want.Advice},
		"remedies": {d.Remedies, want.Remedies},
	} {
		if !slices.Equal(pair[0], pair[1]) {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if !d.OccurredFrom.Equal(*demoFacts().OccurredFrom) || !d.DetectedAt.Equal(*demoFacts().DetectedAt) {
		t.Errorf("dates: %v %v", d.OccurredFrom, d.DetectedAt)
	}
}

func TestImpactFromFacts(t *testing.T) {
	tests := []struct {
		name        string
		facts       incident.Facts
		impact      []string
		adviceCodes []string
	}{
		{"nothing known", incident.Facts{},
			[]string{"impact.unknown"}, []string{"advice.phishing"}},
		{"unknown category only", incident.Facts{Data: &incident.DataInfo{Categories: []string{"pets"}}},
			[]string{"impact.unknown"}, []string{"advice.phishing"}},
		{"exfiltration unknown is possible, not ruled out",
			incident.Facts{Breach: &incident.Breach{Confidentiality: "unknown_recipients"},
				Data: &incident.DataInfo{Categories: []string{"financial"}}},
			[]string{"impact.copied_maybe", "impact.financial"}, []string{"advice.statements", "advice.phishing"}},
		{"mistaken disclosure, deleted",
			incident.Facts{Breach: &incident.Breach{Confidentiality: "known_recipients", DeletionConfirmed: ptr(true)},
				Data: &incident.DataInfo{Categories: []string{"contact"}}},
			[]string{"impact.disclosed", "impact.deleted", "impact.contact"}, []string{"advice.phishing"}},
		{"exposed, misuse ruled out",
			incident.Facts{Breach: &incident.Breach{Confidentiality: "exposed_no_evidence", Exfiltration: "ruled_out"},
				Data: &incident.DataInfo{Categories: []string{"identity"}}},
			[]string{"impact.exposed", "impact.identity"}, []string{"advice.phishing"}},
		{"exposed, exfiltration unknown",
			incident.Facts{Breach: &incident.Breach{Confidentiality: "exposed_no_evidence"},
				Data: &incident.DataInfo{Categories: []string{"identity"}}},
			[]string{"impact.copied_maybe", "impact.identity"}, []string{"advice.phishing"}},
		{"ransomware, encrypted at rest with safe key",
			incident.Facts{Breach: &incident.Breach{Integrity: "altered_unrecoverable", Availability: "permanent"},
				Data: &incident.DataInfo{Categories: []string{"health", "government_id"}, Protection: &incident.Protection{
					Encrypted: ptr(true), StateOfTheArt: ptr(true), KeyCompromised: ptr(false)}},
				Impact: &incident.Impact{FraudObserved: ptr(true)}},
			[]string{"impact.altered_lost", "impact.lost", "impact.government_id", "impact.health", "impact.encrypted", "impact.fraud"},
			[]string{"advice.identity_theft", "advice.phishing"}},
		{"encrypted but key status unknown says nothing of encryption",
			incident.Facts{Data: &incident.DataInfo{Categories: []string{"credentials"}, Protection: &incident.Protection{
				Encrypted: ptr(true), StateOfTheArt: ptr(true), HashedSalted: ptr(true)}}},
			[]string{"impact.credentials", "impact.hashed"}, []string{"advice.password", "advice.two_factor", "advice.phishing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NoticeDataFrom(incident.Incident{ID: "INC-1", Facts: tt.facts}, "")
			if !slices.Equal(d.Impact, tt.impact) {
				t.Errorf("impact = %q, want %q", d.Impact, tt.impact)
			}
			if !slices.Equal(d.Advice, tt.adviceCodes) {
				t.Errorf("advice = %q, want %q", d.Advice, tt.adviceCodes)
			}
		})
	}
}

func TestFinalMeasuresCountAsTaken(t *testing.T) {
	f := demoFacts()
	f.FinalMeasures = []string{"Moved support tooling behind SSO"}
	f.ClosedAt = ptr(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	d := NoticeDataFrom(incident.Incident{Facts: f}, "")
	if d.IncidentID != "INC-2026-0042" {
		t.Errorf("id from facts: %q", d.IncidentID)
	}
	if want := []string{"Revoked the leaked API key", "Moved support tooling behind SSO"}; !slices.Equal(d.MeasuresTaken, want) {
		t.Errorf("taken = %q, want %q", d.MeasuresTaken, want)
	}
}

func TestBreachImpactSpeaksTheLocale(t *testing.T) {
	b := &incident.Breach{Exfiltration: "confirmed", Availability: "permanent"}
	en, de := BreachImpact(b, "en"), BreachImpact(b, "de")
	if len(en) != 2 || len(de) != 2 || en[0] == de[0] || !strings.Contains(en[0], "copy") {
		t.Errorf("BreachImpact: en %q, de %q", en, de)
	}
	if BreachImpact(nil, "en") != nil {
		t.Error("no breach facts should say nothing")
	}
}
