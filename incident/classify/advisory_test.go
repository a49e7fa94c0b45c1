package classify

import (
	"testing"

	"github.com/herald-notify/herald/incident"
)

// Base scores as FIRST publishes them: the v3.1 ones from the specification's
// examples document (CVE named), the v4.0 ones from FIRST's calculator.
func TestAdvisoryScores(t *testing.T) {
	tests := []struct {
		name, vector, version string
		score                 float64
		rating                string
	}{
		{"Shellshock CVE-2014-6271", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8, "critical"},
		{"Heartbleed CVE-2014-0160", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.1", 7.5, "high"},
		{"phpMyAdmin XSS CVE-2013-1937, scope changed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "3.1", 6.1, "medium"},
		{"VMware guest escape CVE-2012-1516, scope changed", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", "3.1", 9.9, "critical"},
		{"Tomcat XML parser CVE-2009-0783", "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", "3.1", 4.2, "medium"},
		{"POODLE CVE-2014-3566", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "3.1", 3.1, "low"},
		{"no impact", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0, "none"},
		{"temporal metrics left out", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/E:U/RL:O/RC:C", "3.1", 6.4, "medium"},
		{"version 3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0", 9.8, "critical"},
		{"v4 network, no privileges", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3, "critical"},
		{"v4 subsequent systems too", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "4.0", 10, "critical"},
		{"v4 low privileges", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 8.7, "high"},
		{"v4 local", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 8.5, "high"},
		{"v4 low confidentiality", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 6.9, "medium"},
		{"v4 phpMyAdmin XSS", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", "4.0", 5.1, "medium"},
		{"v4 no impact", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 0, "none"},
		// Unreported exploit maturity lowers CVSS-BT to 8.1; the base stays 9.3.
		{"v4 threat metric left out", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", "4.0", 9.3, "critical"},
		{"v4 environmental metrics left out", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/MAV:L", "4.0", 9.3, "critical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(func(f *incident.Facts) {
				f.Kind, f.Breach = incident.KindVulnerability, nil
				f.Vulnerability = &incident.Vulnerability{CVE: "CVE-2026-0001", CVSSVector: tt.vector}
			}))
			want := incident.Advisory{CVE: "CVE-2026-0001", Vector: tt.vector, CVSSVersion: tt.version, BaseScore: tt.score, Rating: tt.rating}
			if d.Advisory == nil || *d.Advisory != want {
				t.Fatalf("advisory %+v, want %+v", d.Advisory, want)
			}
			if !hasLine(d.Severity.Rationale, "advisory: CVSS "+tt.version+" base ") ||
				!hasLine(d.Severity.Rationale, "-> "+tt.rating+" (kept apart from the breach severity)") {
				t.Errorf("rationale lacks the advisory line: %q", d.Severity.Rationale)
			}
			if d.Review != nil {
				t.Errorf("review %q, want none", d.Review.Signals)
			}
		})
	}
}

func TestAdvisoryRationaleLine(t *testing.T) {
	d := Classify(with(func(f *incident.Facts) {
		f.Kind, f.Breach = incident.KindVulnerability, nil
		f.Vulnerability = &incident.Vulnerability{CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
	}))
	if !hasLine(d.Severity.Rationale, "advisory: CVSS 3.1 base 9.8 -> critical (kept apart from the breach severity)") {
		t.Errorf("rationale %q", d.Severity.Rationale)
	}
	if hasLine(d.Severity.Rationale, "not part of the base score") {
		t.Error("a base-only vector is said to carry other metrics")
	}
}

// The advisory rates the flaw; the breach severity and the duties follow
// from what happened to the data, whatever the CVSS score.
func TestAdvisoryKeptApartFromBreachSeverity(t *testing.T) {
	exploited := func(vector string) incident.Decision {
		return Classify(with(func(f *incident.Facts) {
			f.Kind = incident.KindVulnerability
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Breach.Malicious = ptr(true)
			f.Vulnerability = &incident.Vulnerability{CVSSVector: vector}
		}))
	}
	low := exploited("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N")
	critical := exploited("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H")
	if low.Advisory.Rating != "low" || critical.Advisory.Rating != "critical" {
		t.Fatalf("ratings %s and %s, want low and critical", low.Advisory.Rating, critical.Advisory.Rating)
	}
	low.Advisory, critical.Advisory = nil, nil
	if w1, w2 := weigh(low), weigh(critical); w1 != w2 || low.Severity.Band != critical.Severity.Band {
		t.Errorf("the CVSS score moved the breach decision: %+v vs %+v", w1, w2)
	}
	// Any kind may carry a vector; it is rated all the same.
	d := Classify(with(func(f *incident.Facts) {
		f.Vulnerability = &incident.Vulnerability{CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}
	}))
	if d.Advisory == nil || d.Advisory.BaseScore != 7.5 {
		t.Errorf("personal data breach with a vector: advisory %+v", d.Advisory)
	}
}

func TestAdvisoryMissingOrInvalid(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		vuln   *incident.Vulnerability
		signal string
	}{
		{"vulnerability without a vector", incident.KindVulnerability, &incident.Vulnerability{CVE: "CVE-2026-0001"},
			"vulnerability.cvss_vector unknown: no Security Advisory rating"},
		{"vulnerability without a vulnerability block", incident.KindVulnerability, nil,
			"vulnerability.cvss_vector unknown: no Security Advisory rating"},
		{"breach without a vector", incident.KindPersonalDataBreach, nil, ""},
		{"CVSS 2 vector", incident.KindVulnerability, &incident.Vulnerability{CVSSVector: "AV:N/AC:L/Au:N/C:P/I:P/A:P"},
			"vulnerability.cvss_vector not a CVSS 3.0, 3.1 or 4.0 base vector"},
		{"missing base metric", incident.KindVulnerability, &incident.Vulnerability{CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"},
			"vulnerability.cvss_vector not a CVSS 3.0, 3.1 or 4.0 base vector"},
		{"v4 metrics out of order", incident.KindPersonalDataBreach, &incident.Vulnerability{CVSSVector: "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
			"vulnerability.cvss_vector not a CVSS 3.0, 3.1 or 4.0 base vector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(func(f *incident.Facts) {
				f.Kind, f.Vulnerability = tt.kind, tt.vuln
				if tt.kind == incident.KindVulnerability {
					f.Breach = nil
				}
			}))
			if d.Advisory != nil {
				t.Errorf("advisory %+v, want none", d.Advisory)
			}
			if tt.signal == "" {
				if d.Review != nil {
					t.Errorf("review %q, want none", d.Review.Signals)
				}
				return
			}
			if !hasLine(signals(d), tt.signal) || !hasLine(d.Severity.Rationale, tt.signal) {
				t.Errorf("signals %q, want %q named in signals and rationale", signals(d), tt.signal)
			}
		})
	}
}
