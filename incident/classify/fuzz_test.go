package classify

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
)

// FuzzClassify feeds arbitrary JSON to Classify: it must never panic, and the
// decision must hold together and encode.
func FuzzClassify(f *testing.F) {
	if calibrationPresent() {
		for _, c := range loadCalibration(f) {
			f.Add([]byte(c.raw))
		}
	}
	for _, seed := range []string{
		`{}`,
		`{"kind":"service_incident","entity":{"nis2":"essential"},"impact":{"service_disruption_hours":12}}`,
		`{"kind":"vulnerability","breach":{"exfiltration":"confirmed"},"data":{"categories":["x"]}}`,
		`{"kind":"personal_data_breach","aware_at":"9999-12-31T23:00:00Z","data":{"dpc_adjustments":[{"delta":1e308},{"delta":1e308}]}}`,
		`{"scope":{"jurisdictions":{"DE":9223372036854775807,"FR":9223372036854775807}},"controller":{"establishment":"us-ca"}}`,
		// NIS2 requires a report where the GDPR risk is unlikely (encrypted data).
		`{"controller":{"establishment":"BE"},"breach":{"integrity":"none","availability":"restored_quickly"},"data":{"protection":{"encrypted":true,"state_of_the_art":true,"key_compromised":false}}}`,
	} {
		f.Add([]byte(seed))
	}
	for _, v := range vectorSeeds {
		f.Add([]byte(`{"kind":"vulnerability","vulnerability":{"cvss_vector":"` + v + `"}}`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var facts incident.Facts
		if err := json.Unmarshal(data, &facts); err != nil {
			return
		}
		d := Classify(facts)
		checkDecision(t, d)
		if !reflect.DeepEqual(d, Classify(facts)) {
			t.Fatal("two runs on the same facts differ")
		}
	})
}

// vectorSeeds are CVSS vectors of each version, and broken ones.
var vectorSeeds = []string{
	"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
	"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/E:U/RL:O/RC:C",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N/E:U/CR:H",
	"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
	"CVSS:3.1/AV:N/AV:N",
	"AV:N/AC:L/Au:N/C:P/I:P/A:P",
}

// FuzzDecodeAndClassify feeds arbitrary bytes through the path an event
// takes, the contract decoder then the classifier, as an event and as bare
// facts: no panic, and whatever the contract accepts classifies into a
// decision that holds together, its vector rated.
func FuzzDecodeAndClassify(f *testing.F) {
	if calibrationPresent() {
		for _, c := range loadCalibration(f) {
			f.Add(c.event)
			f.Add([]byte(c.raw))
		}
	}
	for _, v := range vectorSeeds {
		f.Add([]byte(`{"incident_id":"INC-1","kind":"vulnerability","vulnerability":{"cve":"CVE-2026-0001","cvss_vector":"` + v + `"}}`))
	}
	f.Add([]byte(`{"specversion":"1.0","id":"e","source":"s","type":"security.incident.updated","data":{"incident_id":"INC-1","vulnerability":{"cvss_vector":null}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if facts, err := contract.DecodeFacts(data); err == nil {
			checkAccepted(t, facts)
		}
		ev, err := contract.Decode(data, nil)
		if err != nil || (ev.Type != incident.TypeOpened && ev.Type != incident.TypeUpdated) {
			return
		}
		facts, err := contract.FactsFromEvent(ev)
		if err != nil {
			t.Fatalf("Decode accepted an event whose facts do not decode: %v", err)
		}
		checkAccepted(t, facts)
	})
}

// checkAccepted classifies facts the contract let through.
func checkAccepted(t *testing.T, facts incident.Facts) {
	t.Helper()
	d := Classify(facts)
	checkDecision(t, d)
	if facts.Vulnerability != nil && facts.Vulnerability.CVSSVector != "" && d.Advisory == nil {
		t.Fatal("the contract accepted a vector the classifier could not rate")
	}
}

// checkDecision asserts what holds for every decision.
func checkDecision(t *testing.T, d incident.Decision) {
	t.Helper()
	if _, err := json.Marshal(d); err != nil {
		t.Fatalf("decision does not encode: %v", err)
	}
	checkSeverity(t, d.Severity)
	checkDuties(t, d)
	if d.Obligations == nil {
		t.Fatal("obligations is null, want a list")
	}
	for _, o := range d.Obligations {
		if o.Regime == "" || o.Authority == "" || o.Clock == "" || len(o.Phases) == 0 {
			t.Fatalf("incomplete obligation %+v", o)
		}
	}
	if d.Review != nil && (!d.Review.HumanReviewRequired || len(d.Review.Signals) == 0) {
		t.Fatalf("review %+v without signals", d.Review)
	}
	if a := d.Advisory; a != nil && (a.BaseScore < 0 || a.BaseScore > 10 || a.Rating != cvssRating(a.BaseScore) ||
		!slices.Contains([]string{"3.0", "3.1", "4.0"}, a.CVSSVersion)) {
		t.Fatalf("advisory out of CVSS ranges: %+v", a)
	}
}

func checkSeverity(t *testing.T, s incident.Severity) {
	t.Helper()
	for _, x := range []float64{s.Score, s.DPC, s.EI, s.CB} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("severity not finite: %+v", s)
		}
	}
	if s.Score != 0 && (s.DPC < 1 || s.DPC > 4 || s.EI < 0.25 || s.EI > 1 || s.CB < 0 || s.CB > 2 || s.Score != round2(s.DPC*s.EI+s.CB)) {
		t.Fatalf("severity out of ENISA's ranges: %+v", s)
	}
	if s.Band != bandOf(s.Score) || len(s.Rationale) == 0 {
		t.Fatalf("band %s for score %v, rationale %d lines", s.Band, s.Score, len(s.Rationale))
	}
}

// checkDuties: the GDPR risk sets a floor under the duties; a regime of the
// policy may add to it (NIS2 reports a significant incident whatever the
// GDPR risk) but nothing else raises them.
func checkDuties(t *testing.T, d incident.Decision) {
	t.Helper()
	var required, toPeople bool
	for _, o := range d.Obligations {
		required = required || o.Required
		toPeople = toPeople || o.Subjects != nil && o.Subjects.Required
	}
	if !slices.Contains(riskNames[:], d.Risk) {
		t.Fatalf("risk %q", d.Risk)
	}
	if d.NotifyAuthority != (d.Risk != incident.RiskUnlikely || required) {
		t.Fatalf("risk %s, a regime requiring a report %v, notify_authority %v", d.Risk, required, d.NotifyAuthority)
	}
	gdpr := d.Risk == incident.RiskHigh && d.SubjectExemption == incident.ExemptionNone
	if gdpr && !d.NotifySubjects || d.NotifySubjects && !gdpr && !toPeople {
		t.Fatalf("notify_subjects %v with risk %s, exemption %s, a regime's duty %v", d.NotifySubjects, d.Risk, d.SubjectExemption, toPeople)
	}
	if d.PublicNotice != (d.SubjectExemption == incident.ExemptionDisproportionateEffort) {
		t.Fatalf("public_notice %v with exemption %s", d.PublicNotice, d.SubjectExemption)
	}
}
