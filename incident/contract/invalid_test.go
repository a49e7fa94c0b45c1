package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

func TestDecodeInvalid(t *testing.T) {
	cases := []struct {
		name, field, reason string
		value               func(t *testing.T) []byte
	}{
		{"not JSON", "body", "not JSON", raw("{\"specversion\": \"1.0\", oops")},
		{"empty value", "body", "not JSON", raw("")},
		{"trailing bytes", "body", "not JSON", raw(`{"a":1} {"b":2}`)},
		{"array body", "body", "must be an object", raw(`[1,2]`)},
		{"no specversion", "specversion", "is required", raw(`{"id":"x"}`)},
		{"missing id", "id", "is required", edit("opened.json", func(ev map[string]any) { delete(ev, "id") })},
		{"empty id", "id", "must not be empty", edit("opened.json", func(ev map[string]any) { ev["id"] = "" })},
		{"bad specversion", "specversion", "must be 1.0", edit("opened.json", func(ev map[string]any) { ev["specversion"] = "0.3" })},
		{"unknown type", "type", "must be one of security.incident.opened", edit("opened.json", func(ev map[string]any) { ev["type"] = "security.incident.deleted" })},
		{"missing source", "source", "is required", edit("opened.json", func(ev map[string]any) { delete(ev, "source") })},
		{"bad time", "time", "RFC 3339", edit("opened.json", func(ev map[string]any) { ev["time"] = "19/11/2026" })},
		{"xml content", "datacontenttype", "must match", edit("opened.json", func(ev map[string]any) { ev["datacontenttype"] = "application/xml" })},
		{"data missing", "data", "is required", edit("opened.json", func(ev map[string]any) { delete(ev, "data") })},
		{"data not object", "data", "must be an object", edit("opened.json", func(ev map[string]any) { ev["data"] = "INC-1" })},
		{"data null", "data", "must be an object", edit("opened.json", func(ev map[string]any) { ev["data"] = nil })},
		{"subject mismatch", "subject", "must equal data.incident_id", edit("opened.json", func(ev map[string]any) { ev["subject"] = "INC-OTHER" })},
		{"bad incident id", "data.incident_id", "must match", edit("opened.json", func(ev map[string]any) {
			obj(ev["data"])["incident_id"] = "INC 42/a"
			delete(ev, "subject")
		})},
		{"opened without title", "data.title", "is required", edit("opened.json", func(ev map[string]any) { delete(obj(ev["data"]), "title") })},
		{"opened with null kind", "data.kind", "must be a string", edit("opened.json", func(ev map[string]any) { obj(ev["data"])["kind"] = nil })},
		{"bad enum deep in facts", "data.breach.exfiltration", "must be one of none, ruled_out, suspected, confirmed", edit("opened.json", func(ev map[string]any) {
			obj(obj(ev["data"])["breach"])["exfiltration"] = "maybe"
		})},
		{"bad category", "data.data.categories[1]", "must be one of identity", edit("opened.json", func(ev map[string]any) {
			obj(obj(ev["data"])["data"])["categories"] = []any{"contact", "shoe_size"}
		})},
		{"negative estimate", "data.scope.subjects_estimate", "must be at least 0", edit("opened.json", func(ev map[string]any) {
			obj(obj(ev["data"])["scope"])["subjects_estimate"] = -1
		})},
		{"fractional estimate", "data.scope.subjects_estimate", "must be an integer", edit("opened.json", func(ev map[string]any) {
			obj(obj(ev["data"])["scope"])["subjects_estimate"] = 1.5
		})},
		{"bad date in facts", "data.aware_at", "RFC 3339", edit("opened.json", func(ev map[string]any) { obj(ev["data"])["aware_at"] = "tomorrow" })},
		{"updated without incident", "data.incident_id", "is required", edit("updated.json", func(ev map[string]any) {
			delete(obj(ev["data"]), "incident_id")
			delete(ev, "subject")
		})},
		{"updated bad nis2", "data.entity.nis2", "must be one of essential, important, none", edit("updated.json", func(ev map[string]any) {
			obj(ev["data"])["entity"] = map[string]any{"nis2": "critical"}
		})},
		{"no subjects", "data.subjects", "must have at least 1", edit("subjects.json", func(ev map[string]any) { obj(ev["data"])["subjects"] = []any{} })},
		{"subject without id", "data.subjects[1].id", "is required", edit("subjects.json", func(ev map[string]any) {
			delete(obj(obj(ev["data"])["subjects"].([]any)[1]), "id")
		})},
		{"repeated channel", "data.subjects[0].channels[2]", "repeats an earlier item", edit("subjects.json", func(ev map[string]any) {
			obj(obj(ev["data"])["subjects"].([]any)[0])["channels"] = []any{"sms", "email", "sms"}
		})},
		{"closed bad date", "data.closed_at", "RFC 3339", edit("closed.json", func(ev map[string]any) { obj(ev["data"])["closed_at"] = "soon" })},
		{"closed measures not list", "data.final_measures", "must be an array", edit("closed.json", func(ev map[string]any) { obj(ev["data"])["final_measures"] = "all of them" })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.value(t), nil)
			assertInvalid(t, err, c.field, c.reason)
		})
	}
}

