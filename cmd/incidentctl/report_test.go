package main

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

// seededReports are two versions as incidentd stores them: an automatic
// GDPR initial report on time and a late NIS2 early warning.
func seededReports() []incident.Report {
	due := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	return []incident.Report{
		{IncidentID: fakeIncident, Regime: "GDPR", Authority: "lead supervisory authority (DE)", Phase: "initial", Version: 1,
			GeneratedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), ContentHash: strings.Repeat("a", 64), DeliveredTo: "outbox",
			Fields: map[string]any{"decision_version": 2, "more_to_follow": true, "title": "Support database copied", "trigger": "incident opened",
				"measures_taken":        []string{"Revoked the token", "Reset passwords"},
				"notification_progress": map[string]any{"subjects": 50, "by_channel": map[string]any{"email": map[string]int{"sent": 41}}},
				"public_notice":         nil, "data_categories": []string{}}},
		{IncidentID: fakeIncident, Regime: "NIS2", Authority: "CSIRT (DE)", Phase: "early_warning", Version: 2,
			GeneratedAt: reportNow, Deadline: &due, Late: true, ContentHash: strings.Repeat("b", 64), DeliveredTo: "failed: smtp 550",
			Fields: map[string]any{"reasons_for_delay": "CSIRT portal down", "decision_version": 2, "trigger": "requested by the response team"}},
	}
}

// seededDeliveries are the delivery rows of seededReports: version 1 went
// to two authorities, one of which acknowledged it in its webhook answer;
// version 2's webhook failed and is retried, its email gave up.
func seededDeliveries() []incident.ReportDelivery {
	sent1, sent2, ack := reportNow.Add(-28*time.Hour), reportNow.Add(-27*time.Hour), reportNow.Add(-26*time.Hour)
	retry := reportNow.Add(42 * time.Minute)
	return []incident.ReportDelivery{
		{IncidentID: fakeIncident, Version: 1, AuthorityID: "de-bfdi", Method: "webhook", Status: incident.ReportDeliverySent, Tries: 1,
			Provider: "webhook", Reference: "wh-0001", SentAt: &sent1, AcknowledgedAt: &ack, Acknowledgement: "BfDI-2026-077", UpdatedAt: ack},
		{IncidentID: fakeIncident, Version: 1, AuthorityID: "default", Method: "email", Status: incident.ReportDeliverySent, Tries: 2,
			Provider: "smtp", Reference: "smtp-4711", SentAt: &sent2, UpdatedAt: sent2},
		{IncidentID: fakeIncident, Version: 2, AuthorityID: "de-csirt", Method: "webhook", Status: incident.ReportDeliveryFailed, Tries: 3,
			Provider: "webhook", Error: "webhook answered 503", NextAt: &retry, UpdatedAt: reportNow},
		{IncidentID: fakeIncident, Version: 2, AuthorityID: "default", Method: "email", Status: incident.ReportDeliveryGaveUp, Tries: 1,
			Error: "smtp 550 mailbox unavailable", UpdatedAt: reportNow},
	}
}

// pinNow sets the CLI's clock for the test.
func pinNow(t *testing.T, at time.Time) {
	t.Helper()
	now = func() time.Time { return at }
	t.Cleanup(func() { now = time.Now })
}

// tableCells splits a tabwriter line into its cells (padded by two or
// more spaces; a cell's own words have one).
func tableCells(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

func TestReportList(t *testing.T) {
	pinNow(t, reportNow)
	f := &fakeReportsAPI{reports: seededReports(), deliveries: seededDeliveries()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "list", fakeIncident, "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "2 report versions") {
		t.Fatalf("output:\n%s\nwant a heading, a header row and two rows", r.stdout)
	}
	want := [][]string{
		{"VERSION", "REGIME", "PHASE", "GENERATED", "DEADLINE", "LATE", "DELIVERY", "TRIGGER"},
		{"1", "GDPR", "initial", "2026-11-23 10:00 UTC", "-", "no", "sent 2/2, ack 1", "incident opened"},
		{"2", "NIS2", "early_warning", "2026-11-24 14:00 UTC", "2026-11-24 08:00 UTC", "yes",
			"1 failed (retry 14:42 UTC), 1 gave up", "requested by the response team"},
	}
	for i, w := range want {
		if got := tableCells(lines[i+1]); !reflect.DeepEqual(got, w) {
			t.Errorf("row %d = %q, want %q", i, got, w)
		}
	}
}

// TestReportListWithoutDeliveryRows: a version with no rows (no route
// configured, or made by an older daemon) shows its delivered_via, and a
// report without a trigger field a dash.
func TestReportListWithoutDeliveryRows(t *testing.T) {
	reps := seededReports()
	delete(reps[0].Fields, "trigger")
	f := &fakeReportsAPI{reports: reps, deliveries: seededDeliveries()[2:]}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "list", fakeIncident, "--api", srv.URL)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 4 {
		t.Fatalf("exit %d, output:\n%s", r.code, r.stdout)
	}
	if got := tableCells(lines[2]); got[6] != "outbox" || got[7] != "-" {
		t.Errorf("version 1 = %q, want delivery outbox and trigger -", got)
	}
}

