package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// ackRequest is the body of POST .../reports/{version}/acknowledgement.
type ackRequest struct {
	AuthorityID string `json:"authority_id"`
	Reference   string `json:"reference,omitempty"`
}

// runReportAck records that an authority acknowledged a report version
// (a receipt by email, a case number on its portal), for a delivery whose
// acknowledgement did not come back by itself.
func runReportAck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("report ack", e)
	authority := fs.String("authority", "", "the authority's id, as `report show` lists it (e.g. de-bfdi)")
	reference := fs.String("reference", "", "the authority's reference for the report (e.g. its case number)")
	asJSON := fs.Bool("json", false, "print the API's JSON as is")
	id, version, err := parseReportRef(fs, args)
	if err != nil {
		return err
	}
	req := ackRequest{AuthorityID: strings.TrimSpace(*authority), Reference: strings.TrimSpace(*reference)}
	if req.AuthorityID == "" {
		return incident.Invalid("authority", "is required (--authority, the authority's id as `incidentctl report show %s %d` lists it)", id, version)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := withTimeout(ctx, e)
	defer cancel()
	answer, err := callAPI(ctx, e.cfg.api, "POST", reportPath(id, version)+"/acknowledgement", body)
	if err != nil {
		return ackFailure(err, id, version)
	}
	if *asJSON {
		return printRaw(e, answer)
	}
	var d incident.ReportDelivery
	if err := json.Unmarshal(answer, &d); err != nil {
		return fmt.Errorf("decode API response: %w", err)
	}
	printAcknowledged(e.stdout, d)
	return nil
}

// ackFailure points an API refusal at what the user typed: a body field
// the API names is the flag that set it ("authority_id" is --authority),
// and a delivery not found says where the authorities are listed.
func ackFailure(err error, id string, version int) error {
	var ie *incident.Error
	if !errors.As(err, &ie) {
		return err
	}
	switch ie.Code {
	case incident.CodeInvalid:
		if f, ok := ackFlags[ie.Field]; ok {
			return &incident.Error{Code: ie.Code, Field: f, Message: ie.Message + " (--" + f + ")"}
		}
	case incident.CodeNotFound:
		return incident.NotFound("%s (check --authority and the version: `incidentctl report show %s %d` lists where it went)",
			ie.Message, id, version)
	}
	return err
}

// ackFlags maps the request's JSON fields to the flags that set them.
var ackFlags = map[string]string{"authority_id": "authority", "reference": "reference"}

// printAcknowledged confirms the acknowledgement with the row as it is now.
func printAcknowledged(w io.Writer, d incident.ReportDelivery) {
	fmt.Fprintf(w, "acknowledgement recorded: incident %s, report version %d, authority %s\n", d.IncidentID, d.Version, d.AuthorityID)
	printDelivery(w, "  ", d)
}
