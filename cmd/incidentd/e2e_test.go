package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/stream"
)

const demoID = "INC-DEMO-0001"

// allToldOrUnreachable: every subject has reached a final outcome.
func allToldOrUnreachable(n int) func(incident.Overview) bool {
	return func(v incident.Overview) bool { return v.Progress.Subjects == n && v.Progress.Pending == 0 }
}

// TestDemoEndToEnd publishes the demo through the embedded broker and checks
// that every person is accounted for exactly once, the report and notice
// exist, a malformed event is dead-lettered, and no contact detail is logged.
func TestDemoEndToEnd(t *testing.T) {
	d := loadDemo(t)
	p := startProviders(t, d)
	logs := &syncBuffer{}
	h := startHerald(t, t.TempDir(), p.channels(t), logs)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("incidentd log:\n%s", logs.String())
		}
	})

	malformed := []byte(`{"specversion":"1.0","id":"evt-bad-1","source":"urn:test","type":"security.incident.opened",` +
		`"data":{"incident_id":"INC-BAD","title":"x","kind":"earthquake"}}`)
	h.produce(t, "INC-BAD", malformed)
	h.produce(t, demoID, d.opened, subjectsEvent(t, "evt-demo-subjects-1", demoID, d.subjects))

	v := h.waitFor(t, demoID, "every subject final", allToldOrUnreachable(len(d.subjects)))
	pr := v.Progress
	if pr.Sent+pr.Unreachable != len(d.subjects) || pr.Uncertain != 0 {
		t.Fatalf("subjects not all accounted for: %s", describe(v))
	}
	got := p.received("reports@authority.example")
	total := 0
	for contact, n := range got {
		total += n
		if n != 1 {
			t.Errorf("a contact received %d messages, want 1 (%d chars)", n, len(contact))
		}
	}
	if total != pr.Sent {
		t.Errorf("providers accepted %d messages for %d subjects sent", total, pr.Sent)
	}
	// The periodic check tells the authorities once everyone is processed.
	h.waitFor(t, demoID, "the 100 % milestone reported", func(v incident.Overview) bool {
		return slices.ContainsFunc(v.Reports, func(r incident.Report) bool {
			trigger, _ := r.Fields["trigger"].(string)
			return r.Regime == "GDPR" && r.Phase == incident.PhaseFollowUp && strings.Contains(trigger, "100 % processed")
		})
	})
	if !strings.HasSuffix(v.NoticeURL, "/notices/"+demoID) {
		t.Errorf("notice_url = %q", v.NoticeURL)
	}
	if pr.Unreachable == 0 || v.Notice == nil {
		t.Errorf("demo has unreachable people, so a public notice is due: unreachable=%d notice=%v", pr.Unreachable, v.Notice)
	}
	if pr.ByChannel["push"].Failed == 0 {
		t.Errorf("unregistered push tokens should have failed and fallen back: %+v", pr.ByChannel)
	}
	checkReport(t, h)
	checkNoticePage(t, h)
	checkDeadLetter(t, h, "evt-bad-1", "data.kind")
	for _, c := range contacts(d.subjects) {
		if strings.Contains(logs.String(), c) {
			t.Fatalf("a contact detail or name reached the logs (%d chars)", len(c))
		}
	}
	h.stop()
	checkSealedOnDisk(t, h.main.Config.DataDir, d.subjects)
}

// checkSealedOnDisk: the store's files (database, WAL) hold none of the
// people's contact details or names, in any form Herald handled them: a
// copy of the database leaks nobody. The data key sits beside them, 0600.
func checkSealedOnDisk(t *testing.T, dataDir string, subjects []incident.Subject) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, "herald.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("store files in %s: %v %v", dataDir, files, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range contacts(subjects) {
			if bytes.Contains(raw, []byte(c)) {
				t.Fatalf("%s holds a contact detail or name in clear (%d chars)", filepath.Base(f), len(c))
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(dataDir, defaultDataKey)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("data key: %v, %v; want a 0600 file beside the database", fi, err)
	}
}

func checkReport(t *testing.T, h *herald) {
	t.Helper()
	var reports []incident.Report
	if code := h.getJSON(t, "/api/v1/incidents/"+demoID+"/reports", &reports); code != http.StatusOK {
		t.Fatalf("reports: HTTP %d", code)
	}
	var initial *incident.Report
	for i := range reports {
		if reports[i].Regime == "GDPR" && reports[i].Phase == incident.PhaseInitial {
			initial = &reports[i]
		}
	}
	if initial == nil {
		t.Fatalf("no GDPR initial report among %d", len(reports))
	}
	for _, f := range []string{"nature_of_breach", "data_categories", "subjects_approximate", "records_approximate",
		"contact_point", "likely_consequences", "measures_taken", "measures_proposed"} {
		if v, ok := initial.Fields[f]; !ok || v == nil || v == "" {
			t.Errorf("Art. 33(3) field %s is empty", f)
		}
	}
	if initial.DeliveredTo != "smtp" {
		t.Errorf("report delivered via %q, want smtp", initial.DeliveredTo)
	}
	resp, err := http.Get(h.main.HTTPURL() + "/reports/" + demoID + "/1")
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("report HTML page: %v %v", err, resp)
	}
	if resp != nil {
		resp.Body.Close()
	}
}