// TestDeliverySummary covers the states one version's rows can be in.
func TestDeliverySummary(t *testing.T) {
	pinNow(t, reportNow)
	today, tomorrow := reportNow.Add(20*time.Minute), reportNow.Add(20*time.Hour)
	at := reportNow
	row := func(status string, next *time.Time, acked bool) incident.ReportDelivery {
		d := incident.ReportDelivery{Status: status, NextAt: next}
		if acked {
			d.AcknowledgedAt = &at
		}
		return d
	}
	for _, tc := range []struct {
		rows []incident.ReportDelivery
		want string
	}{
		{nil, "not configured"},
		{[]incident.ReportDelivery{row("sent", nil, false)}, "sent 1/1"},
		{[]incident.ReportDelivery{row("sent", nil, true), row("sent", nil, false)}, "sent 2/2, ack 1"},
		{[]incident.ReportDelivery{row("failed", &today, false)}, "failed (retry 14:20 UTC)"},
		{[]incident.ReportDelivery{row("failed", &tomorrow, false)}, "failed (retry 2026-11-25 10:00 UTC)"},
		{[]incident.ReportDelivery{row("failed", &tomorrow, false), row("failed", &today, false)}, "2 failed (retry 14:20 UTC)"},
		{[]incident.ReportDelivery{row("gave_up", nil, false)}, "gave up"},
		{[]incident.ReportDelivery{row("pending", nil, false)}, "pending"},
		{[]incident.ReportDelivery{row("sent", nil, true), row("gave_up", nil, false), row("pending", nil, false)},
			"sent 1/3, 1 pending, 1 gave up, ack 1"},
	} {
		if got := deliverySummary(tc.rows, "not configured"); got != tc.want {
			t.Errorf("%d rows: got %q, want %q", len(tc.rows), got, tc.want)
		}
	}
}

func TestReportListJSONIsTheAPIsAnswer(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "--api", srv.URL, "report", "list", "--json", fakeIncident)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var got []incident.Report
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 2 || got[1].Fields["reasons_for_delay"] != "CSIRT portal down" {
		t.Errorf("--json output %q (%v), want the API's list", r.stdout, err)
	}
}

func TestReportShowPrintsFields(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports(), deliveries: seededDeliveries()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "show", fakeIncident, "1", "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"report:         version 1, GDPR initial",
		"authority:      lead supervisory authority (DE)",
		"deadline:       -",
		"late:           no",
		"trigger:        incident opened\n",
		"content hash:   " + strings.Repeat("a", 64),
		"\ndeliveries (2):\n" +
			"  de-bfdi:\n" +
			"    method:        webhook\n" +
			"    status:        sent\n" +
			"    tries:         1\n" +
			"    sent:          2026-11-23 10:00 UTC\n" +
			"    reference:     wh-0001\n" +
			"    error:         -\n" +
			"    next try:      -\n" +
			"    acknowledged:  2026-11-23 12:00 UTC, BfDI-2026-077\n" +
			"  default:\n" +
			"    method:        email (smtp)\n" +
			"    status:        sent\n" +
			"    tries:         2\n" +
			"    sent:          2026-11-23 11:00 UTC\n" +
			"    reference:     smtp-4711\n" +
			"    error:         -\n" +
			"    next try:      -\n" +
			"    acknowledged:  no\n",
		"\nfields:\n",
		"  data_categories: -\n",
		"  decision_version: 2\n",
		"  measures_taken:\n    - Revoked the token\n    - Reset passwords\n",
		"  more_to_follow: yes\n",
		"  notification_progress:\n    by_channel:\n      email:\n        sent: 41\n    subjects: 50\n",
		"  public_notice: -\n",
		"  title: Support database copied\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI(t, "", "report", "show", fakeIncident, "2", "--api", srv.URL)
	if r.code != 0 || !strings.Contains(r.stdout, "late:           yes") || !strings.Contains(r.stdout, "  reasons_for_delay: CSIRT portal down\n") {
		t.Errorf("late report: exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{
		"\ndeliveries (2):\n  de-csirt:\n",
		"    status:        failed\n    tries:         3\n    sent:          -\n",
		"    error:         webhook answered 503\n    next try:      2026-11-24 14:42 UTC\n",
		"  default:\n    method:        email\n    status:        gave up (no more tries",
		"    error:         smtp 550 mailbox unavailable\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version 2 lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "wh-0001") {
		t.Errorf("version 2 shows version 1's deliveries:\n%s", r.stdout)
	}
}

func TestReportShowWithoutDeliveries(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "show", fakeIncident, "1", "--api", srv.URL)
	if r.code != 0 || !strings.Contains(r.stdout, "delivered via:  outbox\n") || !strings.Contains(r.stdout, "\ndeliveries: none recorded\n\nfields:\n") {
		t.Errorf("exit %d, output:\n%s", r.code, r.stdout)
	}
}

func TestReportShowJSONIsRaw(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "show", "--json", fakeIncident, "2", "--api", srv.URL)
	var got incident.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || got.Version != 2 || !got.Late {
		t.Errorf("exit %d output %q, want report 2 as JSON", r.code, r.stdout)
	}
}

