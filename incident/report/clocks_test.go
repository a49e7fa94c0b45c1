package report_test

import (
	"math"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/report"
)

// clockOf finds one phase's clock or fails.
func clockOf(t *testing.T, clocks []incident.Clock, regime, phase string) incident.Clock {
	t.Helper()
	for _, c := range clocks {
		if c.Regime == regime && c.Phase == phase {
			return c
		}
	}
	t.Fatalf("no clock for %s %s in %+v", regime, phase, clocks)
	return incident.Clock{}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sameTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestClocksDemoPhases: every phase of every required obligation of the
// demo gets a clock, started and due where the classifier counted them.
func TestClocksDemoPhases(t *testing.T) {
	inc := demoIncident(t)
	aware, detected := *inc.Facts.AwareAt, *inc.Facts.DetectedAt
	clocks := report.Clocks(inc, nil, t0, nil)

	want := 0
	for _, ob := range inc.Decision.Obligations {
		if ob.Required {
			want += len(ob.Schedule)
		}
	}
	if len(clocks) != want || want == 0 {
		t.Fatalf("%d clocks, want one per scheduled phase (%d)", len(clocks), want)
	}
	cases := []struct {
		regime, phase, state string
		start, deadline      string // "" = none
	}{
		{"GDPR", "initial", incident.ClockRunning, "2026-11-23T08:00:00Z", "2026-11-26T08:00:00Z"},
		{"GDPR", "follow_up", incident.ClockWaiting, "2026-11-26T08:00:00Z", ""},
		{"GDPR", "final", incident.ClockWaiting, "", ""},
		{"NIS2", "early_warning", incident.ClockRunning, "2026-11-23T08:00:00Z", "2026-11-24T08:00:00Z"},
		{"NIS2", "notification", incident.ClockRunning, "2026-11-23T08:00:00Z", "2026-11-26T08:00:00Z"},
		{"NIS2", "intermediate", incident.ClockWaiting, "", ""},
		// One month (Europe/Helsinki) from the notification's deadline.
		{"NIS2", "final", incident.ClockRunning, "2026-11-26T08:00:00Z", "2026-12-26T08:00:00Z"},
		{"NIS2", "progress", incident.ClockWaiting, "2026-12-26T08:00:00Z", ""},
		{"California", "sample_notice", incident.ClockRunning, "2026-11-23T06:20:00Z", "2027-01-07T06:20:00Z"},
		// Three Brazilian business days from Monday: end of Thursday in São Paulo.
		{"Brazil LGPD", "communication", incident.ClockRunning, "2026-11-23T08:00:00Z", "2026-11-27T02:59:59.999999999Z"},
		{"Brazil LGPD", "complementary", incident.ClockRunning, "2026-11-27T02:59:59.999999999Z", "2026-12-25T02:59:59.999999999Z"},
	}
	for _, tc := range cases {
		c := clockOf(t, clocks, tc.regime, tc.phase)
		if c.State != tc.state || c.Authority == "" || c.Due == "" {
			t.Errorf("%s %s: state %q authority %q due %q, want state %q", tc.regime, tc.phase, c.State, c.Authority, c.Due, tc.state)
		}
		checkOptTime(t, tc.regime+" "+tc.phase+" started", c.StartedAt, tc.start)
		checkOptTime(t, tc.regime+" "+tc.phase+" deadline", c.Deadline, tc.deadline)
	}
	gdpr := clockOf(t, clocks, "GDPR", "initial")
	if gdpr.SecondsLeft != int64(71*time.Hour/time.Second) || math.Abs(gdpr.Elapsed-1.0/72) > 1e-9 {
		t.Errorf("GDPR initial one hour in: %d s left, elapsed %v", gdpr.SecondsLeft, gdpr.Elapsed)
	}
	if ca := clockOf(t, clocks, "California", "sample_notice"); !ca.StartedAt.Equal(detected) || aware.Equal(detected) {
		t.Errorf("California counts from detected_at %v, got %v", detected, ca.StartedAt)
	}
	if nf := clockOf(t, clocks, "NIS2", "final"); nf.Elapsed != 0 {
		t.Errorf("NIS2 final before its clock starts: elapsed %v, want 0", nf.Elapsed)
	}
}

func checkOptTime(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s = %v, want none", what, got)
		}
		return
	}
	sameTime(t, what, got, at(want))
}

