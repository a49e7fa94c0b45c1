package contract

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutated returns testdata/name after edit changed its decoded JSON.
func mutated(t *testing.T, name string, edit func(ev map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(readFile(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	edit(ev)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func obj(v any) map[string]any { return v.(map[string]any) }

func TestSchemasCompile(t *testing.T) {
	if _, err := schemas(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeStructuredEachType(t *testing.T) {
	cases := []struct {
		file, typ string
		check     func(t *testing.T, ev incident.Event)
	}{
		{"opened.json", incident.TypeOpened, checkOpened},
		{"updated.json", incident.TypeUpdated, checkUpdated},
		{"subjects.json", incident.TypeSubjects, checkSubjects},
		{"closed.json", incident.TypeClosed, checkClosed},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			hs := map[string]string{"Content-Type": ContentTypeCloudEvents}
			ev, err := Decode(readFile(t, c.file), hs)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ev.Type != c.typ || ev.SpecVersion != "1.0" || ev.Source != "urn:psirt:console" {
				t.Fatalf("envelope = %+v", ev)
			}
			c.check(t, ev)
		})
	}
}

func checkOpened(t *testing.T, ev incident.Event) {
	want := time.Date(2026, 11, 19, 9, 5, 0, 0, time.UTC)
	if ev.Time == nil || !ev.Time.Equal(want) || ev.Subject != "INC-2026-0042" {
		t.Errorf("time %v subject %q", ev.Time, ev.Subject)
	}
	f, err := FactsFromEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if f.IncidentID != "INC-2026-0042" || f.Kind != incident.KindPersonalDataBreach ||
		f.Breach.Exfiltration != "confirmed" || *f.Scope.SubjectsEstimate != 12000 ||
		f.Scope.Jurisdictions["US-CA"] != 1000 || f.ContainedAt != nil || f.Entity.NIS2 != "essential" {
		t.Errorf("facts = %+v", f)
	}
}

func checkUpdated(t *testing.T, ev incident.Event) {
	f, err := FactsFromEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "" || f.ContainedAt == nil || f.Breach.Exfiltration != "suspected" {
		t.Errorf("patch facts = %+v", f)
	}
	// The raw data keep the null that deletes a field in a merge patch.
	if !bytes.Contains(ev.Data, []byte(`"deletion_confirmed": null`)) {
		t.Errorf("data lost the null: %s", ev.Data)
	}
}

func checkSubjects(t *testing.T, ev incident.Event) {
	b, err := SubjectsFromEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if b.IncidentID != "INC-2026-0042" || len(b.Subjects) != 2 {
		t.Fatalf("batch = %+v", b)
	}
	s := b.Subjects[0]
	if s.ID != "u-1001" || s.Email != "ana@example.com" || len(s.Channels) != 3 || s.PushTokens[0] != "fcm-token-1" {
		t.Errorf("subject 0 decoded wrong (id %s)", s.ID)
	}
}

func checkClosed(t *testing.T, ev incident.Event) {
	c, err := ClosureFromEvent(ev)
	if err != nil {
		t.Fatal(err)
	}
	if c.IncidentID != "INC-2026-0042" || c.ClosedAt == nil || len(c.FinalMeasures) != 1 || c.RootCause == "" {
		t.Errorf("closure = %+v", c)
	}
}

func TestDecodeStructuredWithoutContentType(t *testing.T) {
	ev, err := Decode(readFile(t, "closed.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt-0042-4" {
		t.Errorf("id = %q", ev.ID)
	}
}

func binaryHeaders() map[string]string {
	return map[string]string{
		"ce_specversion": "1.0",
		"ce_id":          "evt-bin-1",
		"ce_source":      "urn:psirt:kcat",
		"ce_type":        incident.TypeOpened,
		"ce_time":        "2026-11-19T09:05:00.5+01:00",
		"ce_subject":     "INC-2026-0042",
		"Content-Type":   ContentTypeJSON,
	}
}

func dataOf(t *testing.T, name string) []byte {
	t.Helper()
	var ev struct{ Data json.RawMessage }
	if err := json.Unmarshal(readFile(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	return ev.Data
}

func TestDecodeBinary(t *testing.T) {
	body := dataOf(t, "opened.json")
	ev, err := Decode(append([]byte("\n"), body...), binaryHeaders())
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := time.Date(2026, 11, 19, 8, 5, 0, 5e8, time.UTC)
	if ev.ID != "evt-bin-1" || ev.Source != "urn:psirt:kcat" || ev.Type != incident.TypeOpened ||
		ev.Subject != "INC-2026-0042" || ev.DataContentType != ContentTypeJSON || !ev.Time.Equal(want) {
		t.Errorf("envelope = %+v", ev)
	}
	if !bytes.Equal(ev.Data, body) {
		t.Errorf("data = %s", ev.Data)
	}
	f, err := FactsFromEvent(ev)
	if err != nil || f.Title == "" {
		t.Errorf("facts %+v, %v", f, err)
	}
}

func TestDecodeBinaryInvalid(t *testing.T) {
	body := dataOf(t, "opened.json")
	cases := []struct {
		name, header, value, field string
	}{
		{"missing id", "ce_id", "", "id"},
		{"bad time", "ce_time", "yesterday", "time"},
		{"bad specversion", "ce_specversion", "0.3", "specversion"},
		{"unknown type", "ce_type", "security.incident.deleted", "type"},
		{"text body", "content-type", "text/plain", "datacontenttype"},
		{"other incident", "ce_subject", "INC-OTHER", "subject"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := binaryHeaders()
			delete(hs, "Content-Type")
			delete(hs, c.header)
			if c.value != "" {
				hs[c.header] = c.value
			}
			_, err := Decode(body, hs)
			assertInvalid(t, err, c.field, "")
		})
	}
}

func assertInvalid(t *testing.T, err error, field, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Decode accepted it, want error on %q", field)
	}
	if incident.ErrorCode(err) != incident.CodeInvalid {
		t.Fatalf("code = %q (%v)", incident.ErrorCode(err), err)
	}
	if got := incident.ErrorField(err); got != field {
		t.Fatalf("field = %q, want %q (%v)", got, field, err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("error %q does not say %q", err, reason)
	}
}