func TestReportShowErrors(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports()}
	srv := newFakeReportsAPI(t, f)
	for _, version := range []string{"x", "0", "1.5"} {
		r := runCLI(t, "", "report", "show", fakeIncident, version, "--api", srv.URL)
		if r.code != 2 || !strings.Contains(r.stderr, "invalid input: version:") {
			t.Errorf("version %q: exit %d stderr %q, want 2 naming version", version, r.code, r.stderr)
		}
	}
	if r := runCLI(t, "", "report", "show", fakeIncident, "--api", srv.URL); r.code != 2 || !strings.Contains(r.stderr, "INCIDENT_ID VERSION") {
		t.Errorf("no version: exit %d stderr %q", r.code, r.stderr)
	}
	if n := f.seen(); n != 0 {
		t.Errorf("invalid input reached the API (%d requests)", n)
	}
	r := runCLI(t, "", "report", "show", fakeIncident, "9", "--api", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "report 9 of incident not found") {
		t.Errorf("missing version: exit %d stderr %q, want 1 with the API's message", r.code, r.stderr)
	}
}

func TestReportGenerateOnRequest(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "generate", fakeIncident, "--regime", "NIS2", "--phase", "intermediate", "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if want := []map[string]string{{"regime": "NIS2", "phase": "intermediate", "reasons": ""}}; !reflect.DeepEqual(f.posted, want) {
		t.Errorf("posted %v, want %v", f.posted, want)
	}
	for _, want := range []string{"report version 3: NIS2 intermediate for incident " + fakeIncident, "on time", "delivered via outbox",
		"see: incidentctl report show " + fakeIncident + " 3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	list := runCLI(t, "", "report", "list", fakeIncident, "--api", srv.URL)
	if !strings.Contains(list.stdout, "3 report versions") {
		t.Errorf("list after generate:\n%s", list.stdout)
	}
}

func TestReportGenerateLateNeedsReasons(t *testing.T) {
	f := &fakeReportsAPI{}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "generate", fakeIncident, "--regime", "NIS2", "--phase", "early_warning", "--api", srv.URL)
	want := "incidentctl report: invalid input: reasons: the report is late: give the reasons for the delay (NIS2 early_warning was due 2026-11-24T08:00:00Z)\n"
	if r.code != 2 || r.stderr != want {
		t.Errorf("exit %d stderr %q, want 2 and %q", r.code, r.stderr, want)
	}
	r = runCLI(t, "", "report", "generate", fakeIncident, "--regime", "NIS2", "--phase", "early_warning",
		"--reasons", "CSIRT portal down since 23 Nov", "--json", "--api", srv.URL)
	var got incident.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || !got.Late || got.Fields["reasons_for_delay"] != "CSIRT portal down since 23 Nov" {
		t.Errorf("with reasons: exit %d output %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestReportGenerateInvalidInput(t *testing.T) {
	f := &fakeReportsAPI{}
	srv := newFakeReportsAPI(t, f)
	local := []struct {
		args  []string
		field string
	}{
		{[]string{fakeIncident, "--phase", "intermediate"}, "invalid input: regime: is required"},
		{[]string{fakeIncident, "--regime", "NIS2"}, "invalid input: phase: is required"},
		{[]string{fakeIncident, "--regime", " ", "--phase", "final"}, "invalid input: regime: is required"},
		{[]string{"--regime", "NIS2", "--phase", "final"}, "needs exactly one INCIDENT_ID"},
	}
	for _, tc := range local {
		r := runCLI(t, "", append([]string{"report", "generate", "--api", srv.URL}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.field) {
			t.Errorf("%q: exit %d stderr %q, want 2 with %q", tc.args, r.code, r.stderr, tc.field)
		}
	}
	if n := f.seen(); n != 0 {
		t.Fatalf("invalid input reached the API (%d requests)", n)
	}
	r := runCLI(t, "", "report", "generate", fakeIncident, "--regime", "HIPAA", "--phase", "initial", "--api", srv.URL)
	if r.code != 2 || !strings.Contains(r.stderr, `invalid input: regime: "HIPAA" is not a required obligation`) {
		t.Errorf("regime refused by the API: exit %d stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", "report", "generate", "INC-NOPE", "--regime", "GDPR", "--phase", "initial", "--api", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "incident INC-NOPE not found") {
		t.Errorf("unknown incident: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestReportAPIFailureAndUsage(t *testing.T) {
	f := &fakeReportsAPI{fail: true}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "list", fakeIncident, "--api", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "API answered 500: internal error") {
		t.Errorf("API failure: exit %d stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", "report", "list", fakeIncident, "--api", "http://127.0.0.1:1", "--timeout", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach the Herald API") {
		t.Errorf("API down: exit %d stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"report"}, {"report", "delete", fakeIncident}, {"report", "ack", fakeIncident}} {
		if r := runCLI(t, "", args...); r.code != 2 || !strings.Contains(r.stderr, "usage: incidentctl") {
			t.Errorf("%q: exit %d stderr %q, want usage", args, r.code, r.stderr)
		}
	}
}
