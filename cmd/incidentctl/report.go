package main

import (
	"context"
	"encoding/json"
	"flag"
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
	"ack":      runReportAck,
}

// runReport dispatches `report list|show|generate`.
func runReport(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("needs list, show, generate or ack")
	}
	sub, ok := reportCommands[args[0]]
	if !ok {
		return usagef("unknown report command %q (list, show, generate, ack)", args[0])
	}
	return sub(ctx, e, args[1:])
}

// runReportList prints an incident's report versions, oldest first, each
// with its trigger and how it reached the authorities.
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
	deliveries, err := fetchDeliveries(ctx, e, id)
	if err != nil {
		return err
	}
	printReportList(e.stdout, id, reps, deliveries)
	return nil
}

// runReportShow prints one report version: its header, how it reached
// each authority, and every field.
func runReportShow(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report show", e)
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, version, err := parseReportRef(fs, args)
	if err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	body, err := callAPI(ctx, e.cfg.api, "GET", reportPath(id, version), nil)
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
	deliveries, err := fetchDeliveries(ctx, e, id)
	if err != nil {
		return err
	}
	printReport(e.stdout, rep, deliveriesOf(deliveries, version))
	return nil
}

// parseReportRef parses the flags of a command that takes INCIDENT_ID
// VERSION, and returns them.
func parseReportRef(fs *flag.FlagSet, args []string) (string, int, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", 0, err
	}
	if len(pos) != 2 || pos[0] == "" {
		return "", 0, usagef("needs INCIDENT_ID VERSION")
	}
	version, err := strconv.Atoi(pos[1])
	if err != nil || version < 1 {
		return "", 0, incident.Invalid("version", "%q is not a report version (a whole number from 1)", pos[1])
	}
	return pos[0], version, nil
}

func reportsPath(id string) string {
	return "/api/v1/incidents/" + url.PathEscape(id) + "/reports"
}

func reportPath(id string, version int) string {
	return reportsPath(id) + "/" + strconv.Itoa(version)
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
