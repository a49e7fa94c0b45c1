package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// runReportGenerate asks incidentd for a new report version of one phase
// (`--regime NIS2 --phase intermediate`). A late phase needs --reasons.
func runReportGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report generate", e)
	regime := fs.String("regime", "", "the obligation's regime, as status shows it (GDPR, NIS2, ...)")
	phase := fs.String("phase", "", "the report phase (initial, intermediate, final, ...)")
	reasons := fs.String("reasons", "", "reasons for the delay (required when the phase is past its due time)")
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*regime) == "" {
		return incident.Invalid("regime", "is required (--regime, e.g. NIS2)")
	}
	if strings.TrimSpace(*phase) == "" {
		return incident.Invalid("phase", "is required (--phase, e.g. intermediate)")
	}
	body, err := json.Marshal(map[string]string{"regime": *regime, "phase": *phase, "reasons": *reasons})
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	answer, err := callAPI(ctx, e.cfg.api, "POST", reportsPath(id), body)
	if err != nil {
		return err
	}
	if *asJSON {
		return printRaw(e, answer)
	}
	rep, err := decodeReport(answer)
	if err != nil {
		return err
	}
	printGenerated(e.stdout, rep)
	return nil
}
