package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/webhook"
)

// regulatorHook is an authority's webhook receiver: it checks each
// request's signature as the authority would, keeps the reports, and
// acknowledges each with its own reference.
type regulatorHook struct {
	secret []byte
	mu     sync.Mutex
	got    []hookDelivery
	bad    int
}

type hookDelivery struct {
	id     string
	report incident.Report
}

func (h *regulatorHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify(h.secret, r.Header, body, time.Now(), 0); err != nil {
		h.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var rep incident.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		h.bad++
		http.Error(w, "not a report", http.StatusBadRequest)
		return
	}
	h.got = append(h.got, hookDelivery{id: r.Header.Get("Herald-Delivery"), report: rep})
	writeJSON(w, http.StatusAccepted, map[string]any{"reference": fmt.Sprintf("BfDI-%d", rep.Version),
		"acknowledged": true, "acknowledgement": "received by the BfDI"})
}

func (h *regulatorHook) deliveries() ([]hookDelivery, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookDelivery(nil), h.got...), h.bad
}

// TestReportsReachEachAuthorityByItsRoute runs incidentd with an
// authorities file: the GDPR authority takes reports at a signed webhook,
// the NIS2 one by email; the other regimes' reports go to authority_email.
// Each delivery is recorded with the authority's acknowledgement, which an
// authority may also post itself, and the team on its behalf.
func TestReportsReachEachAuthorityByItsRoute(t *testing.T) {
	d := loadDemo(t)
	prov := startProviders(t, d)
	hook := &regulatorHook{secret: []byte(newToken(t))}
	receiver := httptest.NewServer(hook)
	defer receiver.Close()

	dir := t.TempDir()
	bfdiToken, bsiToken := newToken(t), newToken(t)
	writeFile(t, filepath.Join(dir, "bfdi.secret"), string(hook.secret)+"\n")
	file := filepath.Join(dir, "authorities.yaml")
	writeFile(t, file, fmt.Sprintf(`authorities:
  - id: de-bfdi
    name: BfDI
    match: {regimes: [GDPR]}
    token_sha256: %s
    delivery: {webhook: {url: %q, secret_file: bfdi.secret}}
  - id: de-bsi
    name: BSI
    match: {regimes: [NIS2]}
    token_sha256: %s
    delivery: {email: nis2-reports@bsi.example}
`, sha256Hex(bfdiToken), receiver.URL, sha256Hex(bsiToken)))

	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr = t.TempDir(), "127.0.0.1:0", "127.0.0.1:0"
	cfg.AuthorityEmail, cfg.AuthoritiesFile = "reports@authority.example", file
	h := runHerald(t, &Main{Config: cfg, Channels: prov.channels(t)}, &syncBuffer{})
	h.produce(t, demoID, d.opened)
	v := h.waitFor(t, demoID, "every first report delivered", func(v incident.Overview) bool {
		if len(v.Reports) < 4 || len(v.ReportDeliveries) < len(v.Reports) {
			return false
		}
		for _, rd := range v.ReportDeliveries {
			if rd.Status == incident.ReportDeliveryPending {
				return false
			}
		}
		return true
	})

	want := map[string]struct{ authority, method string }{
		"GDPR": {"de-bfdi", "webhook"}, "NIS2": {"de-bsi", "email"},
		"California": {"default", "email"}, "Brazil LGPD": {"default", "email"},
	}
	versionOf := map[string]int{}
	for _, rep := range v.Reports {
		versionOf[rep.Regime] = rep.Version
	}
	for _, rd := range v.ReportDeliveries {
		regime := regimeOf(v.Reports, rd.Version)
		w, ok := want[regime]
		if !ok || rd.AuthorityID != w.authority || rd.Method != w.method || rd.Status != incident.ReportDeliverySent || rd.SentAt == nil {
			t.Errorf("%s v%d delivery %+v, want sent to %s by %s", regime, rd.Version, rd, w.authority, w.method)
		}
		if regime == "GDPR" && (rd.Reference != fmt.Sprintf("BfDI-%d", rd.Version) || rd.AcknowledgedAt == nil ||
			rd.Acknowledgement != "received by the BfDI") {
			t.Errorf("GDPR delivery %+v: want the webhook's reference and acknowledgement recorded", rd)
		}
	}

	got, bad := hook.deliveries()
	if bad != 0 || len(got) != 1 || got[0].report.Regime != "GDPR" ||
		got[0].id != webhook.DeliveryID(demoID, versionOf["GDPR"], "de-bfdi") || got[0].report.ContentHash == "" {
		t.Errorf("webhook got %+v (%d refused), want the GDPR report once, signed, with its delivery id", got, bad)
	}
	mails := map[string]int{}
	for _, m := range prov.smtp.Messages() {
		for _, r := range m.Recipients {
			mails[r+" "+strings.Fields(m.Header("Subject"))[0]]++
		}
	}
	if mails["nis2-reports@bsi.example [NIS2]"] != 1 || mails["reports@authority.example [California]"] != 1 ||
		mails["reports@authority.example [Brazil"] != 1 || len(mails) != 3 {
		t.Errorf("report emails %v, want NIS2 to the BSI and the rest to authority_email, once each", mails)
	}

	// The BSI acknowledges its report itself; not the BfDI's.
	nis2 := fmt.Sprintf("/api/v1/authority/reports/%s/%d/acknowledgement", demoID, versionOf["NIS2"])
	gdpr := fmt.Sprintf("/api/v1/authority/reports/%s/%d/acknowledgement", demoID, versionOf["GDPR"])
	var ack incident.ReportDelivery
	if code := postJSON(t, h, nis2, bsiToken, `{"reference":"BSI-2026-77"}`, &ack); code != http.StatusOK ||
		ack.Acknowledgement != "BSI-2026-77" || ack.AuthorityID != "de-bsi" || ack.AcknowledgedAt == nil {
		t.Errorf("BSI acknowledges its report: HTTP %d %+v", code, ack)
	}
	if code := postJSON(t, h, gdpr, bsiToken, `{"reference":"x"}`, nil); code != http.StatusNotFound {
		t.Errorf("BSI acknowledges the BfDI's report: HTTP %d, want 404", code)
	}
	if code := postJSON(t, h, nis2, "not-a-token-of-anyone-at-all-0000", `{"reference":"x"}`, nil); code != http.StatusUnauthorized {
		t.Errorf("unknown token: HTTP %d, want 401", code)
	}
	// The team records an acknowledgement that came by mail.
	team := fmt.Sprintf("/api/v1/incidents/%s/reports/%d/acknowledgement", demoID, versionOf["California"])
	if code := postJSON(t, h, team, "", `{"authority_id":"default","reference":"CA-AG-1"}`, &ack); code != http.StatusOK ||
		ack.Acknowledgement != "CA-AG-1" {
		t.Errorf("team acknowledgement: HTTP %d %+v", code, ack)
	}
	if code := postJSON(t, h, team, "", `{"authority_id":"de-bsi"}`, nil); code != http.StatusNotFound {
		t.Errorf("team acknowledgement for an authority not sent that version: HTTP %d, want 404", code)
	}
	if code := postJSON(t, h, team, "", `{"reference":"x"}`, nil); code != http.StatusBadRequest {
		t.Errorf("team acknowledgement without authority_id: HTTP %d, want 400", code)
	}
}

func regimeOf(reports []incident.Report, version int) string {
	for _, r := range reports {
		if r.Version == version {
			return r.Regime
		}
	}
	return ""
}

// postJSON posts body to path (with token as a Bearer credential when
// set) and decodes a 200 answer into v.
func postJSON(t *testing.T, h *herald, path, token, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.main.HTTPURL()+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
