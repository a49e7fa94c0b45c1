package classify

import (
	"slices"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

const (
	ico          = "Information Commissioner's Office (ICO)"
	regimeGDPR   = "GDPR"
	regimeUKGDPR = "UK GDPR"
	regimeNIS2   = "NIS2"
)

// leak makes the facts notifiable under GDPR: contact data of 100 people
// stolen by an outsider.
func leak(f *incident.Facts) {
	f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
	f.Breach.Malicious = ptr(true)
}

func TestGDPRObligation(t *testing.T) {
	d := Classify(with(leak))
	o := obligation(d, regimeGDPR)
	if o == nil {
		t.Fatalf("no GDPR obligation in %+v", d.Obligations)
	}
	want := aware.Add(72 * time.Hour)
	if !o.Required || o.Authority != "lead supervisory authority (DE)" || o.Clock != "aware_at" ||
		o.Deadline == nil || !o.Deadline.Equal(want) || !slices.Equal(o.Phases, []string{"initial", "follow_up", "final"}) {
		t.Errorf("obligation %+v, want required, DE, aware_at + 72h = %s", o, want)
	}
	if len(d.Obligations) != 1 {
		t.Errorf("obligations %+v, want GDPR only", d.Obligations)
	}
}

func TestGDPRNotRequiredHasNoDeadline(t *testing.T) {
	o := obligation(Classify(known()), regimeGDPR)
	if o == nil || o.Required || o.Deadline != nil || o.Reason == "" {
		t.Errorf("obligation %+v, want present, not required, no deadline, a reason", o)
	}
}

func TestGDPRAuthorities(t *testing.T) {
	tests := []struct {
		name   string
		est    string
		juris  map[string]int
		want   map[string]string // regime -> authority
		signal string
	}{
		{"EU establishment", "FR", map[string]int{"FR": 10, "US-CA": 5}, map[string]string{regimeGDPR: "lead supervisory authority (FR)"}, ""},
		{"lower case and region", "de", map[string]int{"DE-BY": 10}, map[string]string{regimeGDPR: "lead supervisory authority (DE)"}, ""},
		{"UK establishment", "GB", map[string]int{"GB": 10}, map[string]string{regimeUKGDPR: ico}, ""},
		{"UK spelled UK, people unknown", "UK", nil, map[string]string{regimeUKGDPR: ico,
			regimeGDPR: "supervisory authority of each member state concerned (to be determined)"}, "scope.jurisdictions unknown: GDPR not excluded"},
		{"EU controller, UK people too", "IE", map[string]int{"IE": 5, "GB": 5}, map[string]string{
			regimeGDPR: "lead supervisory authority (IE)", regimeUKGDPR: ico}, ""},
		{"no EU establishment, EU people", "US", map[string]int{"US-CA": 5, "DE": 3, "FR": 2}, map[string]string{
			regimeGDPR: "supervisory authority of each member state concerned (DE, FR)"}, ""},
		{"no EU establishment, people unknown", "US", nil, map[string]string{
			regimeGDPR: "supervisory authority of each member state concerned (to be determined)"}, "scope.jurisdictions unknown"},
		{"establishment unknown", "", map[string]int{"NL": 4}, map[string]string{
			regimeGDPR: "lead supervisory authority (unknown)"}, "controller.establishment unknown"},
		{"neither EU nor UK", "US", map[string]int{"US-TX": 4}, map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(func(f *incident.Facts) {
				leak(f)
				f.Controller.Establishment = tt.est
				f.Scope.Jurisdictions = tt.juris
			}))
			got := map[string]string{}
			for _, o := range d.Obligations {
				if o.Regime == regimeGDPR || o.Regime == regimeUKGDPR {
					got[o.Regime] = o.Authority
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("obligations %+v, want %v", d.Obligations, tt.want)
			}
			for regime, auth := range tt.want {
				if got[regime] != auth {
					t.Errorf("%s authority %q, want %q", regime, got[regime], auth)
				}
			}
			if tt.signal != "" && !hasLine(signals(d), tt.signal) {
				t.Errorf("signals %q, want %q", signals(d), tt.signal)
			}
		})
	}
}

