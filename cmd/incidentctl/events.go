package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
)

// maxInput bounds a single event or facts file; subjects go through the
// streamed import instead.
const maxInput = 16 << 20

func runOpen(ctx context.Context, e *env, args []string) error {
	return sendFacts(ctx, e, "open", incident.TypeOpened, args)
}

func runUpdate(ctx context.Context, e *env, args []string) error {
	return sendFacts(ctx, e, "update", incident.TypeUpdated, args)
}

// sendFacts implements open and update: read an event or bare facts, wrap,
// validate, send, print the ids.
func sendFacts(ctx context.Context, e *env, name, typ string, args []string) error {
	fs := newFlagSet(name, e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("needs exactly one FILE, or - for stdin")
	}
	raw, err := readInput(pos[0], e.stdin)
	if err != nil {
		return err
	}
	value, ev, incidentID, err := factsEvent(raw, typ)
	if err != nil {
		return err
	}
	if err := sendOne(ctx, e, incidentID, value); err != nil {
		return err
	}
	printSent(e, ev.Type, ev.ID, incidentID)
	return nil
}

func printSent(e *env, typ, eventID, incidentID string) {
	fmt.Fprintf(e.stdout, "sent %s event_id=%s incident_id=%s\n", typ, eventID, incidentID)
}

// readInput reads FILE, or stdin for "-".
func readInput(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open input: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if len(b) > maxInput {
		return nil, incident.Invalid("", "input is larger than %d MiB", maxInput>>20)
	}
	return b, nil
}

// splitInput tells a CloudEvent (it has "specversion") from a bare facts
// object and returns the object's top-level fields.
func splitInput(raw []byte) (fields map[string]json.RawMessage, isEvent bool, err error) {
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, false, jsonInvalid(err)
	}
	if fields == nil {
		return nil, false, incident.Invalid("", "input is null, want a JSON object")
	}
	_, isEvent = fields["specversion"]
	return fields, isEvent, nil
}

// jsonInvalid turns a JSON syntax or type error into an invalid-input error
// without quoting the input.
func jsonInvalid(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return incident.Invalid("", "malformed JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return incident.Invalid(e.Field, "is a JSON %s, want %s", e.Value, e.Type)
		}
		return incident.Invalid("", "input is a JSON %s, want an object", e.Value)
	}
	return incident.Invalid("", "malformed JSON: %v", err)
}

// factsEvent returns the validated wire bytes of an opened/updated event
// built from raw (an event of that type, or bare facts to wrap), the decoded
// event and its incident id.
func factsEvent(raw []byte, typ string) ([]byte, incident.Event, string, error) {
	fields, isEvent, err := splitInput(raw)
	if err != nil {
		return nil, incident.Event{}, "", err
	}
	value, err := compactJSON(raw)
	if err != nil {
		return nil, incident.Event{}, "", err
	}
	if !isEvent {
		id, err := stringField(fields, "incident_id")
		if err != nil {
			return nil, incident.Event{}, "", err
		}
		// Wrap the bytes as given: an update's nulls must reach the merge patch.
		if value, err = json.Marshal(newEvent(randomID(), typ, id, value)); err != nil {
			return nil, incident.Event{}, "", fmt.Errorf("encode event: %w", err)
		}
	}
	ev, err := contract.Decode(value, ceHeaders)
	if err != nil {
		return nil, incident.Event{}, "", err
	}
	if ev.Type != typ {
		return nil, incident.Event{}, "", incident.Invalid("type", "is %q, this command sends %q", ev.Type, typ)
	}
	id, err := dataIncidentID(ev)
	return value, ev, id, err
}

// dataIncidentID reads data.incident_id, the Kafka key of every event.
func dataIncidentID(ev incident.Event) (string, error) {
	var d struct {
		IncidentID string `json:"incident_id"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil || d.IncidentID == "" {
		return "", incident.Invalid("data.incident_id", "is required")
	}
	return d.IncidentID, nil
}

func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	var s string
	if err := json.Unmarshal(fields[name], &s); err != nil || s == "" {
		return "", incident.Invalid(name, "is required and must be a non-empty string")
	}
	return s, nil
}

func compactJSON(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, jsonInvalid(err)
	}
	return buf.Bytes(), nil
}

func runClose(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("close", e)
	rootCause := fs.String("root-cause", "", "root cause or threat type")
	var measures stringList
	fs.Var(&measures, "final-measure", "a mitigation applied (repeatable)")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	value, ev, err := closeEvent(id, *rootCause, measures)
	if err != nil {
		return err
	}
	if err := sendOne(ctx, e, id, value); err != nil {
		return err
	}
	printSent(e, ev.Type, ev.ID, id)
	return nil
}

func closeEvent(id, rootCause string, measures []string) ([]byte, incident.Event, error) {
	now := time.Now().UTC().Truncate(time.Second)
	data, err := json.Marshal(incident.Closure{
		IncidentID: id, RootCause: rootCause, FinalMeasures: measures, ClosedAt: &now,
	})
	if err != nil {
		return nil, incident.Event{}, fmt.Errorf("encode closure: %w", err)
	}
	ev := newEvent(randomID(), incident.TypeClosed, id, data)
	value, err := encodeEvent(ev)
	return value, ev, err
}
