package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const calibration = "../../../shared/examples/calibration/"

// TestClassifyCalibration prints the decision with the EVENTS.md field names
// and the regulator's conclusion for a worked case.
func TestClassifyCalibration(t *testing.T) {
	raw, err := os.ReadFile(calibration + "edpb-01.json")
	if err != nil {
		t.Skipf("calibration file not available: %v", err)
	}
	r := runCLI(t, string(raw), "classify") // default: stdin
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"incident_id", "severity", "risk", "notify_authority", "notify_subjects",
		"subject_exemption", "public_notice", "obligations"} {
		if _, ok := d[k]; !ok {
			t.Errorf("decision lacks %q", k)
		}
	}
	var sev map[string]json.RawMessage
	if err := json.Unmarshal(d["severity"], &sev); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"band", "score", "dpc", "ei", "cb", "rationale"} {
		if _, ok := sev[k]; !ok {
			t.Errorf("severity lacks %q", k)
		}
	}
	if string(d["incident_id"]) != `"EDPB-01"` {
		t.Errorf("incident_id = %s", d["incident_id"])
	}
	checkExpected(t, "EDPB-01", d)
	if !strings.Contains(r.stdout, "\n  \"severity\"") {
		t.Errorf("output is not indented:\n%s", r.stdout)
	}
}

// checkExpected compares the notify flags with the regulator's conclusion
// in expected.json.
func checkExpected(t *testing.T, id string, d map[string]json.RawMessage) {
	t.Helper()
	raw, err := os.ReadFile(calibration + "expected.json")
	if err != nil {
		return
	}
	var exp map[string]map[string]any
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"notify_authority", "notify_subjects"} {
		want, _ := json.Marshal(exp[id][k])
		if string(d[k]) != string(want) {
			t.Errorf("%s %s = %s, regulator says %s", id, k, d[k], want)
		}
	}
}

// TestClassifyBareFactsFile takes a bare facts object from a file.
func TestClassifyBareFactsFile(t *testing.T) {
	file := writeFile(t, "facts.json", string(demoFacts(t)))
	r := runCLI(t, "", "classify", file)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var d struct {
		IncidentID     string `json:"incident_id"`
		Risk           string `json:"risk"`
		NotifySubjects bool   `json:"notify_subjects"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatal(err)
	}
	if d.IncidentID != "INC-DEMO-0001" || d.Risk != "high" || !d.NotifySubjects {
		t.Errorf("demo decision = %+v, want high risk with subjects told", d)
	}
}

func TestClassifyInvalidInput(t *testing.T) {
	cases := []struct{ name, stdin, field string }{
		{"bad enum", `{"incident_id": "INC-1", "breach": {"confidentiality": "leaked"}}`, "breach.confidentiality"},
		{"wrong type", `{"incident_id": "INC-1", "scope": {"subjects_estimate": "many"}}`, "scope.subjects_estimate"},
		{"no id", `{"title": "x"}`, "incident_id"},
		{"event without facts", `{"specversion":"1.0","id":"e","source":"urn:x","type":"security.incident.closed","subject":"I","data":{"incident_id":"I"}}`, "type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.stdin, "classify", "-")
			if r.code != 2 {
				t.Fatalf("exit %d, want 2; stdout %q", r.code, r.stdout)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			msg := strings.TrimSpace(r.stderr)
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.field) {
				t.Errorf("stderr = %q, want one line naming %s", r.stderr, c.field)
			}
		})
	}
}
