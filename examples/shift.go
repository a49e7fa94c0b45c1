package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// demoTimeFields are the facts timestamps moved with the demo's clock.
var demoTimeFields = []string{"occurred_from", "occurred_to", "detected_at", "aware_at", "contained_at", "closed_at"}

// ShiftToNow moves an incident event's time to t and every facts timestamp
// by the same amount, keeping their order and gaps: the demo then has its
// deadlines ahead of it, whatever day it runs.
func ShiftToNow(raw []byte, t time.Time) ([]byte, error) {
	var ev map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as written
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decode demo incident: %w", err)
	}
	was, err := time.Parse(time.RFC3339, fmt.Sprint(ev["time"]))
	if err != nil {
		return nil, fmt.Errorf("demo incident has no event time: %w", err)
	}
	delta := t.Truncate(time.Second).Sub(was)
	ev["time"] = was.Add(delta).Format(time.RFC3339)
	data, _ := ev["data"].(map[string]any)
	for _, k := range demoTimeFields {
		s, ok := data[k].(string)
		if !ok {
			continue
		}
		if ts, err := time.Parse(time.RFC3339, s); err == nil {
			data[k] = ts.Add(delta).UTC().Format(time.RFC3339)
		}
	}
	return json.Marshal(ev)
}
