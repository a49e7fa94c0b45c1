package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
)

const (
	demoIncident = "demo/incident.json"
	demoSubjects = "demo/subjects.jsonl"
)

// demoTimeFields are the facts timestamps moved with the demo's clock.
var demoTimeFields = []string{"occurred_from", "occurred_to", "detected_at", "aware_at", "contained_at", "closed_at"}

// runDemo publishes the embedded demo incident and its subjects. By default
// it moves the incident's timestamps so that the event time is now, so the
// deadline clocks show time left rather than months overdue.
func runDemo(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet("demo", e)
	asIs := fset.Bool("as-is", false, "publish the demo incident with its original timestamps")
	if pos, err := parseArgs(fset, args); err != nil {
		return err
	} else if len(pos) != 0 {
		return usagef("takes no arguments")
	}
	raw, subjects, err := demoFiles(*asIs)
	if err != nil {
		return err
	}
	value, ev, incidentID, err := factsEvent(raw, incident.TypeOpened)
	if err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	p, err := dialProducer(ctx, e)
	if err != nil {
		return err
	}
	defer p.Close()
	if err := p.sendTimeout(ctx, e, incidentID, value); err != nil {
		return err
	}
	printSent(e, ev.Type, ev.ID, incidentID)
	sum := sha256.Sum256(subjects)
	job := importJob{incidentID: incidentID, name: demoSubjects, hash: hex.EncodeToString(sum[:]),
		size: int64(len(subjects)), r: bytes.NewReader(subjects), batch: defaultBatch, quiet: true}
	if err := importAndReport(ctx, e, job, p); err != nil {
		return err
	}
	printNextSteps(e, incidentID)
	return nil
}

func demoFiles(asIs bool) (incidentJSON, subjects []byte, err error) {
	incidentJSON, err = fs.ReadFile(examples.Demo, demoIncident)
	if err != nil {
		return nil, nil, fmt.Errorf("read embedded demo: %w", err)
	}
	subjects, err = fs.ReadFile(examples.Demo, demoSubjects)
	if err != nil {
		return nil, nil, fmt.Errorf("read embedded demo: %w", err)
	}
	if !asIs {
		if incidentJSON, err = shiftToNow(incidentJSON, now().UTC()); err != nil {
			return nil, nil, err
		}
	}
	return incidentJSON, subjects, nil
}

// shiftToNow moves the event time to t and every facts timestamp by the
// same amount, keeping their order and gaps.
func shiftToNow(raw []byte, t time.Time) ([]byte, error) {
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

func printNextSteps(e *env, incidentID string) {
	api := strings.TrimRight(e.cfg.api, "/")
	fmt.Fprintf(e.stdout, `
Demo incident %[1]s published. What to look at next:
  - the outbox folder of incidentd (./data/outbox unless configured otherwise):
    one file per message that would have gone out by email, SMS or push
  - the public Security Notice for subjects who cannot be reached: %[2]s/notices/
  - the decision, deadlines and delivery progress:
      incidentctl status %[1]s
`, incidentID, api)
}
