package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/herald-notify/herald/incident"
)

// maxGenerateBody bounds a report request: three short strings.
const maxGenerateBody = 64 << 10

// generateRequest is the body of POST /api/v1/incidents/{id}/reports.
type generateRequest struct {
	Regime  string `json:"regime"`
	Phase   string `json:"phase"`
	Reasons string `json:"reasons"` // required when the phase is past its due time
}

// generateReport makes a new report version on request (`incidentctl report
// generate`): 201 with the stored report, 400 naming the field, 404 for an
// unknown incident.
func (a *httpAPI) generateReport(w http.ResponseWriter, r *http.Request) {
	if a.reporter == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "reports on request are not configured", "code": "unavailable"})
		return
	}
	req, err := decodeGenerateRequest(w, r)
	if err != nil {
		a.failField(w, err)
		return
	}
	id := r.PathValue("id")
	rep, err := a.reporter.Generate(r.Context(), id, req.Regime, req.Phase, req.Reasons)
	if err != nil {
		a.failField(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/incidents/"+url.PathEscape(id)+"/reports/"+strconv.Itoa(rep.Version))
	writeJSON(w, http.StatusCreated, rep)
}

// decodeGenerateRequest reads one JSON object with no unknown fields, so a
// misspelt "reason" is refused instead of silently dropped.
func decodeGenerateRequest(w http.ResponseWriter, r *http.Request) (generateRequest, error) {
	var req generateRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxGenerateBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, incident.Invalid("body", "want a JSON object {\"regime\", \"phase\", \"reasons\"}: %v", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return req, incident.Invalid("body", "want a single JSON object")
	}
	return req, nil
}

// failField is fail with the offending field named in the body too, so a
// client can point at it without parsing the message.
func (a *httpAPI) failField(w http.ResponseWriter, err error) {
	if incident.ErrorCode(err) != incident.CodeInvalid {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error(), "code": incident.CodeInvalid,
		"field": incident.ErrorField(err)})
}
