package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

func TestReportAckRecordsAcknowledgement(t *testing.T) {
	pinNow(t, reportNow)
	f := &fakeReportsAPI{reports: seededReports(), deliveries: seededDeliveries()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "ack", fakeIncident, "2", "--authority", "de-csirt", "--reference", "CSIRT-2026-9", "--api", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if len(f.acks) != 1 {
		t.Fatalf("%d acknowledgement requests, want 1", len(f.acks))
	}
	got := f.acks[0]
	if got.method != "POST" || got.path != "/api/v1/incidents/"+fakeIncident+"/reports/2/acknowledgement" || got.contentType != "application/json" {
		t.Errorf("request %s %s (%s), want POST to the version's acknowledgement as JSON", got.method, got.path, got.contentType)
	}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil || !reflect.DeepEqual(body, map[string]any{"authority_id": "de-csirt", "reference": "CSIRT-2026-9"}) {
		t.Errorf("body %s (%v), want authority_id and reference", got.body, err)
	}
	for _, want := range []string{
		"acknowledgement recorded: incident " + fakeIncident + ", report version 2, authority de-csirt\n",
		"  method:        webhook\n",
		"  status:        failed\n",
		"  next try:      2026-11-24 14:42 UTC\n",
		"  acknowledged:  2026-11-24 15:30 UTC, CSIRT-2026-9\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The list and the version now show it.
	list := runCLI(t, "", "report", "list", fakeIncident, "--api", srv.URL)
	if !strings.Contains(list.stdout, "1 failed (retry 14:42 UTC), 1 gave up, ack 1") {
		t.Errorf("list after ack:\n%s", list.stdout)
	}
	show := runCLI(t, "", "report", "show", fakeIncident, "2", "--api", srv.URL)
	if !strings.Contains(show.stdout, "    acknowledged:  2026-11-24 15:30 UTC, CSIRT-2026-9\n") {
		t.Errorf("show after ack:\n%s", show.stdout)
	}
}

// TestReportAckWithoutReference: a team that only knows the report
// arrived sends the authority alone.
func TestReportAckWithoutReference(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports(), deliveries: seededDeliveries()}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "--api", srv.URL, "report", "ack", "--authority", " default ", fakeIncident, "1", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if len(f.acks) != 1 || string(f.acks[0].body) != `{"authority_id":"default"}` {
		t.Fatalf("requests %+v, want one body {\"authority_id\":\"default\"}", f.acks)
	}
	var d incident.ReportDelivery
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || d.AuthorityID != "default" || d.Version != 1 ||
		d.AcknowledgedAt == nil || !d.AcknowledgedAt.Equal(ackNow) || d.Acknowledgement != "" {
		t.Errorf("--json output %q (%v), want the API's row", r.stdout, err)
	}
}

func TestReportAckInvalidInput(t *testing.T) {
	f := &fakeReportsAPI{reports: seededReports(), deliveries: seededDeliveries()}
	srv := newFakeReportsAPI(t, f)
	local := []struct {
		args []string
		want string
		code int
	}{
		{[]string{fakeIncident, "2"}, "incidentctl report: invalid input: authority: is required (--authority, the authority's id as `incidentctl report show " + fakeIncident + " 2` lists it)\n", 2},
		{[]string{fakeIncident, "2", "--authority", "  "}, "invalid input: authority: is required (--authority", 2},
		{[]string{fakeIncident, "two", "--authority", "de-bfdi"}, "invalid input: version:", 2},
		{[]string{fakeIncident, "--authority", "de-bfdi"}, "needs INCIDENT_ID VERSION", 2},
		{[]string{fakeIncident, "2", "--authority"}, "flag needs an argument: -authority", 2},
	}
	for _, tc := range local {
		r := runCLI(t, "", append([]string{"report", "ack", "--api", srv.URL}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%q: exit %d stderr %q, want %d with %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	if n := f.seen(); n != 0 {
		t.Fatalf("invalid input reached the API (%d requests)", n)
	}
	api := []struct {
		args []string
		want string
		code int
	}{
		{[]string{fakeIncident, "2", "--authority", "fr-cnil"},
			"incidentctl report: report version 2 of incident has no delivery to authority fr-cnil (check --authority and the version: `incidentctl report show " + fakeIncident + " 2` lists where it went)\n", 1},
		{[]string{fakeIncident, "2", "--authority", "de-csirt", "--reference", strings.Repeat("x", 201)},
			"incidentctl report: invalid input: reference: is longer than 200 characters (--reference)\n", 2},
		{[]string{fakeIncident, "2", "--authority", strings.Repeat("a", 65)},
			"incidentctl report: invalid input: authority: is longer than 64 characters (--authority)\n", 2},
	}
	for _, tc := range api {
		r := runCLI(t, "", append([]string{"report", "ack", "--api", srv.URL}, tc.args...)...)
		if r.code != tc.code || r.stderr != tc.want {
			t.Errorf("%.60q: exit %d stderr %q, want %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	for _, d := range f.deliveries {
		if d.Version == 2 && d.AcknowledgedAt != nil {
			t.Errorf("a refused acknowledgement was recorded: %+v", d)
		}
	}
}

func TestReportAckAPIFailure(t *testing.T) {
	f := &fakeReportsAPI{fail: true}
	srv := newFakeReportsAPI(t, f)
	r := runCLI(t, "", "report", "ack", fakeIncident, "1", "--authority", "de-bfdi", "--api", srv.URL)
	if r.code != 1 || r.stderr != "incidentctl report: API answered 500: internal error\n" {
		t.Errorf("exit %d stderr %q", r.code, r.stderr)
	}
}

func TestReportAckInUsage(t *testing.T) {
	r := runCLI(t, "", "help")
	if !strings.Contains(r.stderr, "  report ack INCIDENT_ID VERSION --authority ID [--reference REF] [--json]\n") {
		t.Errorf("help lacks report ack:\n%s", r.stderr)
	}
	r = runCLI(t, "", "report", "nack")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown report command "nack" (list, show, generate, ack)`) {
		t.Errorf("unknown subcommand: exit %d stderr %q", r.code, r.stderr)
	}
}
