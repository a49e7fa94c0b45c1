// Package contract is the wire contract of EVENTS.md: the JSON Schema files of
// the incident events (embedded from schema/) and the decoding of a Kafka
// message value and headers into a validated incident.Event. It does no I/O;
// every error it returns is an incident.Invalid naming the first failing field
// and the rule it broke, never the value (subjects' values are contact details).
package contract

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Media types of the two CloudEvents modes.
const (
	ContentTypeCloudEvents = "application/cloudevents+json"
	ContentTypeJSON        = "application/json"
)

// headerPrefix marks CloudEvents attributes in the Kafka binary binding.
const headerPrefix = "ce_"

// binaryAttrs are the envelope attributes read from ce_* headers.
var binaryAttrs = []string{"specversion", "id", "source", "type", "time", "subject", "datacontenttype"}

// wire is the envelope as it appears in structured mode; time stays a string
// so that a bad one is reported by field rather than by the JSON decoder.
type wire struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Time            string          `json:"time"`
	Subject         string          `json:"subject"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
}

// Decode turns a Kafka message value and its headers into a validated event.
// Structured mode (content-type application/cloudevents+json, or no
// ce_specversion header) reads the whole envelope from the value; binary mode
// (ce_* headers) reads the attributes from headers and the data from the
// value. Header names are matched case-insensitively.
func Decode(value []byte, headers map[string]string) (incident.Event, error) {
	s, err := schemas()
	if err != nil {
		return incident.Event{}, err
	}
	h := lowerKeys(headers)
	var ev incident.Event
	var data any
	if isBinary(h) {
		ev, data, err = decodeBinary(s, value, h)
	} else {
		ev, data, err = decodeStructured(s, value)
	}
	if err != nil {
		return incident.Event{}, err
	}
	if err := checkData(s, ev, data); err != nil {
		return incident.Event{}, err
	}
	return ev, nil
}

func isBinary(h map[string]string) bool {
	if strings.HasPrefix(h["content-type"], ContentTypeCloudEvents) {
		return false
	}
	_, ok := h[headerPrefix+"specversion"]
	return ok
}

func decodeStructured(s *schemaSet, value []byte) (incident.Event, any, error) {
	doc, err := parseJSON(value)
	if err != nil {
		return incident.Event{}, nil, err
	}
	if err := validate(s.envelope, doc, ""); err != nil {
		return incident.Event{}, nil, err
	}
	var w wire
	if err := json.Unmarshal(value, &w); err != nil {
		// The schema accepted it, so only a mismatch with Go's decoder is left.
		return incident.Event{}, nil, incident.Invalid("body", "does not fit the event envelope")
	}
	ev := incident.Event{
		SpecVersion: w.SpecVersion, ID: w.ID, Source: w.Source, Type: w.Type,
		Subject: w.Subject, DataContentType: w.DataContentType, Data: w.Data,
	}
	if err := setTime(&ev, w.Time); err != nil {
		return incident.Event{}, nil, err
	}
	return ev, doc.(map[string]any)["data"], nil
}

func decodeBinary(s *schemaSet, value []byte, h map[string]string) (incident.Event, any, error) {
	data, err := parseJSON(value)
	if err != nil {
		return incident.Event{}, nil, err
	}
	doc := map[string]any{"data": data}
	for _, a := range binaryAttrs {
		if v, ok := h[headerPrefix+a]; ok {
			doc[a] = v
		}
	}
	// The Kafka binding carries datacontenttype in the content-type header.
	if _, ok := doc["datacontenttype"]; !ok && h["content-type"] != "" {
		doc["datacontenttype"] = h["content-type"]
	}
	if err := validate(s.envelope, doc, ""); err != nil {
		return incident.Event{}, nil, err
	}
	str := func(k string) string { v, _ := doc[k].(string); return v }
	ev := incident.Event{
		SpecVersion: str("specversion"), ID: str("id"), Source: str("source"), Type: str("type"),
		Subject: str("subject"), DataContentType: str("datacontenttype"),
		Data: json.RawMessage(bytes.TrimSpace(value)),
	}
	if err := setTime(&ev, str("time")); err != nil {
		return incident.Event{}, nil, err
	}
	return ev, data, nil
}

// checkData validates data against the schema of the event's type, checks
// that the subject names the same incident, and that the data decode into
// their Go type, so the *FromEvent helpers cannot fail on a decoded event.
func checkData(s *schemaSet, ev incident.Event, data any) error {
	if err := validate(s.dataSchema(ev.Type), data, "data"); err != nil {
		return err
	}
	id, _ := data.(map[string]any)["incident_id"].(string)
	if ev.Subject != "" && ev.Subject != id {
		return incident.Invalid("subject", "must equal data.incident_id")
	}
	var err error
	switch ev.Type {
	case incident.TypeOpened, incident.TypeUpdated:
		_, err = FactsFromEvent(ev)
	case incident.TypeSubjects:
		_, err = SubjectsFromEvent(ev)
	case incident.TypeClosed:
		_, err = ClosureFromEvent(ev)
	}
	return err
}

func setTime(ev *incident.Event, s string) error {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return incident.Invalid("time", "must be an RFC 3339 date-time")
	}
	ev.Time = &t
	return nil
}

// parseJSON decodes a value the way the schema library expects (numbers kept
// exact). The decoder's message is dropped: it can quote the input.
func parseJSON(value []byte) (any, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(value))
	if err != nil {
		return nil, incident.Invalid("body", "not JSON")
	}
	return doc, nil
}

func lowerKeys(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = v
	}
	return out
}