func checkNoticePage(t *testing.T, h *herald) {
	t.Helper()
	for _, path := range []string{"/notices/", "/notices/" + demoID, "/notices/" + demoID + "?lang=de"} {
		resp, err := http.Get(h.main.HTTPURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: HTTP %d, CSP %q", path, resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
		}
	}
}

// checkDeadLetter reads the DLQ and finds the rejected event with its reason.
func checkDeadLetter(t *testing.T, h *herald, eventID, field string) {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: h.main.Brokers(), Topic: stream.TopicDLQ,
		GroupID: "e2e-dlq-check", StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatalf("read DLQ: %v", err)
	}
	hs := stream.HeaderMap(m.Headers)
	if !strings.Contains(string(m.Value), eventID) || hs["x-error-field"] != field || hs["x-error"] == "" {
		t.Errorf("DLQ message: headers %v, value %q", hs, m.Value)
	}
}

// TestRestartMidRunSendsNothingTwice stops incidentd while people are being
// told, restarts it on the same data, replays the same events, and checks
// nobody is told twice and nobody is lost.
func TestRestartMidRunSendsNothingTwice(t *testing.T) {
	d := loadDemo(t)
	p := startProviders(t, d)
	p.smtp.SetDelay(15 * time.Millisecond)
	p.twilio.SetDelay(15 * time.Millisecond)
	p.fcm.SetDelay(15 * time.Millisecond)
	dir := t.TempDir()
	chans := p.channels(t)
	logs := &syncBuffer{}
	first := startHerald(t, dir, chans, logs)
	subjects := subjectsEvent(t, "evt-demo-subjects-1", demoID, d.subjects)
	first.produce(t, demoID, d.opened, subjects)
	first.waitFor(t, demoID, "some subjects told", func(v incident.Overview) bool { return v.Progress.Sent >= 5 })
	first.stop()
	if mid := len(p.received("reports@authority.example")); mid >= 40 {
		t.Fatalf("%d people were told before the stop: the restart did not happen mid-run", mid)
	}

	second := startHerald(t, dir, chans, logs)
	second.produce(t, demoID, d.opened, subjects) // a replay of the same events
	v := second.waitFor(t, demoID, "every subject final", allToldOrUnreachable(len(d.subjects)))
	if v.Progress.Sent+v.Progress.Unreachable+v.Progress.Uncertain != len(d.subjects) || v.Progress.Uncertain != 0 {
		t.Errorf("after restart: %s", describe(v))
	}
	total := 0
	for c, n := range p.received("reports@authority.example") {
		total += n
		if n != 1 {
			t.Errorf("a contact received %d messages across the restart: %s", n, c)
		}
	}
	if total != v.Progress.Sent {
		t.Errorf("providers accepted %d messages for %d subjects sent", total, v.Progress.Sent)
	}
	var initials int
	for _, r := range v.Reports {
		if r.Phase == incident.PhaseInitial {
			initials++
		}
	}
	if initials != 1 {
		t.Errorf("%d GDPR initial reports after replay, want 1", initials)
	}
}

// TestKcatProducedEventIsProcessed: an event produced by an independent
// Kafka client into the embedded broker is processed like any other.
func TestKcatProducedEventIsProcessed(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		if os.Getenv("HERALD_REQUIRE_KCAT") == "1" {
			t.Fatal("kcat is required (HERALD_REQUIRE_KCAT=1) but not installed")
		}
		t.Skip("kcat not installed")
	}
	d := loadDemo(t)
	h := startHerald(t, t.TempDir(), startProviders(t, d).channels(t), &syncBuffer{})
	var compact map[string]any
	if err := json.Unmarshal(d.opened, &compact); err != nil {
		t.Fatal(err)
	}
	line, _ := json.Marshal(compact) // kcat sends one message per line
	kcat(t, h, string(line), "-H", "content-type=application/cloudevents+json")
	v := h.waitFor(t, demoID, "the incident opened by kcat", func(v incident.Overview) bool { return v.Incident.Decision.Version >= 1 })
	if !v.Incident.Decision.NotifyAuthority || v.Incident.Facts.Title == "" {
		t.Errorf("kcat event not classified like any other: %+v", v.Incident.Decision)
	}
	// Binary mode: the envelope in ce_* headers, the bare data as the body.
	kcat(t, h, `{"incident_id":"`+demoID+`","title":"Updated by kcat in binary mode"}`,
		"-H", "ce_specversion=1.0", "-H", "ce_id=evt-kcat-binary-1", "-H", "ce_source=urn:test:kcat",
		"-H", "ce_type="+incident.TypeUpdated, "-H", "content-type=application/json")
	v = h.waitFor(t, demoID, "the binary-mode update", func(v incident.Overview) bool { return v.Incident.Decision.Version >= 2 })
	if v.Incident.Facts.Title != "Updated by kcat in binary mode" {
		t.Errorf("binary-mode update not applied: title %q", v.Incident.Facts.Title)
	}
}

// kcat produces one message with the independent Kafka client.
func kcat(t *testing.T, h *herald, value string, args ...string) {
	t.Helper()
	args = append([]string{"-b", h.main.Brokers()[0], "-t", stream.TopicIncidents, "-P", "-k", demoID}, args...)
	cmd := exec.Command("kcat", args...)
	cmd.Stdin = strings.NewReader(value + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kcat: %v: %s", err, out)
	}
}
