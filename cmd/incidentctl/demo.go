package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
)

const (
	demoIncident = "demo/incident.json"
	demoSubjects = "demo/subjects.jsonl"
)

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
		if incidentJSON, err = examples.ShiftToNow(incidentJSON, now().UTC()); err != nil {
			return nil, nil, err
		}
	}
	return incidentJSON, subjects, nil
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
