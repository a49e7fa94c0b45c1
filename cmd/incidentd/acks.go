package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// Routes that record an authority's acknowledgement of a report version:
// the authority's own (its bearer token says who it is), and the team's,
// for an acknowledgement that came by mail or phone.
const (
	authorityAckRoute = "POST /api/v1/authority/reports/{id}/{version}/acknowledgement"
	teamAckRoute      = "POST /api/v1/incidents/{id}/reports/{version}/acknowledgement"
)

// maxAckBody bounds an acknowledgement: two short strings.
const maxAckBody = 8 << 10

// maxAckReference bounds the authority's reference (its case number).
const maxAckReference = 200

// teamAck is the body of the team's route.
type teamAck struct {
	AuthorityID string `json:"authority_id"`
	Reference   string `json:"reference"`
}

// authorityAck is the body of the authority's route: it cannot name
// another authority.
type authorityAck struct {
	Reference string `json:"reference"`
}

// acknowledgeReport records, for the team, that an authority acknowledged
// a version it was sent: 200 with the delivery row, 404 when that
// authority was not sent that version.
func (a *httpAPI) acknowledgeReport(w http.ResponseWriter, r *http.Request) {
	var body teamAck
	if err := decodeAck(w, r, &body); err != nil {
		a.failField(w, err)
		return
	}
	body.AuthorityID = strings.TrimSpace(body.AuthorityID)
	if body.AuthorityID == "" {
		a.failField(w, incident.Invalid("authority_id", "is required: the authorities file's id, or %q", "default"))
		return
	}
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		a.failField(w, incident.Invalid("version", "must be a whole number"))
		return
	}
	d, err := a.store.AcknowledgeReport(r.Context(), r.PathValue("id"), version, body.AuthorityID, body.Reference, time.Now().UTC())
	if err != nil {
		a.failField(w, err)
		return
	}
	a.log.Info("report acknowledgement recorded by the team", zap.String("incident", d.IncidentID),
		zap.Int("version", d.Version), zap.String("authority", d.AuthorityID))
	writeJSON(w, http.StatusOK, d)
}

// acknowledge is the authority's route: only for one of its own reports.
// An authority that reads its reports over the API (no delivery
// configured) has no delivery row yet; its acknowledgement records one,
// as made available over the API.
func (g *authorityGate) acknowledge(w http.ResponseWriter, r *http.Request) {
	rep, ok := g.ownReport(w, r)
	if !ok {
		return
	}
	var body authorityAck
	if err := decodeAck(w, r, &body); err != nil {
		g.api.failField(w, err)
		return
	}
	a := authorityOf(r)
	d, err := g.record(r.Context(), rep, a.ID, body.Reference)
	if err != nil {
		g.api.failField(w, err)
		return
	}
	g.log.Info("authority acknowledged report", zap.String("authority", a.ID), zap.String("incident", d.IncidentID),
		zap.Int("version", d.Version))
	writeJSON(w, http.StatusOK, d)
}

func (g *authorityGate) record(ctx context.Context, rep incident.Report, authorityID, reference string) (incident.ReportDelivery, error) {
	now := time.Now().UTC()
	d, err := g.api.store.AcknowledgeReport(ctx, rep.IncidentID, rep.Version, authorityID, reference, now)
	if incident.ErrorCode(err) != incident.CodeNotFound {
		return d, err
	}
	sent := rep.GeneratedAt
	if err := g.api.store.SaveReportDelivery(ctx, incident.ReportDelivery{IncidentID: rep.IncidentID, Version: rep.Version,
		AuthorityID: authorityID, Method: "api", Status: incident.ReportDeliverySent, Provider: "api", SentAt: &sent}); err != nil {
		return d, err
	}
	return g.api.store.AcknowledgeReport(ctx, rep.IncidentID, rep.Version, authorityID, reference, now)
}

// decodeAck reads one JSON object with no unknown fields into v and checks
// its reference: optional, short, printable.
func decodeAck(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAckBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return incident.Invalid("body", "want one JSON object: %v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return incident.Invalid("body", "want a single JSON object")
	}
	var ref string
	switch b := v.(type) {
	case *teamAck:
		b.Reference = strings.TrimSpace(b.Reference)
		ref = b.Reference
	case *authorityAck:
		b.Reference = strings.TrimSpace(b.Reference)
		ref = b.Reference
	}
	if len(ref) > maxAckReference || !printable(ref) {
		return incident.Invalid("reference", "must be at most %d printable characters", maxAckReference)
	}
	return nil
}
