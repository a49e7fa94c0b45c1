package contract

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const calibrationDir = "../../../shared/examples/calibration"

func TestCalibrationExamplesDecode(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(calibrationDir, "*.json"))
	if len(files) == 0 {
		t.Skip("no calibration examples at " + calibrationDir)
	}
	for _, path := range files {
		if filepath.Base(path) == "expected.json" {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := Decode(b, map[string]string{"content-type": ContentTypeCloudEvents})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			f, err := FactsFromEvent(ev)
			if err != nil || f.IncidentID != ev.Subject {
				t.Fatalf("facts of %s: %+v, %v", ev.ID, f, err)
			}
		})
	}
}

// event.schema.json alone (envelope plus data by type) is what outside tools
// validate with; it must agree with Decode on what is valid.
func TestEventSchemaAgreesWithDecode(t *testing.T) {
	s, err := schemas()
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for _, name := range []string{"opened.json", "updated.json", "subjects.json", "closed.json"} {
		docs[name] = readFile(t, name)
	}
	docs["deep enum"] = mutated(t, "opened.json", func(ev map[string]any) {
		obj(obj(ev["data"])["breach"])["integrity"] = "shredded"
	})
	docs["subject channel"] = mutated(t, "subjects.json", func(ev map[string]any) {
		obj(obj(ev["data"])["subjects"].([]any)[1])["channels"] = []any{"pager"}
	})
	docs["opened as update"] = mutated(t, "updated.json", func(ev map[string]any) { ev["type"] = incident.TypeOpened })
	docs["closed without id"] = mutated(t, "closed.json", func(ev map[string]any) { delete(obj(ev["data"]), "incident_id") })
	for name, b := range docs {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := s.event.Validate(doc)
		_, decodeErr := Decode(b, nil)
		if (schemaErr == nil) != (decodeErr == nil) {
			t.Errorf("%s: event.schema.json says %v, Decode says %v", name, schemaErr, decodeErr)
		}
	}
}

func TestSchemaFilesAreEmbedded(t *testing.T) {
	for _, name := range []string{"event", "facts", "subjects", "closed"} {
		b, err := Schemas.ReadFile("schema/" + name + ".schema.json")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"$id": "`+SchemaBase+name+`.schema.json"`)) {
			t.Errorf("%s.schema.json has another $id", name)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"opened.json", "updated.json", "subjects.json", "closed.json", "facts.json"} {
		f.Add(readFile(f, name), false)
	}
	f.Add([]byte(`{"incident_id":"INC-1","subjects":[{"id":"u"}]}`), true)
	f.Add([]byte(`{"specversion":"1.0","data":[]}`), false)
	f.Add([]byte(`null`), true)
	f.Fuzz(func(t *testing.T, value []byte, binary bool) {
		hs := map[string]string{}
		if binary {
			hs = map[string]string{
				"ce_specversion": "1.0", "ce_id": "e", "ce_source": "s",
				"ce_type": incident.TypeSubjects, "ce_subject": "INC-1",
			}
		}
		ev, err := Decode(value, hs)
		if err != nil {
			if incident.ErrorCode(err) != incident.CodeInvalid {
				t.Fatalf("error without code invalid: %v", err)
			}
			return
		}
		if ev.ID == "" || ev.Source == "" || ev.Type == "" || len(ev.Data) == 0 {
			t.Fatalf("accepted an incomplete event: %+v", ev)
		}
		_, _ = DecodeFacts(value)
	})
}
