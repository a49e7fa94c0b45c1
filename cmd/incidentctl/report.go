package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// reportCommands are the subcommands of `incidentctl report`.
var reportCommands = map[string]command{
	"list":     runReportList,
	"show":     runReportShow,
	"generate": runReportGenerate,
}

// runReport dispatches `report list|show|generate`.
func runReport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("needs list, show or generate")
	}
	sub, ok := reportCommands[args[0]]
	if !ok {
		return usagef("unknown report command %q (list, show, generate)", args[0])
	}
	return sub(ctx, e, args[1:])
}

// runReportList prints an incident's report versions, oldest first.
func runReportList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report list", e)
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	body, err := callAPI(ctx, e.cfg.api, "GET", reportsPath(id), nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return printRaw(e, body)
	}
	var reps []incident.Report
	if err := json.Unmarshal(body, &reps); err != nil {
		return fmt.Errorf("decode API response: %w", err)
	}
	printReportList(e.stdout, id, reps)
	return nil
}

// runReportShow prints one report version: its header and every field.
func runReportShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report show", e)
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] == "" {
		return usagef("needs INCIDENT_ID VERSION")
	}
	version, err := strconv.Atoi(pos[1])
	if err != nil || version < 1 {
		return incident.Invalid("version", "%q is not a report version (a whole number from 1)", pos[1])
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	body, err := callAPI(ctx, e.cfg.api, "GET", reportsPath(pos[0])+"/"+strconv.Itoa(version), nil)
	if err != nil {
		return err
	}
	if *asJSON {
		return printRaw(e, body)
	}
	rep, err := decodeReport(body)
	if err != nil {
		return err
	}
	printReport(e.stdout, rep)
	return nil
}

func reportsPath(id string) string {
	return "/api/v1/incidents/" + url.PathEscape(id) + "/reports"
}

// decodeReport keeps numbers in the fields as the API wrote them.
func decodeReport(body []byte) (incident.Report, error) {
	var rep incident.Report
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&rep); err != nil {
		return rep, fmt.Errorf("decode API response: %w", err)
	}
	return rep, nil
}

func printRaw(e *env, body []byte) error {
	_, err := fmt.Fprintln(e.stdout, strings.TrimRight(string(body), "\n"))
	return err
}
