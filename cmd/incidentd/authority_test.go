package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/herald-notify/herald/examples"
	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
)

const secondID = "INC-DEMO-0002"

// authorityWorld is the real API behind the gate, over a real store
// holding the demo incident's reports and, an hour later, a second
// incident's: the GDPR authority's, the NIS2 CSIRT's and others'.
type authorityWorld struct {
	srv                *httptest.Server
	logs               *observer.ObservedLogs
	gdpr, nis2, nobody string // bearer tokens
	receipts           string // the receipts endpoint's own token
}

func newAuthorityWorld(t *testing.T) *authorityWorld {
	t.Helper()
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	rep := &report.Reporter{Store: p.Store, Now: p.Clock.Now, Log: zap.NewNop(), NoticeURL: func(string) string { return "" }}
	p.Apply(t, incidenttest.DemoEvent(t))
	ensureReports(t, rep, incidenttest.DemoID)
	p.Clock.Advance(time.Hour)
	p.Apply(t, secondDemoEvent(t))
	ensureReports(t, rep, secondID)

	w := &authorityWorld{gdpr: newToken(t), nis2: newToken(t), nobody: newToken(t), receipts: newToken(t)}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bsi.token"), w.nis2+"\n")
	writeFile(t, filepath.Join(dir, "authorities.yaml"), fmt.Sprintf(`authorities:
  - id: de-bfdi
    name: BfDI
    match: {regimes: [GDPR], authority: "Lead Supervisory Authority (DE)"}
    token_sha256: %s
  - id: de-bsi
    name: BSI
    match: {regimes: [NIS2], authority_contains: CSIRT}
    token_file: bsi.token
  - id: fr-cnil
    name: CNIL
    match: {regimes: [GDPR], authority: "lead supervisory authority (FR)"}
    token_sha256: %s
`, sha256Hex(w.gdpr), sha256Hex(w.nobody)))
	auths := mustLoadAuthorities(t, filepath.Join(dir, "authorities.yaml"))

	core, logs := observer.New(zapcore.DebugLevel)
	w.logs = logs
	api := &httpAPI{store: p.Store, log: zap.New(core), metrics: newMetrics(), publicURL: "https://status.example.com"}
	var err error
	if api.receipts, err = newReceipts(p.Store, api.log, Config{ReceiptsToken: w.receipts}, nil); err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(newAuthorityGate(api, auths).wrap(api.routes()))
	t.Cleanup(w.srv.Close)
	return w
}

func ensureReports(t *testing.T, r *report.Reporter, id string) {
	t.Helper()
	if err := r.Ensure(t.Context(), id); err != nil {
		t.Fatalf("ensure reports of %s: %v", id, err)
	}
}

