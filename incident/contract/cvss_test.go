package contract

import (
	"encoding/json"
	"strings"
	"testing"
)

var vectorCases = []struct {
	name, vector string
	valid        bool
}{
	{"3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true},
	{"3.1 scope changed, temporal", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N/E:U/RL:O/RC:C", true},
	{"3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", true},
	{"4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", true},
	{"4.0 with threat", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", true},
	{"cvss 2, no prefix", "AV:N/AC:L/Au:N/C:P/I:P/A:P", false},
	{"unknown version", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", false},
	{"missing base metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", false},
	{"bad value", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", false},
	{"metric twice", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", false},
	{"4.0 out of order", "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", false},
	{"4.0 too short", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H", false},
	{"trailing slash", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/", false},
	{"prose", "critical, see the vendor advisory", false},
}

// An invalid vector is refused in an event, naming the field and never the
// value, so the consumer sends it to the dead-letter topic.
func TestDecodeChecksCVSSVector(t *testing.T) {
	for _, c := range vectorCases {
		t.Run(c.name, func(t *testing.T) {
			value := mutated(t, "opened.json", func(ev map[string]any) {
				obj(ev["data"])["vulnerability"] = map[string]any{"cve": "CVE-2026-0001", "cvss_vector": c.vector}
			})
			ev, err := Decode(value, nil)
			if c.valid {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				f, err := FactsFromEvent(ev)
				if err != nil || f.Vulnerability.CVSSVector != c.vector {
					t.Fatalf("facts %+v, %v", f.Vulnerability, err)
				}
				return
			}
			assertInvalid(t, err, "data.vulnerability.cvss_vector", "must be a CVSS 3.0, 3.1 or 4.0 vector")
			if strings.Contains(err.Error(), c.vector) {
				t.Errorf("error %q repeats the value", err)
			}
		})
	}
}

func TestDecodeFactsChecksCVSSVector(t *testing.T) {
	for _, c := range vectorCases {
		t.Run(c.name, func(t *testing.T) {
			var facts map[string]any
			if err := json.Unmarshal(readFile(t, "facts.json"), &facts); err != nil {
				t.Fatal(err)
			}
			facts["vulnerability"] = map[string]any{"cvss_vector": c.vector}
			b, err := json.Marshal(facts)
			if err != nil {
				t.Fatal(err)
			}
			f, err := DecodeFacts(b)
			if c.valid {
				if err != nil || f.Vulnerability == nil || f.Vulnerability.CVSSVector != c.vector {
					t.Fatalf("facts %+v, %v", f.Vulnerability, err)
				}
				return
			}
			assertInvalid(t, err, "vulnerability.cvss_vector", "must be a CVSS")
			if f.IncidentID != "" {
				t.Errorf("facts %+v returned with the error", f)
			}
		})
	}
}

// An update may set a vector too, or clear one with null.
func TestUpdatedCVSSVector(t *testing.T) {
	bad := mutated(t, "updated.json", func(ev map[string]any) {
		obj(ev["data"])["vulnerability"] = map[string]any{"cvss_vector": "CVSS:3.1/AV:N"}
	})
	_, err := Decode(bad, nil)
	assertInvalid(t, err, "data.vulnerability.cvss_vector", "")

	cleared := mutated(t, "updated.json", func(ev map[string]any) {
		obj(ev["data"])["vulnerability"] = map[string]any{"cvss_vector": nil}
	})
	if _, err := Decode(cleared, nil); err != nil {
		t.Errorf("null vector refused: %v", err)
	}
}