func raw(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }

func edit(name string, f func(map[string]any)) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return mutated(t, name, f) }
}

// The bad channel sits at a high index among 5,000 subjects so that the index
// in the path is checked, and it is a contact-like value that must not leak.
func TestSubjectErrorsNameIndexNotValue(t *testing.T) {
	const secret = "ana.secret@example.com"
	subjects := make([]any, 5000)
	for i := range subjects {
		subjects[i] = map[string]any{"id": fmt.Sprintf("u-%d", i), "email": fmt.Sprintf("p%d@example.com", i)}
	}
	subjects[3] = map[string]any{"id": "u-3", "email": secret, "phone": "+4915112345678", "channels": []any{secret, "sms"}}
	subjects[12] = map[string]any{"id": "u-12", "channels": []any{"fax"}}
	value := mutated(t, "subjects.json", func(ev map[string]any) { obj(ev["data"])["subjects"] = subjects })
	_, err := Decode(value, nil)
	assertInvalid(t, err, "data.subjects[3].channels[0]", "must be one of push, sms, email")
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "+49") {
		t.Errorf("error echoes a contact detail: %v", err)
	}

	for name, bad := range map[string]any{
		"email":       map[string]any{"id": "u-3", "email": 12345},
		"push_tokens": map[string]any{"id": "u-3", "push_tokens": secret},
		"name":        map[string]any{"id": "u-3", "name": strings.Repeat(secret, 20)},
	} {
		subjects[3], subjects[12] = bad, subjects[0]
		_, err := Decode(mutated(t, "subjects.json", func(ev map[string]any) { obj(ev["data"])["subjects"] = subjects }), nil)
		assertInvalid(t, err, "data.subjects[3]."+name, "must be")
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "12345") {
			t.Errorf("error echoes a value: %v", err)
		}
	}
}

func TestTooManySubjects(t *testing.T) {
	subjects := make([]any, 5001)
	for i := range subjects {
		subjects[i] = map[string]any{"id": fmt.Sprintf("u-%d", i)}
	}
	value := mutated(t, "subjects.json", func(ev map[string]any) { obj(ev["data"])["subjects"] = subjects })
	_, err := Decode(value, nil)
	assertInvalid(t, err, "data.subjects", "must have at most 5000 items")
}

func TestDecodeFacts(t *testing.T) {
	f, err := DecodeFacts(readFile(t, "facts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if f.IncidentID != "INC-2026-0007" || f.AwareAt.UTC().Hour() != 8 || f.Data.Categories[1] != "health" {
		t.Errorf("facts = %+v", f)
	}

	var doc map[string]any
	if err := json.Unmarshal(readFile(t, "facts.json"), &doc); err != nil {
		t.Fatal(err)
	}
	obj(doc["breach"])["actor"] = "aliens"
	b, _ := json.Marshal(doc)
	_, err = DecodeFacts(b)
	assertInvalid(t, err, "breach.actor", "must be one of external, insider, accidental, unknown")

	_, err = DecodeFacts([]byte(`{"title": "no id"}`))
	assertInvalid(t, err, "incident_id", "is required")
	_, err = DecodeFacts([]byte(`not json`))
	assertInvalid(t, err, "body", "not JSON")
	_, err = DecodeFacts([]byte(`"INC-1"`))
	assertInvalid(t, err, "body", "must be an object")
}

func TestHelpersRejectOtherTypes(t *testing.T) {
	ev, err := Decode(readFile(t, "closed.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = FactsFromEvent(ev)
	assertInvalid(t, err, "type", "must be security.incident.opened or security.incident.updated")
	_, err = SubjectsFromEvent(ev)
	assertInvalid(t, err, "type", "must be security.incident.subjects")
	ev.Type = incident.TypeOpened
	_, err = ClosureFromEvent(ev)
	assertInvalid(t, err, "type", "must be security.incident.closed")
	ev.Data = []byte(`{"incident_id": 7}`)
	_, err = FactsFromEvent(ev)
	assertInvalid(t, err, "data.incident_id", "must be a string")
}
