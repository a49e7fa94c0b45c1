package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/notifier/notice/feed"
	"github.com/herald-notify/herald/templates"
	"github.com/herald-notify/herald/templates/reportpdf"
)

// httpAPI serves the response team's API, the regulator report pages, the
// public notice pages, health and metrics.
type httpAPI struct {
	store     store.Store
	log       *zap.Logger
	metrics   *metrics
	publicURL string
	receipts  *receipts           // late delivery failures; nil mounts no receipt routes
	reporter  *report.Reporter    // reports on request; nil answers 503
	pdf       *reportpdf.Renderer // report PDFs; nil sets them in Helvetica
	recount   report.Recount      // deadlines counted from an earlier phase's sending; nil shifts them
}

func (a *httpAPI) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/v1/incidents", a.listIncidents)
	mux.HandleFunc("GET /api/v1/incidents/{id}", a.getIncident)
	mux.HandleFunc("GET /api/v1/incidents/{id}/decisions", a.listDecisions)
	mux.HandleFunc("GET /api/v1/incidents/{id}/reports", a.listReports)
	mux.HandleFunc("GET /api/v1/incidents/{id}/reports/{version}", a.getReport)
	mux.HandleFunc("GET /reports/{id}/{version}", a.reportPage)
	mux.HandleFunc("GET /api/v1/incidents/{id}/reports/{version}/pdf", a.reportPDF)
	mux.HandleFunc("POST /api/v1/incidents/{id}/reports", a.generateReport)
	mux.HandleFunc(teamAckRoute, a.acknowledgeReport)
	mux.HandleFunc("GET /notices/{$}", a.noticeIndex)
	mux.HandleFunc("GET /notices/{id}", a.noticePage)
	mux.HandleFunc("GET "+feed.FeedPath, a.noticeFeed)
	mux.Handle("GET /{$}", http.RedirectHandler("/notices/", http.StatusFound))
	a.receipts.mount(mux)
	return mux
}

func (a *httpAPI) listIncidents(w http.ResponseWriter, r *http.Request) {
	incs, err := a.store.ListIncidents(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	if incs == nil {
		incs = []incident.Incident{}
	}
	writeJSON(w, http.StatusOK, incs)
}

func (a *httpAPI) getIncident(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	var v incident.Overview
	var err error
	if v.Incident, err = a.store.GetIncident(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	if v.Progress, err = a.store.Progress(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	if n, err := a.store.GetNotice(ctx, id); err == nil {
		v.Notice, v.NoticeURL = &n, strings.TrimRight(a.publicURL, "/")+"/notices/"+id
	}
	if v.Reports, err = a.store.ListReports(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	v.Clocks = overviewClocks(v, a.recount)
	if v.ReportDeliveries, err = a.store.ReportDeliveries(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	if v.ReportDeliveries == nil {
		v.ReportDeliveries = []incident.ReportDelivery{}
	}
	writeJSON(w, http.StatusOK, v)
}

// listDecisions is the decision audit log: every version, oldest first,
// each with what changed from the one before and the reason given.
func (a *httpAPI) listDecisions(w http.ResponseWriter, r *http.Request) {
	ds, err := a.store.Decisions(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	if ds == nil {
		ds = []incident.Decision{}
	}
	writeJSON(w, http.StatusOK, ds)
}

func (a *httpAPI) listReports(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	if _, err := a.store.GetIncident(ctx, id); err != nil {
		a.fail(w, err)
		return
	}
	reps, err := a.store.ListReports(ctx, id)
	if err != nil {
		a.fail(w, err)
		return
	}
	if reps == nil {
		reps = []incident.Report{}
	}
	writeJSON(w, http.StatusOK, reps)
}

func (a *httpAPI) findReport(r *http.Request) (incident.Report, error) {
	id := r.PathValue("id")
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return incident.Report{}, incident.Invalid("version", "must be a whole number")
	}
	reps, err := a.store.ListReports(r.Context(), id)
	if err != nil {
		return incident.Report{}, err
	}
	for _, rep := range reps {
		if rep.Version == version {
			return rep, nil
		}
	}
	return incident.Report{}, incident.NotFound("report %d of incident not found", version)
}

func (a *httpAPI) getReport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.findReport(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (a *httpAPI) reportPage(w http.ResponseWriter, r *http.Request) {
	rep, err := a.findReport(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	a.page(w, func(b *bytes.Buffer) error { return templates.RenderReportHTML(b, rep) })
}

func (a *httpAPI) noticeIndex(w http.ResponseWriter, r *http.Request) {
	notices, err := a.store.ListNotices(r.Context())
	if err != nil {
		a.fail(w, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	a.page(w, func(b *bytes.Buffer) error { return templates.RenderNoticeIndex(b, notices, lang) })
}

func (a *httpAPI) noticePage(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutSuffix(r.PathValue("id"), csafSuffix); ok {
		a.noticeCSAF(w, r, id)
		return
	}
	// ?rev=N shows an earlier revision (404 if unknown, 400 if not a number).
	history, err := a.store.NoticeRevisions(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, err)
		return
	}
	q := r.URL.Query()
	n, err := templates.NoticeRevision(history, q.Get("rev"))
	if err != nil {
		a.fail(w, err)
		return
	}
	p := templates.NoticePage{Notice: n, History: history, BaseURL: a.publicURL}
	a.page(w, func(b *bytes.Buffer) error { return templates.RenderNoticePage(b, p, q.Get("lang")) })
}

// page renders into a buffer first so a template error never sends half a
// page, and sets a strict policy: no scripts, no external resources.
func (a *httpAPI) page(w http.ResponseWriter, render func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		a.fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(b.Bytes())
}

// statusFor maps domain error codes to HTTP statuses: the one table.
var statusFor = map[string]int{
	incident.CodeInvalid:  http.StatusBadRequest,
	incident.CodeNotFound: http.StatusNotFound,
	incident.CodeConflict: http.StatusConflict,
}

func (a *httpAPI) fail(w http.ResponseWriter, err error) {
	code := incident.ErrorCode(err)
	status, ok := statusFor[code]
	if !ok {
		a.log.Error("http request failed", zap.Error(err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "code": "internal"})
		return
	}
	writeJSON(w, status, map[string]string{"error": err.Error(), "code": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
