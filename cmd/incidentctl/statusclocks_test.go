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

func serveView(t *testing.T, view map[string]any) string {
	t.Helper()
	body, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

func statusOutput(t *testing.T, view map[string]any) string {
	t.Helper()
	now = func() time.Time { return statusNow }
	t.Cleanup(func() { now = time.Now })
	r := runCLI(t, "", "status", "INC-DEMO-0001", "--api", serveView(t, view))
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	return r.stdout
}

// clockLine finds the clock line of one regime's phase (columns are
// padded, so it matches on the words).
func clockLine(t *testing.T, out, regime, phase string) string {
	t.Helper()
	_, clocks, ok := strings.Cut(out, "deadline clocks (")
	if !ok {
		t.Fatalf("no deadline clocks section:\n%s", out)
	}
	for _, line := range strings.Split(clocks, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == regime && f[1] == phase {
			return strings.Join(f, " ")
		}
	}
	t.Fatalf("no clock line for %s %s:\n%s", regime, phase, out)
	return ""
}

// TestStatusPrintsDaemonClocks: each clock the daemon sends is one line
// with its state and time left, or when it was sent.
func TestStatusPrintsDaemonClocks(t *testing.T) {
	aware := statusNow.Add(-2 * time.Hour)
	gdpr, nis2, sent := aware.Add(72*time.Hour), aware.Add(time.Hour), aware.Add(90*time.Minute)
	view := cannedView()
	view["clocks"] = []incident.Clock{
		{Regime: "GDPR", Phase: "initial", State: incident.ClockWarning80, StartedAt: &aware, Deadline: &gdpr, Elapsed: 0.83},
		{Regime: "GDPR", Phase: "follow_up", State: incident.ClockWaiting, Due: "in phases without undue further delay"},
		{Regime: "NIS2", Phase: "early_warning", State: incident.ClockSent, Deadline: &nis2, SentAt: &sent, SentLate: true, ReportVersion: 1},
		{Regime: "NIS2", Phase: "notification", State: incident.ClockLate, Deadline: &nis2, Elapsed: 1},
	}
	out := statusOutput(t, view)
	if !strings.Contains(out, "deadline clocks (4):") {
		t.Errorf("status lacks the clock count:\n%s", out)
	}
	for _, want := range []struct{ regime, phase, line string }{
		{"GDPR", "initial", "GDPR initial warning_80 (83% used) deadline 2026-11-26 08:00 UTC, 2d 22h 0m left"},
		{"GDPR", "follow_up", "GDPR follow_up waiting in phases without undue further delay"},
		{"NIS2", "early_warning", "NIS2 early_warning sent late at 2026-11-23 09:30 UTC (report v1)"},
		{"NIS2", "notification", "NIS2 notification LATE deadline 2026-11-23 09:00 UTC, overdue by 1h 0m"},
	} {
		if got := clockLine(t, out, want.regime, want.phase); got != want.line {
			t.Errorf("clock line %q, want %q", got, want.line)
		}
	}
	// The obligations list later phases as their clocks count them.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "then notification") && !strings.Contains(line, "deadline 2026-11-23 09:00 UTC") {
			t.Errorf("later phase %q, want the clock's deadline 2026-11-23 09:00 UTC", strings.TrimSpace(line))
		}
	}
	if !strings.Contains(out, "then notification") {
		t.Errorf("status lacks the later phase:\n%s", out)
	}
	// The late phase, held by Herald, comes with the command that sends it.
	hint := `incidentctl report generate ` + fakeIncident + ` --regime "NIS2" --phase notification --reasons "..."`
	if !strings.Contains(out, "late phases wait for the reasons for the delay") || strings.Count(out, "incidentctl report generate") != 1 ||
		!strings.Contains(out, hint) {
		t.Errorf("status lacks the one command for the late phase (%s):\n%s", hint, out)
	}
}

// TestStatusComputesClocksForAnOlderDaemon: without clocks in the answer,
// status computes them from the incident and its reports.
func TestStatusComputesClocksForAnOlderDaemon(t *testing.T) {
	out := statusOutput(t, cannedView())
	if got, want := clockLine(t, out, "NIS2", "notification"), "NIS2 notification running (0% used) deadline 2026-11-26 08:00 UTC, 2d 22h 0m left"; got != want {
		t.Errorf("clock line %q, want %q", got, want)
	}
	if got := clockLine(t, out, "NIS2", "early_warning"); !strings.HasPrefix(got, "NIS2 early_warning sent at 2026-11-23 08:00 UTC") {
		t.Errorf("sent phase shows %q", got)
	}
	if _, clocks, _ := strings.Cut(out, "deadline clocks ("); strings.Contains(clocks, "California") {
		t.Errorf("an obligation not required has a clock:\n%s", clocks)
	}
}
