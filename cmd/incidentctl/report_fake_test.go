package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

const fakeIncident = "INC-DEMO-0001"

// fakeReportsAPI answers the report routes of incidentd the way its
// handlers do (the same JSON shapes, status codes and error bodies), from
// reports kept in memory: NIS2 early_warning is past its due time, so
// generating it needs reasons.
type fakeReportsAPI struct {
	mu         sync.Mutex
	reports    []incident.Report
	deliveries []incident.ReportDelivery // served in the incident's view, as report_deliveries
	posted     []map[string]string       // request bodies of POST, as decoded
	acks       []sentRequest             // acknowledgement requests, as sent
	requests   int
	fail       bool // answer every request 500
}

// sentRequest is what the CLI sent: method, path, content type and body.
type sentRequest struct {
	method, path, contentType string
	body                      []byte
}

func newFakeReportsAPI(t *testing.T, f *fakeReportsAPI) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/incidents/{id}/reports", f.list)
	mux.HandleFunc("GET /api/v1/incidents/{id}/reports/{version}", f.get)
	mux.HandleFunc("POST /api/v1/incidents/{id}/reports", f.generate)
	mux.HandleFunc("GET /api/v1/incidents/{id}", f.overview)
	mux.HandleFunc("POST /api/v1/incidents/{id}/reports/{version}/acknowledgement", f.acknowledge)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		fail := f.fail
		f.mu.Unlock()
		if fail {
			fakeAnswer(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "code": "internal"})
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeReportsAPI) seen() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func fakeAnswer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fakeNotFound(w http.ResponseWriter, id string) {
	fakeAnswer(w, http.StatusNotFound, map[string]string{"error": "incident " + id + " not found", "code": "not_found"})
}

func fakeInvalid(w http.ResponseWriter, field, msg string) {
	fakeAnswer(w, http.StatusBadRequest, map[string]string{"error": field + ": " + msg, "code": "invalid", "field": field})
}

func (f *fakeReportsAPI) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id := r.PathValue("id"); id != fakeIncident {
		fakeNotFound(w, id)
		return
	}
	fakeAnswer(w, http.StatusOK, append([]incident.Report{}, f.reports...))
}

func (f *fakeReportsAPI) get(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, _ := strconv.Atoi(r.PathValue("version"))
	for _, rep := range f.reports {
		if r.PathValue("id") == fakeIncident && rep.Version == v {
			fakeAnswer(w, http.StatusOK, rep)
			return
		}
	}
	fakeAnswer(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("report %d of incident not found", v), "code": "not_found"})
}

func (f *fakeReportsAPI) generate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	var req map[string]string
	if err := json.Unmarshal(b, &req); err != nil {
		fakeInvalid(w, "body", "want a JSON object")
		return
	}
	f.posted = append(f.posted, req)
	if id := r.PathValue("id"); id != fakeIncident {
		fakeNotFound(w, id)
		return
	}
	phases := map[string][]string{"GDPR": {"initial", "follow_up", "final"}, "NIS2": {"early_warning", "notification", "intermediate", "final"}}
	known, ok := phases[req["regime"]]
	if !ok {
		fakeInvalid(w, "regime", fmt.Sprintf("%q is not a required obligation of this incident", req["regime"]))
		return
	}
	if !slices.Contains(known, req["phase"]) {
		fakeInvalid(w, "phase", fmt.Sprintf("%q is not a phase of %s", req["phase"], req["regime"]))
		return
	}
	late := req["regime"] == "NIS2" && req["phase"] == "early_warning"
	if late && req["reasons"] == "" {
		fakeInvalid(w, "reasons", "the report is late: give the reasons for the delay (NIS2 early_warning was due 2026-11-24T08:00:00Z)")
		return
	}
	rep := incident.Report{IncidentID: fakeIncident, Regime: req["regime"], Phase: req["phase"], Version: len(f.reports) + 1,
		GeneratedAt: reportNow, Late: late, ContentHash: fmt.Sprintf("%064x", len(f.reports)+1), DeliveredTo: "outbox",
		Fields: map[string]any{"decision_version": 1}}
	if late {
		rep.Fields["reasons_for_delay"] = req["reasons"]
	}
	f.reports = append(f.reports, rep)
	fakeAnswer(w, http.StatusCreated, rep)
}

var reportNow = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)

// overview answers the incident's view with its reports and their
// delivery rows; the rest of the view is not what report commands read.
func (f *fakeReportsAPI) overview(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id := r.PathValue("id"); id != fakeIncident {
		fakeNotFound(w, id)
		return
	}
	fakeAnswer(w, http.StatusOK, incident.Overview{Incident: incident.Incident{ID: fakeIncident, Status: incident.StatusOpen},
		Reports: append([]incident.Report{}, f.reports...), ReportDeliveries: append([]incident.ReportDelivery{}, f.deliveries...)})
}

// acknowledge records an authority's acknowledgement of one version, as
// the team route does: 400 naming the field for a bad body, 404 when the
// authority has no delivery of that version, else 200 with the row.
func (f *fakeReportsAPI) acknowledge(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	f.acks = append(f.acks, sentRequest{method: r.Method, path: r.URL.EscapedPath(), contentType: r.Header.Get("Content-Type"), body: b})
	var req struct {
		AuthorityID string `json:"authority_id"`
		Reference   string `json:"reference"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		fakeInvalid(w, "body", "want a JSON object")
		return
	}
	if req.AuthorityID == "" {
		fakeInvalid(w, "authority_id", "is required")
		return
	}
	if len(req.AuthorityID) > 64 {
		fakeInvalid(w, "authority_id", "is longer than 64 characters")
		return
	}
	if len(req.Reference) > 200 {
		fakeInvalid(w, "reference", "is longer than 200 characters")
		return
	}
	v, _ := strconv.Atoi(r.PathValue("version"))
	for i, d := range f.deliveries {
		if r.PathValue("id") == d.IncidentID && d.Version == v && d.AuthorityID == req.AuthorityID {
			at := ackNow
			d.AcknowledgedAt, d.Acknowledgement, d.UpdatedAt = &at, req.Reference, at
			f.deliveries[i] = d
			fakeAnswer(w, http.StatusOK, d)
			return
		}
	}
	fakeAnswer(w, http.StatusNotFound, map[string]string{
		"error": fmt.Sprintf("report version %d of incident has no delivery to authority %s", v, req.AuthorityID), "code": "not_found"})
}

// ackNow is when the fake records an acknowledgement.
var ackNow = time.Date(2026, 11, 24, 15, 30, 0, 0, time.UTC)
