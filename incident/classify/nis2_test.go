package classify

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

// The criteria of Implementing Regulation (EU) 2024/2690 that the facts can
// show, each at and just past its threshold.
func TestNIS2Significance(t *testing.T) {
	service := func(f *incident.Facts) {
		f.Kind, f.Data = incident.KindServiceIncident, nil
		f.Breach.Malicious = ptr(false)
	}
	tests := []struct {
		name   string
		change func(*incident.Facts)
		want   []string // one substring per reason, in order; none: not significant
	}{
		{"nothing happened", service, nil},
		{"outage of exactly 30 minutes", func(f *incident.Facts) {
			service(f)
			f.Impact.ServiceDisruptionHours = 0.5
		}, nil},
		{"outage of 31 minutes", func(f *incident.Facts) {
			service(f)
			f.Impact.ServiceDisruptionHours = 31.0 / 60
		}, []string{"> 30 min"}},
		{"loss of exactly EUR 500,000", func(f *incident.Facts) {
			service(f)
			f.Impact.FinancialLossEUR = 500_000
		}, nil},
		{"loss just over EUR 500,000", func(f *incident.Facts) {
			service(f)
			f.Impact.FinancialLossEUR = 500_001
		}, []string{"Art. 3(1)(a)"}},
		{"malicious access that took data", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Breach.Malicious = ptr(true)
		}, []string{"Art. 3(1)(e)"}},
		{"malicious alteration", func(f *incident.Facts) {
			service(f)
			f.Breach.Integrity, f.Breach.Malicious = alteredRecover, ptr(true)
		}, []string{"Art. 3(1)(e)"}},
		{"malicious attempt that compromised nothing", func(f *incident.Facts) {
			service(f)
			f.Breach.Malicious = ptr(true)
		}, nil},
		{"accidental exposure", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
		}, nil},
		{"hospital records unavailable", func(f *incident.Facts) {
			f.Data.Categories, f.Data.VulnerableSubjects = []string{"identity", "health"}, ptr(true)
			f.Breach.Availability, f.Breach.RestoreHours = temporary, ptr(48.0)
		}, []string{"Art. 3(1)(d)", "Art. 23(3)(b)"}},
		{"high risk to people", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
		}, []string{"Art. 23(3)(b)"}},
		{"everything at once", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Breach.Malicious = ptr(true)
			f.Data.Categories = []string{"financial"}
			f.Impact.ServiceDisruptionHours, f.Impact.FinancialLossEUR = 6, 2e6
		}, []string{"service disrupted 6 h", "financial loss EUR 2000000", "Art. 3(1)(e)", "Art. 23(3)(b)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := with(tt.change)
			var n notes
			got := significance(normalise(f, &n), Classify(f))
			if len(got) != len(tt.want) {
				t.Fatalf("reasons %q, want %d matching %q", got, len(tt.want), tt.want)
			}
			for i, sub := range tt.want {
				if !strings.Contains(got[i], sub) {
					t.Errorf("reason %d = %q, want %q in it", i, got[i], sub)
				}
			}
		})
	}
}
