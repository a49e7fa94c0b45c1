package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/report"
)

// Routes an authority's token opens; every other route answers 403 to it.
const (
	authorityReportsRoute    = "GET /api/v1/authority/reports"
	authorityIncidentReports = "GET /api/v1/incidents/{id}/reports"
	authorityIncidentReport  = "GET /api/v1/incidents/{id}/reports/{version}"
	authorityReportPage      = "GET /reports/{id}/{version}"
	authorityReportPDF       = "GET /api/v1/incidents/{id}/reports/{version}/pdf"
)

// authorityGate lets each configured regulator read its own reports, and
// nothing else, with a bearer token. A request without an Authorization
// header is the team's or the public's and passes untouched; one with a
// header that is not an authority's token is refused, never served as if
// anonymous, except on the routes that check their own credentials.
type authorityGate struct {
	api         *httpAPI
	authorities []*regulator
	log         *zap.Logger
	// ownAuth holds the routes that authenticate themselves (receipts,
	// provider webhooks): an unknown token there is theirs to judge.
	ownAuth *http.ServeMux
}

// authorityKey carries the authority a request was let through for, so a
// handler never has to trust anything else about who asks.
type authorityKey struct{}

// newAuthorityGate guards api's routes with auths (none: every
// Authorization header outside the self-authenticating routes is refused).
func newAuthorityGate(api *httpAPI, auths []*regulator) *authorityGate {
	g := &authorityGate{api: api, authorities: auths, log: api.log.With(zap.String("component", "authority_gate")),
		ownAuth: http.NewServeMux()}
	for _, route := range []string{receiptsRoute, twilioStatusRoute} {
		g.ownAuth.Handle(route, http.NotFoundHandler()) // only matched, never served
	}
	return g
}

// configuredAuthorities loads the authorities of cfg.AuthoritiesFile (none
// when it is empty: then every Authorization header outside the
// self-authenticating routes is refused, and reports go to
// authority_email).
func configuredAuthorities(cfg Config, log *zap.Logger) ([]*regulator, error) {
	if cfg.AuthoritiesFile == "" {
		return nil, nil
	}
	regimes, err := policyRegimes(cfg.PolicyFile)
	if err != nil {
		return nil, err
	}
	auths, err := loadAuthorities(cfg.AuthoritiesFile, regimes)
	if err != nil {
		return nil, fmt.Errorf("authorities_file: %w", err)
	}
	ids := make([]string, len(auths))
	for i, a := range auths {
		ids[i] = a.ID
	}
	log.Info("authorities loaded", zap.Strings("authorities", ids))
	return auths, nil
}

// guardedRoutes is api's routes behind the authority gate of auths.
func guardedRoutes(api *httpAPI, auths []*regulator) http.Handler {
	return newAuthorityGate(api, auths).wrap(api.routes())
}

// reportRoutes sends each report to the authorities that own it. One
// without a delivery reads its reports over the API; a report no listed
// authority owns goes to authority_email.
func reportRoutes(auths []*regulator) func(incident.Report) []report.Route {
	return func(rep incident.Report) []report.Route {
		var routes []report.Route
		for _, a := range auths {
			if a.owns(rep) {
				routes = append(routes, a.route())
			}
		}
		return routes
	}
}

// wrap puts the gate in front of next (the API's routes()). What an
// authority may reach is its own small mux: a route added to the API later
// stays closed to authorities until it is added here.
func (g *authorityGate) wrap(next http.Handler) http.Handler {
	reads := http.NewServeMux()
	reads.HandleFunc(authorityReportsRoute, g.listAll)
	reads.HandleFunc(authorityIncidentReports, g.listIncident)
	reads.Handle(authorityIncidentReport, g.ownReportOnly(next))
	reads.Handle(authorityReportPage, g.ownReportOnly(next))
	reads.Handle(authorityReportPDF, g.ownReportOnly(next))
	reads.HandleFunc(authorityAckRoute, g.acknowledge)
	reads.HandleFunc("/", g.forbidden)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, presented := r.Header["Authorization"]; !presented {
			next.ServeHTTP(w, r)
			return
		}
		a := g.identify(r)
		if a == nil && g.authenticatesItself(r) {
			next.ServeHTTP(w, r)
			return
		}
		if a == nil {
			g.unauthorized(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store") // reports are not for shared caches
		reads.ServeHTTP(w, r.WithContext(withAuthority(r, a)))
	})
}