// TestClocksStatesOverTime walks a clock of each kind of deadline (hours,
// business days, a month) through running, 50 %, 80 % and late.
func TestClocksStatesOverTime(t *testing.T) {
	inc := demoIncident(t)
	cases := []struct {
		regime, phase string
	}{
		{"GDPR", "initial"},
		{"NIS2", "early_warning"},
		{"NIS2", "final"},
		{"Brazil LGPD", "communication"},
		{"Brazil LGPD", "complementary"},
		{"California", "sample_notice"},
	}
	for _, tc := range cases {
		base := clockOf(t, report.Clocks(inc, nil, t0, nil), tc.regime, tc.phase)
		start, deadline := *base.StartedAt, *base.Deadline
		span := deadline.Sub(start)
		share := func(num, den time.Duration) time.Duration { return (span*num + den - 1) / den } // rounded up
		steps := []struct {
			now   time.Time
			state string
		}{
			{start.Add(-time.Hour), incident.ClockRunning},
			{start.Add(share(1, 2) - time.Nanosecond), incident.ClockRunning},
			{start.Add(share(1, 2)), incident.ClockWarning50},
			{start.Add(share(8, 10) - time.Nanosecond), incident.ClockWarning50},
			{start.Add(share(8, 10)), incident.ClockWarning80},
			{deadline, incident.ClockWarning80}, // the deadline itself is still on time
			{deadline.Add(time.Second), incident.ClockLate},
			{deadline.Add(30 * 24 * time.Hour), incident.ClockLate},
		}
		for _, s := range steps {
			c := clockOf(t, report.Clocks(inc, nil, s.now, nil), tc.regime, tc.phase)
			wantLeft := int64(deadline.Sub(s.now) / time.Second)
			if c.State != s.state || c.SecondsLeft != wantLeft {
				t.Errorf("%s %s at %s: state %q, %d s left; want %q, %d s", tc.regime, tc.phase,
					s.now.Format(time.RFC3339), c.State, c.SecondsLeft, s.state, wantLeft)
			}
			if c.Elapsed < 0 || c.Elapsed > 1 {
				t.Errorf("%s %s at %s: elapsed %v outside 0..1", tc.regime, tc.phase, s.now.Format(time.RFC3339), c.Elapsed)
			}
		}
	}
}

// TestClocksBusinessDaysShareIsWallTime: the Brazilian complementary phase's
// 20 business days end on Christmas Eve in São Paulo, so the share used
// counts wall time over the whole span, weekends included.
func TestClocksBusinessDaysShareIsWallTime(t *testing.T) {
	inc := demoIncident(t)
	now := at("2026-12-11T02:59:59.999999999Z") // 14 days into a 28-day span
	c := clockOf(t, report.Clocks(inc, nil, now, nil), "Brazil LGPD", "complementary")
	if c.State != incident.ClockWarning50 || math.Abs(c.Elapsed-0.5) > 1e-9 {
		t.Errorf("halfway through the complementary phase: state %q, elapsed %v", c.State, c.Elapsed)
	}
	sao, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Deadline.In(sao); d.Weekday() != time.Thursday || d.Day() != 24 || d.Hour() != 23 {
		t.Errorf("complementary deadline %v, want the end of Thursday 24 December in São Paulo", d)
	}
}

// TestClocksSent: a phase with a report is sent (late when after its own
// deadline, not the obligation's first one), and the first report counts.
func TestClocksSent(t *testing.T) {
	inc := demoIncident(t)
	id := inc.ID
	reports := []incident.Report{
		{IncidentID: id, Regime: "GDPR", Phase: "initial", Version: 1, GeneratedAt: at("2026-11-23T18:00:00Z")},
		{IncidentID: id, Regime: "NIS2", Phase: "early_warning", Version: 2, GeneratedAt: at("2026-11-24T09:00:00Z"), Late: true},
		// After the early warning's deadline, before its own: on time.
		{IncidentID: id, Regime: "NIS2", Phase: "notification", Version: 3, GeneratedAt: at("2026-11-25T09:00:00Z"), Late: true},
		{IncidentID: id, Regime: "GDPR", Phase: "initial", Version: 4, GeneratedAt: at("2026-11-27T09:00:00Z")},
		{IncidentID: id, Regime: "GDPR", Phase: "follow_up", Version: 5, GeneratedAt: at("2026-11-27T10:00:00Z")},
	}
	clocks := report.Clocks(inc, reports, at("2026-11-28T00:00:00Z"), nil)
	cases := []struct {
		regime, phase, state string
		version              int
		late                 bool
	}{
		{"GDPR", "initial", incident.ClockSent, 1, false},
		{"GDPR", "follow_up", incident.ClockSent, 5, false}, // no fixed deadline: never late
		{"NIS2", "early_warning", incident.ClockSent, 2, true},
		{"NIS2", "notification", incident.ClockSent, 3, false},
		{"Brazil LGPD", "communication", incident.ClockLate, 0, false},
		{"California", "sample_notice", incident.ClockRunning, 0, false},
	}
	for _, tc := range cases {
		c := clockOf(t, clocks, tc.regime, tc.phase)
		if c.State != tc.state || c.ReportVersion != tc.version || c.SentLate != tc.late {
			t.Errorf("%s %s: state %q v%d late %v; want %q v%d late %v", tc.regime, tc.phase,
				c.State, c.ReportVersion, c.SentLate, tc.state, tc.version, tc.late)
		}
		if c.State == incident.ClockSent && (c.SentAt == nil || c.SecondsLeft != 0 || c.Elapsed != 0) {
			t.Errorf("%s %s sent: sent_at %v, %d s left, elapsed %v", tc.regime, tc.phase, c.SentAt, c.SecondsLeft, c.Elapsed)
		}
	}
	sameTime(t, "GDPR initial sent_at", clockOf(t, clocks, "GDPR", "initial").SentAt, at("2026-11-23T18:00:00Z"))
}