// secondDemoEvent is the demo incident again under another id.
func secondDemoEvent(t *testing.T) incident.Event {
	t.Helper()
	b, err := examples.Demo.ReadFile("demo/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte(incidenttest.DemoID), []byte(secondID)), []byte("evt-demo-opened-1"), []byte("evt-second"))
	ev, err := contract.Decode(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func newToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustLoadAuthorities(t *testing.T, path string) []*regulator {
	t.Helper()
	regimes, err := policyRegimes("")
	if err != nil {
		t.Fatal(err)
	}
	auths, err := loadAuthorities(path, regimes)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return auths
}

// call sends method path with the given Authorization header values (none:
// no header) and returns the status, headers and body.
func (w *authorityWorld) call(t *testing.T, method, path string, auth ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// get is call for a GET with token as a Bearer credential, decoding a 200
// body into v.
func (w *authorityWorld) get(t *testing.T, path, token string, v any) int {
	t.Helper()
	code, _, body := w.call(t, http.MethodGet, path, "Bearer "+token)
	if code == http.StatusOK && v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: decode: %v\n%s", path, err, body)
		}
	}
	return code
}

func reportsPath(id string) string { return "/api/v1/incidents/" + id + "/reports" }

// TestAuthorityListsOnlyItsOwnReports: across incidents, newest first, and
// per incident, each authority sees its regime's reports and no other.
func TestAuthorityListsOnlyItsOwnReports(t *testing.T) {
	w := newAuthorityWorld(t)
	for _, tt := range []struct {
		token, id, regime string
	}{{w.gdpr, "de-bfdi", "GDPR"}, {w.nis2, "de-bsi", "NIS2"}} {
		var all authorityReports
		if code := w.get(t, "/api/v1/authority/reports", tt.token, &all); code != http.StatusOK {
			t.Fatalf("%s: list all: HTTP %d", tt.id, code)
		}
		if all.Authority != tt.id || len(all.Reports) != 2 {
			t.Fatalf("%s: got %+v; want its 2 reports (one per incident)", tt.id, all)
		}
		if all.Reports[0].IncidentID != secondID || all.Reports[1].IncidentID != incidenttest.DemoID ||
			!all.Reports[0].GeneratedAt.After(all.Reports[1].GeneratedAt) {
			t.Errorf("%s: order %+v; want the second incident's (newer) first", tt.id, all.Reports)
		}
		for _, line := range all.Reports {
			var rep incident.Report
			if line.Regime != tt.regime || line.Deadline == nil || w.get(t, line.Href, tt.token, &rep) != http.StatusOK ||
				rep.Regime != tt.regime || rep.Version != line.Version || rep.IncidentID != line.IncidentID {
				t.Errorf("%s: line %+v (href gave %+v); want %s, with a deadline and a working href", tt.id, line, rep, tt.regime)
			}
			if code, _, page := w.call(t, http.MethodGet, line.HTMLHref, "Bearer "+tt.token); code != http.StatusOK || !bytes.Contains(page, []byte("<html")) {
				t.Errorf("%s: %s: HTTP %d, want the HTML page", tt.id, line.HTMLHref, code)
			}
			if code, _, pdf := w.call(t, http.MethodGet, line.PDFHref, "Bearer "+tt.token); code != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Errorf("%s: %s: HTTP %d, want the PDF", tt.id, line.PDFHref, code)
			}
		}
		var one []incident.Report
		if code := w.get(t, reportsPath(incidenttest.DemoID), tt.token, &one); code != http.StatusOK || len(one) != 1 || one[0].Regime != tt.regime {
			t.Errorf("%s: incident list: HTTP %d %+v; want only its %s report", tt.id, code, one, tt.regime)
		}
	}
}

// TestAuthorityCannotReadAnothersReport: another authority's report, a
// report that does not exist and an incident with none of its reports all
// answer the same 404, so none reveals what exists.
func TestAuthorityCannotReadAnothersReport(t *testing.T) {
	w := newAuthorityWorld(t)
	var team []incident.Report
	if code := getJSONFrom(t, w.srv.URL+reportsPath(incidenttest.DemoID), &team); code != http.StatusOK || len(team) < 3 {
		t.Fatalf("team list: HTTP %d, %d reports; want all of them", code, len(team))
	}
	versionOf := map[string]int{}
	for _, rep := range team {
		versionOf[rep.Regime] = rep.Version
	}
	_, _, missing := w.call(t, http.MethodGet, reportsPath(incidenttest.DemoID)+"/999", "Bearer "+w.gdpr)
	for _, tt := range []struct{ name, token, path string }{
		{"GDPR reads NIS2 JSON", w.gdpr, fmt.Sprintf("%s/%d", reportsPath(incidenttest.DemoID), versionOf["NIS2"])},
		{"GDPR reads NIS2 page", w.gdpr, fmt.Sprintf("/reports/%s/%d", incidenttest.DemoID, versionOf["NIS2"])},
		{"NIS2 reads GDPR JSON", w.nis2, fmt.Sprintf("%s/%d", reportsPath(incidenttest.DemoID), versionOf["GDPR"])},
		{"NIS2 reads GDPR page", w.nis2, fmt.Sprintf("/reports/%s/%d", incidenttest.DemoID, versionOf["GDPR"])},
		{"NIS2 reads GDPR PDF", w.nis2, fmt.Sprintf("%s/%d/pdf", reportsPath(incidenttest.DemoID), versionOf["GDPR"])},
		{"GDPR reads Brazil's", w.gdpr, fmt.Sprintf("%s/%d", reportsPath(incidenttest.DemoID), versionOf["Brazil LGPD"])},
		{"version not a number", w.gdpr, reportsPath(incidenttest.DemoID) + "/first"},
		{"unknown incident", w.gdpr, reportsPath("INC-NOPE")},
		{"unknown incident page", w.gdpr, "/reports/INC-NOPE/1"},
		{"incident with none of its reports", w.nobody, reportsPath(incidenttest.DemoID)},
		{"its version number on an incident with none of its", w.nobody, fmt.Sprintf("/reports/%s/%d", incidenttest.DemoID, versionOf["GDPR"])},
	} {
		code, h, body := w.call(t, http.MethodGet, tt.path, "Bearer "+tt.token)
		if code != http.StatusNotFound || !bytes.Equal(body, missing) || h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: HTTP %d %s %s; want the same 404 as a missing report: %s", tt.name, code, h.Get("Content-Type"), body, missing)
		}
		if bytes.Contains(body, []byte("NIS2")) || bytes.Contains(body, []byte("GDPR")) {
			t.Errorf("%s: body names a regime: %s", tt.name, body)
		}
	}
	var none authorityReports
	if code := w.get(t, "/api/v1/authority/reports", w.nobody, &none); code != http.StatusOK || none.Reports == nil || len(none.Reports) != 0 {
		t.Errorf("authority with no reports: HTTP %d %+v; want 200 and an empty list", code, none)
	}
}

