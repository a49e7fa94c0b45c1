package main

import (
	"context"
	"os"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/contract"
)

// runClassify prints the decision for one event or bare facts object, offline:
// the same classifier the daemon runs, without sending anything.
func runClassify(_ context.Context, e *env, args []string) error {
	fs := newFlagSet("classify", e)
	policyPath := fs.String("policy", os.Getenv("HERALD_POLICY_FILE"), "policy file (default: the built-in policy)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	path := "-"
	switch len(pos) {
	case 0:
	case 1:
		path = pos[0]
	default:
		return usagef("takes at most one FILE (or - for stdin)")
	}
	raw, err := readInput(path, e.stdin)
	if err != nil {
		return err
	}
	facts, err := factsFromInput(raw)
	if err != nil {
		return err
	}
	p, err := loadPolicy(*policyPath)
	if err != nil {
		return err
	}
	return writeJSON(e.stdout, classify.New(p).Decide(facts, incident.Population{}))
}

// factsFromInput decodes an opened/updated event or a bare facts object.
func factsFromInput(raw []byte) (incident.Facts, error) {
	_, isEvent, err := splitInput(raw)
	if err != nil {
		return incident.Facts{}, err
	}
	if !isEvent {
		return contract.DecodeFacts(raw)
	}
	ev, err := contract.Decode(raw, ceHeaders)
	if err != nil {
		return incident.Facts{}, err
	}
	if ev.Type != incident.TypeOpened && ev.Type != incident.TypeUpdated {
		return incident.Facts{}, incident.Invalid("type", "%q carries no facts; want %s or %s",
			ev.Type, incident.TypeOpened, incident.TypeUpdated)
	}
	return contract.FactsFromEvent(ev)
}