// TestClocksCountFromTheEarlierPhaseSent: NIS2's final report is due a
// month after the notification was submitted (Art. 23(4)(d)), so a
// notification sent two days before its deadline brings the final's
// deadline two days forward, and its clock starts at the sending.
func TestClocksCountFromTheEarlierPhaseSent(t *testing.T) {
	inc := demoIncident(t)
	before := clockOf(t, report.Clocks(inc, nil, at("2026-11-24T00:00:00Z"), nil), "NIS2", "final")
	sameTime(t, "final deadline counted from the notification's deadline", before.Deadline, at("2026-12-26T08:00:00Z"))
	reports := []incident.Report{
		{IncidentID: inc.ID, Regime: "NIS2", Phase: "early_warning", Version: 1, GeneratedAt: at("2026-11-23T12:00:00Z")},
		{IncidentID: inc.ID, Regime: "NIS2", Phase: "notification", Version: 2, GeneratedAt: at("2026-11-24T08:00:00Z")},
	}
	after := clockOf(t, report.Clocks(inc, reports, at("2026-11-25T00:00:00Z"), nil), "NIS2", "final")
	sameTime(t, "final deadline counted from the notification sent", after.Deadline, at("2026-12-24T08:00:00Z"))
	sameTime(t, "final clock start", after.StartedAt, at("2026-11-24T08:00:00Z"))
	if after.State != incident.ClockRunning || after.Elapsed <= 0 {
		t.Errorf("final: state %q elapsed %v, want running since the notification", after.State, after.Elapsed)
	}
}

// TestClocksRecountFromTheSending: with the policy's count, a phase that
// follows a business-day one is due 20 working days after the sending
// (skipping Christmas); a shift of the computed deadline misses the law's
// day (here by more than a day, on either side depending on the dates).
func TestClocksRecountFromTheSending(t *testing.T) {
	inc := demoIncident(t)
	reports := []incident.Report{{IncidentID: inc.ID, Regime: "Brazil LGPD", Phase: "communication", Version: 1,
		GeneratedAt: at("2026-12-01T11:22:00Z")}}
	now := at("2026-12-02T00:00:00Z")
	shifted := clockOf(t, report.Clocks(inc, reports, now, nil), "Brazil LGPD", "complementary")
	counted := clockOf(t, report.Clocks(inc, reports, now, classify.Standard().Recount), "Brazil LGPD", "complementary")
	sameTime(t, "complementary counted by the policy", counted.Deadline, at("2026-12-30T23:59:59.999999999-03:00"))
	if d := counted.Deadline.Sub(*shifted.Deadline); d < 24*time.Hour && d > -24*time.Hour {
		t.Errorf("counted %v, shifted %v: the test wants dates where a shift misses the law's day", counted.Deadline, shifted.Deadline)
	}
	sameTime(t, "complementary clock start", counted.StartedAt, at("2026-12-01T11:22:00Z"))
}

// TestClocksSkipsWhatIsNotOwed: an obligation not required has no clock;
// one without a schedule (an older decision) has its first phase on the
// obligation's deadline.
func TestClocksSkipsWhatIsNotOwed(t *testing.T) {
	start, deadline := at("2026-11-23T08:00:00Z"), at("2026-11-24T08:00:00Z")
	inc := incident.Incident{ID: "INC-1", Decision: incident.Decision{Obligations: []incident.Obligation{
		{Regime: "UK GDPR", Required: false, Deadline: &deadline, Phases: []string{"initial"}},
		{Regime: "Old", Authority: "A", Required: true, Clock: "aware_at", ClockAt: &start, Deadline: &deadline,
			Due: "24 hours", Phases: []string{"notification", "final"}},
	}}}
	clocks := report.Clocks(inc, nil, at("2026-11-23T22:00:00Z"), nil)
	if len(clocks) != 1 {
		t.Fatalf("clocks = %+v, want only the required obligation's first phase", clocks)
	}
	c := clocks[0]
	if c.Regime != "Old" || c.Phase != "notification" || c.State != incident.ClockWarning50 || c.Due != "24 hours" ||
		math.Abs(c.Elapsed-14.0/24) > 1e-9 {
		t.Errorf("clock = %+v", c)
	}
}