func TestDeadlineClocks(t *testing.T) {
	detected := aware.Add(-4 * time.Hour)
	tests := []struct {
		name   string
		change func(*incident.Facts)
		clock  string
		want   *time.Time
		signal string
	}{
		{"aware_at", func(*incident.Facts) {}, "aware_at", ptr(aware.Add(72 * time.Hour)), ""},
		{"aware_at in another zone", func(f *incident.Facts) {
			f.AwareAt = ptr(aware.In(time.FixedZone("CET", 3600)))
		}, "aware_at", ptr(aware.Add(72 * time.Hour)), ""},
		{"falls back to detected_at", func(f *incident.Facts) { f.AwareAt = nil }, "detected_at",
			ptr(detected.Add(72 * time.Hour)), "aware_at unknown: GDPR deadline counted from detected_at"},
		{"no clock at all", func(f *incident.Facts) { f.AwareAt, f.DetectedAt = nil, nil }, "aware_at",
			nil, "aware_at and detected_at unknown: no GDPR deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(func(f *incident.Facts) { leak(f); tt.change(f) }))
			o := obligation(d, regimeGDPR)
			if o == nil || o.Clock != tt.clock {
				t.Fatalf("obligation %+v, want clock %s", o, tt.clock)
			}
			switch {
			case tt.want == nil && o.Deadline != nil:
				t.Errorf("deadline %s, want none", o.Deadline)
			case tt.want != nil && (o.Deadline == nil || !o.Deadline.Equal(*tt.want) || o.Deadline.Location() != time.UTC):
				t.Errorf("deadline %v, want %s in UTC", o.Deadline, tt.want)
			}
			if tt.signal != "" && !hasLine(signals(d), tt.signal) {
				t.Errorf("signals %q, want %q", signals(d), tt.signal)
			}
		})
	}
}

func TestNIS2(t *testing.T) {
	outage := func(class string, hours, loss float64) func(*incident.Facts) {
		return func(f *incident.Facts) {
			f.Kind, f.Data = incident.KindServiceIncident, nil
			f.Breach.Availability = temporary
			f.Entity = &incident.Entity{NIS2: class}
			f.Impact.ServiceDisruptionHours, f.Impact.FinancialLossEUR = hours, loss
		}
	}
	tests := []struct {
		name     string
		change   func(*incident.Facts)
		present  bool
		required bool
		line     string
	}{
		{"essential, long outage", outage("essential", 6, 0), true, true, "service disrupted 6 h"},
		{"important, large loss", outage("important", 0, 750000), true, true, "financial loss EUR 750000"},
		{"important, minor blip", outage("important", 0.25, 1000), true, false, "not significant"},
		{"not a NIS2 entity", outage("none", 48, 1e6), false, false, ""},
		{"class unknown, significant", outage("", 48, 0), true, true, "entity.nis2 unknown: NIS2 treated as applying"},
		{"class unknown, not significant", outage("", 0, 0), false, false, ""},
		{"malicious access", func(f *incident.Facts) {
			leak(f)
			f.Entity.NIS2 = "essential"
			f.Impact.CrossBorder = ptr(true)
		}, true, true, "suspectedly malicious unauthorised access"},
		{"high GDPR risk is damage to others", func(f *incident.Facts) {
			f.Entity.NIS2 = "important"
			f.Data.Categories = []string{"health"}
			f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, none
			f.Breach.Actor = actorAccidental
		}, true, true, "considerable damage to others"},
		{"unexploited vulnerability", func(f *incident.Facts) {
			f.Kind, f.Breach = incident.KindVulnerability, nil
			f.Entity.NIS2 = "essential"
			f.Impact.ServiceDisruptionHours = 10
		}, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			o := obligation(d, regimeNIS2)
			if (o != nil) != tt.present {
				t.Fatalf("NIS2 obligation %+v, want present=%v", o, tt.present)
			}
			if o == nil {
				return
			}
			if o.Required != tt.required || o.Authority != "CSIRT or competent authority (DE)" ||
				!slices.Equal(o.Phases, []string{"early_warning", "notification", "intermediate", "final", "progress"}) {
				t.Errorf("obligation %+v, want required=%v CSIRT (DE)", o, tt.required)
			}
			if tt.required && (o.Deadline == nil || !o.Deadline.Equal(aware.Add(24*time.Hour))) {
				t.Errorf("deadline %v, want aware_at + 24h", o.Deadline)
			}
			if !hasLine(append(d.Severity.Rationale, o.Reason), tt.line) && !hasLine(signals(d), tt.line) {
				t.Errorf("no %q in reason %q or rationale", tt.line, o.Reason)
			}
		})
	}
}