// TestAuthorityTokenOpensNothingElse: a valid token reaches only the
// report routes; the team's API, the public pages, metrics and writes
// answer 403.
func TestAuthorityTokenOpensNothingElse(t *testing.T) {
	w := newAuthorityWorld(t)
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/incidents"},
		{http.MethodGet, "/api/v1/incidents/" + incidenttest.DemoID},
		{http.MethodGet, "/api/v1/incidents/" + incidenttest.DemoID + "/decisions"},
		{http.MethodGet, "/notices/"},
		{http.MethodGet, "/notices/" + incidenttest.DemoID},
		{http.MethodGet, "/metrics"},
		{http.MethodGet, "/healthz"},
		{http.MethodGet, "/"},
		{http.MethodGet, "/api/v1/authority/reports/extra"},
		{http.MethodPost, reportsPath(incidenttest.DemoID)},
		{http.MethodDelete, reportsPath(incidenttest.DemoID) + "/1"},
		{http.MethodPost, receiptsRoute[len("POST "):]},
	} {
		code, _, body := w.call(t, tt.method, tt.path, "Bearer "+w.gdpr)
		if code != http.StatusForbidden || !bytes.Contains(body, []byte(`"forbidden"`)) {
			t.Errorf("%s %s: HTTP %d %s; want 403 forbidden", tt.method, tt.path, code, body)
		}
	}
}

// TestAuthorityBadCredentialsAreRefused: a header that is not a
// configured authority's Bearer token is a 401, never the anonymous
// answer, whatever the route.
func TestAuthorityBadCredentialsAreRefused(t *testing.T) {
	w := newAuthorityWorld(t)
	for _, tt := range []struct {
		name string
		auth []string
	}{
		{"unknown token", []string{"Bearer " + newToken(t)}},
		{"token in the wrong case", []string{"Bearer " + strings.ToUpper(w.gdpr)}},
		{"token with a suffix", []string{"Bearer " + w.gdpr + "0"}},
		{"Basic", []string{"Basic ZGUtYmZkaTpzZWNyZXQ="}},
		{"Basic with a valid token", []string{"Basic " + w.gdpr}},
		{"scheme only", []string{"Bearer"}},
		{"empty token", []string{"Bearer "}},
		{"two spaces", []string{"Bearer  " + w.gdpr}},
		{"token with a space", []string{"Bearer " + w.gdpr + " x"}},
		{"empty header", []string{""}},
		{"two headers", []string{"Bearer " + w.gdpr, "Bearer " + w.gdpr}},
	} {
		for _, path := range []string{"/api/v1/incidents", reportsPath(incidenttest.DemoID), "/notices/", "/healthz"} {
			code, h, body := w.call(t, http.MethodGet, path, tt.auth...)
			if code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") ||
				!bytes.Contains(body, []byte(`"unauthorized"`)) {
				t.Errorf("%s on %s: HTTP %d WWW-Authenticate %q; want 401 Bearer", tt.name, path, code, h.Get("WWW-Authenticate"))
			}
		}
	}
	var reps []incident.Report
	code, _, body := w.call(t, http.MethodGet, reportsPath(incidenttest.DemoID), "bearer "+w.gdpr)
	if err := json.Unmarshal(body, &reps); code != http.StatusOK || err != nil || len(reps) != 1 {
		t.Errorf("lower-case scheme: HTTP %d %s; want 200 (the scheme is case-insensitive)", code, body)
	}
}

