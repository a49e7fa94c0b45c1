package classify

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/herald-notify/herald/incident"
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
	} {
		f.Add([]byte(seed))
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

// checkDecision asserts what holds for every decision.
func checkDecision(t *testing.T, d incident.Decision) {
	t.Helper()
	if _, err := json.Marshal(d); err != nil {
		t.Fatalf("decision does not encode: %v", err)
	}
	s := d.Severity
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
	if !slices.Contains(riskNames[:], d.Risk) || d.NotifyAuthority != (d.Risk != incident.RiskUnlikely) {
		t.Fatalf("risk %q with notify_authority %v", d.Risk, d.NotifyAuthority)
	}
	if d.NotifySubjects && (d.Risk != incident.RiskHigh || d.SubjectExemption != incident.ExemptionNone) {
		t.Fatalf("subjects told with risk %s and exemption %s", d.Risk, d.SubjectExemption)
	}
	if d.PublicNotice != (d.SubjectExemption == incident.ExemptionDisproportionateEffort) {
		t.Fatalf("public_notice %v with exemption %s", d.PublicNotice, d.SubjectExemption)
	}
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
}