// identify returns the authority whose token r bears, or nil. Every
// authority's hash is compared, in constant time, so the time taken says
// nothing about which (if any) came close.
func (g *authorityGate) identify(r *http.Request) *regulator {
	tok, ok := bearerToken(r.Header.Values("Authorization"))
	if !ok {
		return nil
	}
	sum := sha256.Sum256([]byte(tok))
	var found *regulator
	for _, a := range g.authorities {
		if subtle.ConstantTimeCompare(sum[:], a.tokenHash[:]) == 1 {
			found = a
		}
	}
	return found
}

// bearerToken is the token of the one Authorization header, if it is a
// well-formed Bearer credential (the scheme's name is case-insensitive).
func bearerToken(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !token68.MatchString(tok) {
		return "", false
	}
	return tok, true
}

func (g *authorityGate) authenticatesItself(r *http.Request) bool {
	_, pattern := g.ownAuth.Handler(r)
	return pattern != ""
}

// unauthorized logs the refusal by route only: the header may hold a
// working credential of something else, so it is never logged.
func (g *authorityGate) unauthorized(w http.ResponseWriter, r *http.Request) {
	g.log.Warn("authorization refused: not a configured authority's bearer token", zap.String("method", r.Method),
		zap.String("path", r.URL.Path))
	w.Header().Set("WWW-Authenticate", `Bearer realm="herald", error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "a valid bearer token is required", "code": "unauthorized"})
}

func (g *authorityGate) forbidden(w http.ResponseWriter, r *http.Request) {
	g.log.Info("authority refused: outside its reports", zap.String("authority", authorityOf(r).ID),
		zap.String("method", r.Method), zap.String("path", r.URL.Path))
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "an authority may read only its own reports", "code": "forbidden"})
}

// notFound is the one answer for a report that does not exist, is not a
// number, or is another authority's: none says which.
func (g *authorityGate) notFound(w http.ResponseWriter, r *http.Request) {
	g.log.Info("authority read: no report of its own there", zap.String("authority", authorityOf(r).ID),
		zap.String("path", r.URL.Path))
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "report not found", "code": incident.CodeNotFound})
}

// ownReportOnly serves one report through the team's own handler (next),
// once the report is known to be the authority's.
func (g *authorityGate) ownReportOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rep, ok := g.ownReport(w, r); ok {
			g.log.Info("authority read report", zap.String("authority", authorityOf(r).ID),
				zap.String("incident", rep.IncidentID), zap.Int("version", rep.Version))
			next.ServeHTTP(w, r)
		}
	})
}

// ownReport is the report {id}/{version} of the path if it is the
// authority's; otherwise it answers 404 and returns false.
func (g *authorityGate) ownReport(w http.ResponseWriter, r *http.Request) (incident.Report, bool) {
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		g.notFound(w, r)
		return incident.Report{}, false
	}
	reps, ok := g.ownReports(w, r, r.PathValue("id"))
	if !ok {
		return incident.Report{}, false
	}
	for _, rep := range reps {
		if rep.Version == version {
			return rep, true
		}
	}
	g.notFound(w, r)
	return incident.Report{}, false
}

// listIncident is GET /api/v1/incidents/{id}/reports for an authority:
// the same list as the team's, holding only its reports.
func (g *authorityGate) listIncident(w http.ResponseWriter, r *http.Request) {
	if reps, ok := g.ownReports(w, r, r.PathValue("id")); ok {
		writeJSON(w, http.StatusOK, reps)
	}
}

// ownReports are the authority's reports on incident id, oldest first. An
// unknown incident and one with none of its reports both answer 404.
func (g *authorityGate) ownReports(w http.ResponseWriter, r *http.Request, id string) ([]incident.Report, bool) {
	all, err := g.api.store.ListReports(r.Context(), id)
	if err != nil && incident.ErrorCode(err) != incident.CodeNotFound {
		g.api.fail(w, err)
		return nil, false
	}
	a := authorityOf(r)
	var own []incident.Report
	for _, rep := range all {
		if a.owns(rep) {
			own = append(own, rep)
		}
	}
	if len(own) == 0 {
		g.notFound(w, r)
		return nil, false
	}
	return own, true
}

// authorityReport is one line of an authority's list across incidents.
type authorityReport struct {
	IncidentID  string     `json:"incident_id"`
	Regime      string     `json:"regime"`
	Phase       string     `json:"phase"`
	Version     int        `json:"version"`
	GeneratedAt time.Time  `json:"generated_at"`
	Deadline    *time.Time `json:"deadline,omitempty"`
	Late        bool       `json:"late"`
	Href        string     `json:"href"`      // the report as JSON
	HTMLHref    string     `json:"html_href"` // the report as a page
	PDFHref     string     `json:"pdf_href"`  // the report as a PDF
}

// authorityReports is the body of GET /api/v1/authority/reports.
type authorityReports struct {
	Authority string            `json:"authority"` // the id of the authority asking
	Reports   []authorityReport `json:"reports"`   // newest first
}

// listAll is GET /api/v1/authority/reports: every report of the asking
// authority, on every incident, newest first.
func (g *authorityGate) listAll(w http.ResponseWriter, r *http.Request) {
	a := authorityOf(r)
	incs, err := g.api.store.ListIncidents(r.Context())
	if err != nil {
		g.api.fail(w, err)
		return
	}
	out := authorityReports{Authority: a.ID, Reports: []authorityReport{}}
	for _, inc := range incs {
		reps, err := g.api.store.ListReports(r.Context(), inc.ID)
		if err != nil {
			g.api.fail(w, err)
			return
		}
		for _, rep := range reps {
			if a.owns(rep) {
				out.Reports = append(out.Reports, listEntry(rep))
			}
		}
	}
	slices.SortStableFunc(out.Reports, newestFirst)
	g.log.Info("authority listed its reports", zap.String("authority", a.ID), zap.Int("reports", len(out.Reports)))
	writeJSON(w, http.StatusOK, out)
}

func listEntry(rep incident.Report) authorityReport {
	id, v := url.PathEscape(rep.IncidentID), strconv.Itoa(rep.Version)
	return authorityReport{IncidentID: rep.IncidentID, Regime: rep.Regime, Phase: rep.Phase, Version: rep.Version,
		GeneratedAt: rep.GeneratedAt, Deadline: rep.Deadline, Late: rep.Late,
		Href: "/api/v1/incidents/" + id + "/reports/" + v, HTMLHref: "/reports/" + id + "/" + v,
		PDFHref: "/api/v1/incidents/" + id + "/reports/" + v + "/pdf"}
}

// newestFirst orders by generation time, then incident and version so
// reports generated in the same instant keep one order.
func newestFirst(a, b authorityReport) int {
	if c := b.GeneratedAt.Compare(a.GeneratedAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.IncidentID, b.IncidentID); c != 0 {
		return c
	}
	return b.Version - a.Version
}

func withAuthority(r *http.Request, a *regulator) context.Context {
	return context.WithValue(r.Context(), authorityKey{}, a)
}

// authorityOf is the authority the gate let r through for. Only the
// gate's own handlers call it, after identify succeeded.
func authorityOf(r *http.Request) *regulator {
	return r.Context().Value(authorityKey{}).(*regulator)
}
