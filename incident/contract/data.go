package contract

import (
	"encoding/json"
	"errors"
	"reflect"

	"github.com/herald-notify/herald/incident"
)

// DecodeFacts decodes a bare facts object (not wrapped in an event), as
// `incidentctl classify FILE` may be given, and validates it against
// facts.schema.json. Only incident_id is required.
func DecodeFacts(b []byte) (incident.Facts, error) {
	s, err := schemas()
	if err != nil {
		return incident.Facts{}, err
	}
	doc, err := parseJSON(b)
	if err != nil {
		return incident.Facts{}, err
	}
	if err := validate(s.facts, doc, ""); err != nil {
		return incident.Facts{}, err
	}
	var f incident.Facts
	if err := unmarshalData(b, "", &f); err != nil {
		return incident.Facts{}, err
	}
	return vetFacts(f, "")
}

// FactsFromEvent returns the facts of an `opened` event, or the fields an
// `updated` event sets (the rest stay zero: merge the raw data with
// incident.MergePatch to keep null deletions).
func FactsFromEvent(ev incident.Event) (incident.Facts, error) {
	if ev.Type != incident.TypeOpened && ev.Type != incident.TypeUpdated {
		return incident.Facts{}, wrongType(incident.TypeOpened, incident.TypeUpdated)
	}
	var f incident.Facts
	if err := unmarshalData(ev.Data, "data", &f); err != nil {
		return incident.Facts{}, err
	}
	return vetFacts(f, "data")
}

// SubjectsFromEvent returns the batch of a `subjects` event.
func SubjectsFromEvent(ev incident.Event) (incident.SubjectsBatch, error) {
	if ev.Type != incident.TypeSubjects {
		return incident.SubjectsBatch{}, wrongType(incident.TypeSubjects)
	}
	var b incident.SubjectsBatch
	if err := unmarshalData(ev.Data, "data", &b); err != nil {
		return incident.SubjectsBatch{}, err
	}
	return b, nil
}

// ClosureFromEvent returns the closure of a `closed` event.
func ClosureFromEvent(ev incident.Event) (incident.Closure, error) {
	if ev.Type != incident.TypeClosed {
		return incident.Closure{}, wrongType(incident.TypeClosed)
	}
	var c incident.Closure
	if err := unmarshalData(ev.Data, "data", &c); err != nil {
		return incident.Closure{}, err
	}
	return c, nil
}

func wrongType(want ...string) error {
	if len(want) == 1 {
		return incident.Invalid("type", "must be %s", want[0])
	}
	return incident.Invalid("type", "must be %s or %s", want[0], want[1])
}

// unmarshalData decodes JSON into a domain type. Errors name the field where
// the decoder knows it, and never repeat the decoder's message, which quotes
// the offending value.
func unmarshalData(raw []byte, root string, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	field := root
	if field == "" {
		field = "body"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" && root != "" {
			field = root + "." + te.Field
		} else if te.Field != "" {
			field = te.Field
		}
		return incident.Invalid(field, "must be %s", goTypeName(te.Type))
	}
	return incident.Invalid(field, "does not fit the expected shape")
}

func goTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}
