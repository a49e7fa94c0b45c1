package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

var statusNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// cannedView is what incidentd answers for one incident.
func cannedView() map[string]any {
	aware := statusNow.Add(-2 * time.Hour)
	gdpr, nis2, people := aware.Add(72*time.Hour), aware.Add(time.Hour), aware.Add(30*24*time.Hour)
	inc := incident.Incident{
		ID: "INC-DEMO-0001", Status: incident.StatusOpen, OpenedAt: aware, UpdatedAt: statusNow,
		Facts: incident.Facts{IncidentID: "INC-DEMO-0001", Title: "Customer-support database copied by an attacker"},
		Decision: incident.Decision{
			IncidentID: "INC-DEMO-0001",
			Severity:   incident.Severity{Band: incident.BandVeryHigh, Score: 4, DPC: 3, EI: 1, CB: 1},
			Risk:       incident.RiskHigh, NotifyAuthority: true, NotifySubjects: true,
			SubjectExemption: incident.ExemptionNone, PublicNotice: true,
			Obligations: []incident.Obligation{
				{Regime: "GDPR", Authority: "lead supervisory authority (DE)", Required: true, Clock: "aware_at", Deadline: &gdpr},
				{Regime: "NIS2", Authority: "CSIRT (DE)", Required: true, Clock: "aware_at", Deadline: &nis2,
					Schedule: []incident.PhaseDue{{Phase: "early_warning", Deadline: &nis2}, {Phase: "notification", Deadline: &gdpr}}},
				{Regime: "California", Authority: "California Attorney General", Required: false, Clock: "detected_at",
					Subjects: &incident.SubjectsDuty{Required: true, Citation: "Cal. Civ. Code 1798.82(a)", Deadline: &people}},
			},
		},
	}
	progress := incident.Progress{Subjects: 50, Sent: 41, Failed: 7, Unreachable: 6, Uncertain: 1, Pending: 2, Queued: 1,
		ByChannel: map[string]incident.ChannelProgress{
			"email": {Queued: 1, Sent: 30, Delivered: 27, Failed: 0, Unreachable: 0},
			"sms":   {Sent: 6, Delivered: 6, Failed: 4, Unreachable: 4},
			"push":  {Sent: 5, Failed: 3, Unreachable: 2}}}
	sent := aware.Add(time.Minute)
	retry := statusNow.Add(10 * time.Minute)
	return map[string]any{
		"incident": inc,
		"progress": progress,
		"notice":   incident.Notice{IncidentID: "INC-DEMO-0001", Revision: 2, Reason: "unreachable subjects", UpdatedAt: statusNow},
		"reports": []incident.Report{
			{IncidentID: "INC-DEMO-0001", Regime: "NIS2", Phase: "early_warning", Version: 1, GeneratedAt: aware, DeliveredTo: "outbox"},
			{IncidentID: "INC-DEMO-0001", Regime: "GDPR", Phase: incident.PhaseInitial, Version: 2, GeneratedAt: aware, DeliveredTo: "de-bfdi: webhook; default: smtp"},
			{IncidentID: "INC-DEMO-0001", Regime: "GDPR", Phase: incident.PhaseFollowUp, Version: 3, GeneratedAt: statusNow, DeliveredTo: "failed: webhook answered 503"},
		},
		"report_deliveries": []incident.ReportDelivery{
			{IncidentID: "INC-DEMO-0001", Version: 2, AuthorityID: "de-bfdi", Method: "webhook", Status: incident.ReportDeliverySent, Tries: 1,
				SentAt: &sent, AcknowledgedAt: &sent, Acknowledgement: "BfDI-2026-077"},
			{IncidentID: "INC-DEMO-0001", Version: 2, AuthorityID: "default", Method: "email", Status: incident.ReportDeliverySent, Tries: 1, SentAt: &sent},
			{IncidentID: "INC-DEMO-0001", Version: 3, AuthorityID: "de-bfdi", Method: "webhook", Status: incident.ReportDeliveryFailed, Tries: 1,
				Error: "webhook answered 503", NextAt: &retry},
		},
	}
}

func apiServer(t *testing.T) *httptest.Server {
	t.Helper()
	body, err := json.Marshal(cannedView())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/incidents/INC-DEMO-0001" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error": "incident not found", "code": "not_found"}`))
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestStatusSummary(t *testing.T) {
	now = func() time.Time { return statusNow }
	t.Cleanup(func() { now = time.Now })
	srv := apiServer(t)
	r := runCLI(t, "", "status", "INC-DEMO-0001", "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"Customer-support database copied by an attacker",
		"status:", "open",
		"very_high, score 4.00 (DPC 3 x EI 1 + CB 1)",
		"risk:", "high",
		"notify subjects:   yes (exemption: none)",
		"public notice:     yes",
		"GDPR", "deadline 2026-11-26 08:00 UTC", "2d 22h 0m left",
		"NIS2", "overdue by 1h 0m",
		"then notification", // a later phase's clock is on screen too
		"tell the people (Cal. Civ. Code 1798.82(a))", "deadline 2026-12-23 08:00 UTC",
		"progress: 50 subjects: 41 sent, 6 unreachable, 1 uncertain, 2 pending (1 queued); 7 failed channel attempts\n" +
			"  email  1 queued  30 sent (27 delivered)  0 failed  0 unreachable\n" +
			"  push   0 queued  5 sent (0 delivered)    3 failed  2 unreachable\n" +
			"  sms    0 queued  6 sent (6 delivered)    4 failed  4 unreachable\n",
		srv.URL + "/notices/INC-DEMO-0001 (revision 2",
		"  NIS2  early_warning  v1  generated 2026-11-23 08:00 UTC  via outbox\n",
		"  GDPR  initial        v2  generated 2026-11-23 08:00 UTC  sent 2/2, ack 1\n",
		"  GDPR  follow_up      v3  generated 2026-11-23 10:00 UTC  failed (retry 10:10 UTC)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestStatusUsesTheDaemonsNoticeURL(t *testing.T) {
	view := cannedView()
	view["notice_url"] = "https://status.example.com/notices/INC-DEMO-0001"
	body, _ := json.Marshal(view)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	r := runCLI(t, "", "status", "INC-DEMO-0001", "--api", srv.URL)
	if !strings.Contains(r.stdout, "public notice: https://status.example.com/notices/INC-DEMO-0001 (revision 2") {
		t.Errorf("status ignores notice_url:\n%s", r.stdout)
	}
}

func TestStatusJSONAndNotFound(t *testing.T) {
	srv := apiServer(t)
	r := runCLI(t, "", "--api", srv.URL, "status", "--json", "INC-DEMO-0001")
	var v incident.Overview
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil || v.Progress.Sent != 41 {
		t.Errorf("--json: exit %d, stdout %q", r.code, r.stdout)
	}
	r = runCLI(t, "", "status", "INC-NOPE", "--api", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "incident INC-NOPE not found") {
		t.Errorf("unknown incident: exit %d, stderr %q", r.code, r.stderr)
	}
}
