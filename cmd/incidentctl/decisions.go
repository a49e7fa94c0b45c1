package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// runDecisions prints an incident's decision audit log: every version, what
// changed from the one before, and the reason the team gave.
func runDecisions(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("decisions", e)
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	body, err := getIncidentPart(ctx, e.cfg.api, id, "/decisions")
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := fmt.Fprintln(e.stdout, strings.TrimRight(string(body), "\n"))
		return err
	}
	var ds []incident.Decision
	if err := json.Unmarshal(body, &ds); err != nil {
		return fmt.Errorf("decode API response: %w", err)
	}
	printDecisions(e.stdout, id, ds)
	return nil
}

func printDecisions(w io.Writer, id string, ds []incident.Decision) {
	fmt.Fprintf(w, "incident %s: %d decision versions, oldest first\n", id, len(ds))
	for _, d := range ds {
		fmt.Fprintf(w, "\nv%d  decided %s\n", d.Version, whenPtr(d.DecidedAt))
		fmt.Fprintf(w, "    severity %s (%.2f), risk %s\n", orDash(d.Severity.Band), d.Severity.Score, orDash(d.Risk))
		fmt.Fprintf(w, "    duties: %s\n", duties(d))
		if d.Review != nil && d.Review.HumanReviewRequired {
			fmt.Fprintf(w, "    human review required (%d signals)\n", len(d.Review.Signals))
		}
		if d.ChangeReason != "" {
			fmt.Fprintf(w, "    reason: %s\n", d.ChangeReason)
		}
		if d.Version > 1 && len(d.Changes) == 0 {
			fmt.Fprintln(w, "    no change in substance")
		}
		for _, c := range d.Changes {
			fmt.Fprintf(w, "    %s\n", changeLine(c))
		}
	}
}

// changeLine shows one change; a held one says what would unhold it.
func changeLine(c incident.Change) string {
	line := fmt.Sprintf("%s: %s -> %s", c.Field, c.From, c.To)
	if c.Held {
		line += "  HELD at " + c.From + ": send an update with change_reason to confirm"
	}
	return line
}

// duties lists what a decision requires, the obligations by regime.
func duties(d incident.Decision) string {
	var out []string
	for _, duty := range []struct {
		on   bool
		name string
	}{{d.NotifyAuthority, "notify authority"}, {d.NotifySubjects, "notify subjects"}, {d.PublicNotice, "public notice"}} {
		if duty.on {
			out = append(out, duty.name)
		}
	}
	var regimes []string
	for _, o := range d.Obligations {
		switch {
		case o.Required && o.Subjects != nil && o.Subjects.Required:
			regimes = append(regimes, o.Regime+" (+subjects)")
		case o.Required:
			regimes = append(regimes, o.Regime)
		case o.Subjects != nil && o.Subjects.Required:
			regimes = append(regimes, o.Regime+" (subjects only)")
		}
	}
	if len(regimes) > 0 {
		out = append(out, "reports to "+strings.Join(regimes, ", "))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}

// decisionVersion is the status line for the current decision.
func decisionVersion(d incident.Decision) string {
	if d.Version == 0 {
		return "-"
	}
	s := fmt.Sprintf("version %d, decided %s", d.Version, whenPtr(d.DecidedAt))
	if n := len(d.Changes); n > 0 {
		s += fmt.Sprintf(", %d changes (incidentctl decisions %s)", n, d.IncidentID)
	}
	return s
}

func whenPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return when(*t)
}