// TestAuthorityGateLeavesTheRestAlone: no header is the team and the
// public as before; the receipts endpoint still judges its own token.
func TestAuthorityGateLeavesTheRestAlone(t *testing.T) {
	w := newAuthorityWorld(t)
	var incs []incident.Incident
	if code := getJSONFrom(t, w.srv.URL+"/api/v1/incidents", &incs); code != http.StatusOK || len(incs) != 2 {
		t.Errorf("team list: HTTP %d, %d incidents; want 200 and 2", code, len(incs))
	}
	var reps []incident.Report
	if code := getJSONFrom(t, w.srv.URL+reportsPath(incidenttest.DemoID), &reps); code != http.StatusOK || len(reps) != 4 {
		t.Errorf("team reports: HTTP %d, %d reports; want all 4", code, len(reps))
	}
	if code, _, _ := w.call(t, http.MethodGet, "/notices/"); code != http.StatusOK {
		t.Errorf("public notice index: HTTP %d", code)
	}
	receipt := `{"provider":"smtp","provider_id":"msg-unknown","status":"failed","reason":"mailbox full"}`
	for _, tt := range []struct {
		name, auth string
		want       int
	}{
		{"its own token", "Bearer " + w.receipts, http.StatusNoContent},
		{"a wrong token", "Bearer " + newToken(t), http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/v1/receipts", strings.NewReader(receipt))
		req.Header.Set("Authorization", tt.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("receipts with %s: HTTP %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}

// TestAuthorityGateWithoutAuthorities: with none configured every token
// is refused, and the anonymous API still works.
func TestAuthorityGateWithoutAuthorities(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics()}
	srv := httptest.NewServer(newAuthorityGate(api, nil).wrap(api.routes()))
	t.Cleanup(srv.Close)
	w := &authorityWorld{srv: srv}
	if code, _, _ := w.call(t, http.MethodGet, reportsPath(incidenttest.DemoID), "Bearer "+newToken(t)); code != http.StatusUnauthorized {
		t.Errorf("token with no authorities: HTTP %d, want 401", code)
	}
	if code, _, _ := w.call(t, http.MethodGet, reportsPath(incidenttest.DemoID)); code != http.StatusOK {
		t.Errorf("no header: HTTP %d, want 200", code)
	}
}

// TestAuthorityTokensNeverLogged: after every kind of request, no log
// entry holds a token, yet the refusals and reads were logged.
func TestAuthorityTokensNeverLogged(t *testing.T) {
	w := newAuthorityWorld(t)
	stranger := newToken(t)
	w.get(t, "/api/v1/authority/reports", w.gdpr, nil)
	w.get(t, reportsPath(incidenttest.DemoID)+"/1", w.gdpr, nil)
	w.get(t, reportsPath(incidenttest.DemoID)+"/2", w.gdpr, nil)
	w.get(t, "/api/v1/incidents", w.nis2, nil)
	w.get(t, "/api/v1/incidents", stranger, nil)
	w.call(t, http.MethodGet, "/api/v1/incidents", "Basic "+stranger)
	entries := w.logs.All()
	var logged strings.Builder
	for _, e := range entries {
		fmt.Fprintln(&logged, e.Message, e.ContextMap())
	}
	for _, tok := range []string{w.gdpr, w.nis2, stranger, sha256Hex(w.gdpr), sha256Hex(w.nis2)} {
		if strings.Contains(logged.String(), tok) {
			t.Errorf("a token or its hash is in the logs:\n%s", logged.String())
		}
	}
	for _, want := range []string{"authorization refused", "authority read report", "authority refused", "de-bfdi", "de-bsi"} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logged.String())
		}
	}
}

// TestLoadAuthoritiesNamesEachProblem: a bad file stops the start, the
// error naming the place, and never quoting a token file's content.
func TestLoadAuthoritiesNamesEachProblem(t *testing.T) {
	regimes, err := policyRegimes("")
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256Hex("some token")
	entry := func(id, extra string) string {
		return fmt.Sprintf("  - id: %s\n    name: N\n    match: {regimes: [GDPR]}\n%s", id, extra)
	}
	withHash := "    token_sha256: " + hash + "\n"
	shortToken := "short-secret-value"
	for _, tt := range []struct{ name, file, want string }{
		{"empty file", "", "authorities: list at least one"},
		{"empty list", "authorities: []\n", "authorities: list at least one"},
		{"unknown top key", "authoritis: []\n", "field authoritis not found"},
		{"unknown entry key", "authorities:\n" + entry("a", withHash+"    tokn: x\n"), "field tokn not found"},
		{"unknown match key", "authorities:\n  - id: a\n    name: N\n    match: {regime: [GDPR]}\n" + withHash, "field regime not found"},
		{"missing id", "authorities:\n" + entry(`""`, withHash), "authorities[0].id: required"},
		{"bad id", "authorities:\n" + entry("DE BfDI", withHash), "authorities[0].id: required"},
		{"missing name", "authorities:\n  - id: a\n    match: {regimes: [GDPR]}\n" + withHash, "authorities[0].name: required"},
		{"no regimes", "authorities:\n  - id: a\n    name: N\n    match: {authority: x}\n" + withHash, "authorities[0].match.regimes: list at least one"},
		{"unknown regime", "authorities:\n" + entry("a", withHash) + "  - id: b\n    name: N\n    match: {regimes: [NIS2, GPDR]}\n    token_sha256: " + sha256Hex("other") + "\n",
			`authorities[1].match.regimes[1]: "GPDR" is not a regime`},
		{"no token", "authorities:\n" + entry("a", ""), "authorities[0].token_sha256: required (or token_file)"},
		{"token, not its hash", "authorities:\n" + entry("a", "    token_sha256: "+strings.Repeat("ab", 20)+"\n"), "authorities[0].token_sha256: must be 64 hex digits"},
		{"not hex", "authorities:\n" + entry("a", "    token_sha256: "+strings.Repeat("zz", 32)+"\n"), "authorities[0].token_sha256: must be 64 hex digits"},
		{"both", "authorities:\n" + entry("a", withHash+"    token_file: t\n"), "authorities[0].token_sha256, token_file: give one"},
		{"missing token file", "authorities:\n" + entry("a", "    token_file: nope.token\n"), "authorities[0].token_file: open"},
		{"short token file", "authorities:\n" + entry("a", "    token_file: short.token\n"), "authorities[0].token_file: the token must be at least 32"},
		{"same id", "authorities:\n" + entry("a", withHash) + entry("a", "    token_sha256: "+sha256Hex("other")+"\n"), `id "a" is given twice`},
		{"same token", "authorities:\n" + entry("a", withHash) + entry("b", withHash), `"a" and "b" have the same token`},
		{"empty delivery", "authorities:\n" + entry("a", withHash+"    delivery: {}\n"), "authorities[0].delivery.email: required (or webhook)"},
		{"two deliveries", "authorities:\n" + entry("a", withHash+"    delivery: {email: a@dpa.example, webhook: {url: https://dpa.example/h, secret_file: good.secret}}\n"),
			"authorities[0].delivery.email, webhook: give one"},
		{"bad email", "authorities:\n" + entry("a", withHash+"    delivery: {email: \"DPA <a@dpa.example>\"}\n"), "authorities[0].delivery.email: must be one plain address"},
		{"plain http webhook", "authorities:\n" + entry("a", withHash+"    delivery: {webhook: {url: http://dpa.example/h, secret_file: good.secret}}\n"), "authorities[0].delivery.webhook.url: "},
		{"no webhook secret", "authorities:\n" + entry("a", withHash+"    delivery: {webhook: {url: https://dpa.example/h}}\n"), "authorities[0].delivery.webhook.secret_file: required"},
		{"short webhook secret", "authorities:\n" + entry("a", withHash+"    delivery: {webhook: {url: https://dpa.example/h, secret_file: short.secret}}\n"),
			"authorities[0].delivery.webhook.secret_file: the secret must be at least 16 bytes"},
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "short.token"), shortToken)
		writeFile(t, filepath.Join(dir, "short.secret"), shortToken[:10])
		writeFile(t, filepath.Join(dir, "good.secret"), newToken(t))
		path := filepath.Join(dir, "authorities.yaml")
		writeFile(t, path, tt.file)
		_, err := loadAuthorities(path, regimes)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want one containing %q", tt.name, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), shortToken[:10]) || strings.Contains(err.Error(), "dpa.example")) { // never a secret, address or URL
			t.Errorf("%s: error quotes a secret, address or URL: %v", tt.name, err)
		}
	}
	if _, err := loadAuthorities(filepath.Join(t.TempDir(), "none.yaml"), regimes); err == nil || !strings.Contains(err.Error(), "read authorities file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestAuthoritiesExampleLoads keeps deploy/authorities.example.yaml valid
// and meaning what it says: the BfDI owns the demo's GDPR report, the BSI
// its NIS2 report, neither the other's.
func TestAuthoritiesExampleLoads(t *testing.T) {
	auths := mustLoadAuthorities(t, filepath.Join("..", "..", "deploy", "authorities.example.yaml"))
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	ensureReports(t, &report.Reporter{Store: p.Store, Now: p.Clock.Now, Log: zap.NewNop(), NoticeURL: func(string) string { return "" }}, incidenttest.DemoID)
	reps, err := p.Store.ListReports(t.Context(), incidenttest.DemoID)
	if err != nil {
		t.Fatal(err)
	}
	owned := map[string][]string{}
	for _, a := range auths {
		for _, rep := range reps {
			if a.owns(rep) {
				owned[a.ID] = append(owned[a.ID], rep.Regime)
			}
		}
	}
	if fmt.Sprint(owned) != "map[de-bfdi:[GDPR] de-bsi:[NIS2]]" {
		t.Errorf("owned = %v; want the BfDI the GDPR report and the BSI the NIS2 report", owned)
	}
}

// BenchmarkAuthorityIdentify is the gate's cost per request with 50
// authorities configured: every hash is compared, whichever matches.
func BenchmarkAuthorityIdentify(b *testing.B) {
	auths := make([]*regulator, 50)
	for i := range auths {
		auths[i] = &regulator{ID: fmt.Sprint("a", i), tokenHash: sha256.Sum256([]byte(fmt.Sprint("token-", i)))}
	}
	g := newAuthorityGate(&httpAPI{log: zap.NewNop()}, auths)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/authority/reports", nil)
	req.Header.Set("Authorization", "Bearer token-49")
	for b.Loop() {
		if g.identify(req) == nil {
			b.Fatal("not identified")
		}
	}
}

// TestGuardedRoutesFromConfig is the daemon's wiring: the file named in
// the config is loaded (a bad one stops the start, naming the setting) and
// its tokens open their reports; no file still refuses every token.
func TestGuardedRoutesFromConfig(t *testing.T) {
	p := incidenttest.NewPipeline(t, incidenttest.T0)
	p.Apply(t, incidenttest.DemoEvent(t))
	ensureReports(t, &report.Reporter{Store: p.Store, Now: p.Clock.Now, Log: zap.NewNop(), NoticeURL: func(string) string { return "" }}, incidenttest.DemoID)
	api := &httpAPI{store: p.Store, log: zap.NewNop(), metrics: newMetrics()}
	dir, token := t.TempDir(), newToken(t)
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	writeFile(t, good, "authorities:\n  - {id: de-bfdi, name: BfDI, match: {regimes: [GDPR]}, token_sha256: "+sha256Hex(token)+"}\n")
	writeFile(t, bad, "authorities:\n  - {id: de-bfdi, name: BfDI, match: {regimes: [GDPR]}, token: "+token+"}\n")

	if _, err := configuredAuthorities(Config{AuthoritiesFile: bad}, zap.NewNop()); err == nil || !strings.HasPrefix(err.Error(), "authorities_file: ") {
		t.Errorf("bad file: %v; want an error naming authorities_file", err)
	}
	for _, tt := range []struct {
		file string
		want int
	}{{good, http.StatusOK}, {"", http.StatusUnauthorized}} {
		auths, err := configuredAuthorities(Config{AuthoritiesFile: tt.file}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(guardedRoutes(api, auths))
		w := &authorityWorld{srv: srv}
		if code := w.get(t, reportsPath(incidenttest.DemoID), token, nil); code != tt.want {
			t.Errorf("file %q: HTTP %d, want %d", tt.file, code, tt.want)
		}
		srv.Close()
	}
}
