package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
	"github.com/herald-notify/herald/incident/store/sqlite"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notice"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

const teamAddress = "response-team@herald.test"

// clockBed is the demo incident in a real SQLite file, a settable clock,
// an in-process SMTP server behind the real email channel, and observed
// logs: what a deadline watch runs against.
type clockBed struct {
	path  string
	st    *sqlite.Store
	clock *incidenttest.Clock
	smtp  *emailtest.Server
	logs  *observer.ObservedLogs
	log   *zap.Logger
}

// aware is the demo's aware_at: the GDPR, NIS2 and LGPD clocks count from it.
var aware = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func newClockBed(t *testing.T) *clockBed {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	b := &clockBed{path: filepath.Join(t.TempDir(), "h.db"), clock: incidenttest.NewClock(incidenttest.T0),
		smtp: emailtest.NewServer(t), logs: logs, log: zap.New(core)}
	b.open(t)
	incidenttest.MustApply(t, incidenttest.NewApplier(b.st, b.clock), incidenttest.DemoEvent(t))
	if got := *b.incident(t).Facts.AwareAt; !got.Equal(aware) {
		t.Fatalf("demo aware_at = %v, the test counts from %v", got, aware)
	}
	return b
}

func (b *clockBed) open(t *testing.T) {
	t.Helper()
	st, err := sqlite.Open(b.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b.st = st
}

// restart closes the store and opens the same file again, as a new
// incidentd process would.
func (b *clockBed) restart(t *testing.T) {
	t.Helper()
	if err := b.st.Close(); err != nil {
		t.Fatal(err)
	}
	b.open(t)
}

func (b *clockBed) incident(t *testing.T) incident.Incident {
	t.Helper()
	inc, err := b.st.GetIncident(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

// watch is a new deadline watch (as after a start) with its own registry.
func (b *clockBed) watch(t *testing.T) (*clockWatch, *prometheus.Registry) {
	t.Helper()
	mail, err := email.New(b.smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	return newClockWatch(b.st, teamMail{mailer: mail, to: teamAddress}, b.clock.Now, b.log, reg), reg
}

// checkAt moves the clock to aware+hours, runs one pass twice (a second
// pass must add nothing) and returns the warnings logged by them as
// "regime phase level".
func (b *clockBed) checkAt(t *testing.T, w *clockWatch, hours float64) []string {
	t.Helper()
	b.clock.Set(aware.Add(time.Duration(hours * float64(time.Hour))))
	before := b.logs.FilterMessage("report deadline warning").Len()
	for range 2 { // as the periodic check does, every incident
		incidents, err := b.st.ListIncidents(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, inc := range incidents {
			if err := w.checkIncident(context.Background(), inc, w.now().UTC()); err != nil {
				t.Fatalf("check at aware+%gh: %v", hours, err)
			}
		}
	}
	var got []string
	for _, e := range b.logs.FilterMessage("report deadline warning").All()[before:] {
		f := e.ContextMap()
		if f["incident"] != incidenttest.DemoID {
			t.Errorf("warning names incident %v", f["incident"])
		}
		got = append(got, f["regime"].(string)+" "+f["phase"].(string)+" "+f["level"].(string))
	}
	slices.Sort(got)
	return got
}

func wantWarnings(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	got = slices.Sorted(slices.Values(got))
	if !slices.Equal(got, want) {
		t.Errorf("%s: warnings %q, want %q", when, got, want)
	}
}

// warningCount reads herald_deadline_warnings_total{level} from reg.
func warningCount(t *testing.T, reg *prometheus.Registry, level string) float64 {
	t.Helper()
	return counterValue(t, reg, "herald_deadline_warnings_total", map[string]string{"level": level})
}

// counterValue reads the counter name{labels} from reg; 0 when absent.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			matched := 0
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
					matched++
				}
			}
			if matched == len(labels) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestClockWatchWarnsOnceAtEachLevel walks the demo's clocks through their
// deadlines: each unsent phase warns at 50 %, at 80 % and when late, once
// each; one found already late warns once, not three times; a restart on
// the same database does not warn again, yet still warns what is new.
func TestClockWatchWarnsOnceAtEachLevel(t *testing.T) {
	b := newClockBed(t)
	w, reg := b.watch(t)

	wantWarnings(t, "aware+2h", b.checkAt(t, w, 2))
	// GDPR 72 h and NIS2 notification 72 h at half; the NIS2 24 h early
	// warning is past its deadline: late, the one warning it gets.
	wantWarnings(t, "aware+36h", b.checkAt(t, w, 36),
		"GDPR initial warning_50", "NIS2 early_warning late", "NIS2 notification warning_50")
	// 58 h of 72 is past 80 %; LGPD's three business days end 91 h after
	// aware_at (Thursday 23:59:59 in São Paulo): 58 h is past half.
	wantWarnings(t, "aware+58h", b.checkAt(t, w, 58),
		"GDPR initial warning_80", "NIS2 notification warning_80", "Brazil LGPD communication warning_50")
	wantWarnings(t, "aware+73h", b.checkAt(t, w, 73),
		"GDPR initial late", "NIS2 notification late", "Brazil LGPD communication warning_80")

	for level, want := range map[string]float64{incident.ClockWarning50: 3, incident.ClockWarning80: 3, incident.ClockLate: 3} {
		if got := warningCount(t, reg, level); got != want {
			t.Errorf("herald_deadline_warnings_total{level=%q} = %v, want %v", level, got, want)
		}
	}
	checkTeamEmails(t, b, 9)

	b.restart(t)
	w2, reg2 := b.watch(t)
	wantWarnings(t, "after a restart, aware+73h", b.checkAt(t, w2, 73))
	wantWarnings(t, "after a restart, aware+92h", b.checkAt(t, w2, 92), "Brazil LGPD communication late")
	if got := warningCount(t, reg2, incident.ClockLate); got != 1 {
		t.Errorf("after a restart: %v late warnings counted, want 1", got)
	}
	checkTeamEmails(t, b, 10)
}

// checkTeamEmails: n warnings reached the team, and only the team; each
// names its incident, regime and phase, and no log line carries the team's
// address.
func checkTeamEmails(t *testing.T, b *clockBed, n int) {
	t.Helper()
	msgs := b.smtp.Messages()
	if len(msgs) != n {
		t.Fatalf("%d emails, want %d", len(msgs), n)
	}
	for _, m := range msgs {
		subject := m.Header("Subject")
		if !slices.Equal(m.Recipients, []string{teamAddress}) || !strings.Contains(subject, incidenttest.DemoID) ||
			!strings.Contains(subject, " report for incident ") {
			t.Errorf("email to %v, subject %q", m.Recipients, subject)
		}
	}
	for _, e := range b.logs.All() {
		for k, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, teamAddress) {
				t.Errorf("log %q field %s carries the team's address", e.Message, k)
			}
		}
	}
}

// TestClockWatchLateEmailSaysWhatIsOwed: the late warning names the
// authority, the deadline, that reasons for the delay are needed and the
// command that gives them.
func TestClockWatchLateEmailSaysWhatIsOwed(t *testing.T) {
	b := newClockBed(t)
	w, _ := b.watch(t)
	b.checkAt(t, w, 25) // only the NIS2 early warning is late
	msgs := b.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails, want the one late early warning", len(msgs))
	}
	// Quoted-printable soft line breaks ("=\r\n") joined, as a mail reader does.
	body := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(msgs[0].Data))
	for _, want := range []string{"[NIS2] early_warning report for incident " + incidenttest.DemoID + " is LATE",
		"CSIRT or competent authority (DE)", "2026-11-24T08:00:00Z", "reasons for the delay",
		`incidentctl report generate ` + incidenttest.DemoID + ` --regime "NIS2" --phase early_warning --reasons`} {
		if !strings.Contains(strings.Join(strings.Fields(body), " "), want) {
			t.Errorf("late warning email lacks %q:\n%s", want, body)
		}
	}
}

// TestClockWatchSentPhaseNeverWarns: once the reporter has sent every
// first phase, only the phases still owed warn, however late it gets.
func TestClockWatchSentPhaseNeverWarns(t *testing.T) {
	b := newClockBed(t)
	rep := &report.Reporter{Store: b.st, Render: func(incident.Report) string { return "" },
		NoticeURL: func(string) string { return "" }, Now: b.clock.Now, Log: zap.NewNop()}
	if err := rep.Ensure(context.Background(), incidenttest.DemoID); err != nil {
		t.Fatal(err)
	}
	w, _ := b.watch(t)
	var all []string
	for _, h := range []float64{2, 25, 36, 58, 73, 92} {
		all = append(all, b.checkAt(t, w, h)...)
	}
	// NIS2's notification is its second phase: the reporter does not make
	// it on opening, so its clock warns.
	wantWarnings(t, "first phases sent", all,
		"NIS2 notification warning_50", "NIS2 notification warning_80", "NIS2 notification late")
}

// TestClockWatchWatchesClosedIncidents: closing an incident does not stop
// its clocks: the reports it still owes are warned of as for an open one.
func TestClockWatchWatchesClosedIncidents(t *testing.T) {
	b := newClockBed(t)
	inc := b.incident(t)
	w, _ := b.watch(t)
	if _, err := b.st.ApplyEvent(context.Background(), "close-1", inc.ID, incident.TypeClosed, func(tx store.Tx) error {
		inc.Status = incident.StatusClosed
		return tx.PutIncident(inc)
	}); err != nil {
		t.Fatal(err)
	}
	got := b.checkAt(t, w, 92)
	var want []string
	for _, c := range report.Clocks(inc, nil, b.clock.Now(), nil) {
		if c.State == incident.ClockLate {
			want = append(want, c.Regime+" "+c.Phase+" "+c.State)
		}
	}
	if len(want) == 0 {
		t.Fatal("no clock late at aware+92h: the test needs one")
	}
	wantWarnings(t, "closed", got, want...)
}

// TestWatchChecksAtOnce: the periodic check looks at the clocks and makes
// missing reports when it starts, not only after the first interval, and
// stops with its context.
func TestWatchChecksAtOnce(t *testing.T) {
	b := newClockBed(t)
	b.clock.Set(aware.Add(25 * time.Hour))
	w, _ := b.watch(t)
	rules := classify.Standard().Policy().Notice()
	p := &pipeline{log: b.log, clocks: w, owner: "test", metrics: newMetrics(), pace: newPace(b.st),
		reporter:  &report.Reporter{Store: b.st, Now: b.clock.Now, Log: b.log},
		publisher: &notice.Publisher{Store: b.st, Rules: &rules}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.watch(ctx, b.st, time.Hour) }()
	deadline := time.After(10 * time.Second)
	for b.logs.FilterMessage("report deadline warning").Len() == 0 {
		select {
		case <-deadline:
			t.Fatal("no warning from the first pass")
		case <-time.After(5 * time.Millisecond):
		}
	}
	// The pass also makes the reports no event made (here: none ran).
	for {
		reps, err := b.st.ListReports(context.Background(), incidenttest.DemoID)
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) > 0 {
			break
		}
		select {
		case <-deadline:
			t.Fatal("no report from the first pass")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch = %v, want nil once cancelled", err)
	}
}

// TestIncidentAPIShowsClocks: GET /api/v1/incidents/{id} carries every
// clock, computed at the request's time.
func TestIncidentAPIShowsClocks(t *testing.T) {
	b := newClockBed(t)
	srv := httptest.NewServer((&httpAPI{store: b.st, log: b.log, metrics: newMetrics(), publicURL: "http://herald.test"}).routes())
	defer srv.Close()

	before := time.Now()
	res, err := http.Get(srv.URL + "/api/v1/incidents/" + incidenttest.DemoID)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	after := time.Now()
	var v incident.Overview
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET incident: %d, %v", res.StatusCode, err)
	}
	want := report.Clocks(b.incident(t), nil, after, nil)
	if len(v.Clocks) != len(want) || len(want) == 0 {
		t.Fatalf("%d clocks, want %d", len(v.Clocks), len(want))
	}
	for i, c := range v.Clocks {
		w := want[i]
		if c.Regime != w.Regime || c.Phase != w.Phase || c.State != w.State || !equalTimes(c.Deadline, w.Deadline) {
			t.Errorf("clock %d = %+v, want %+v", i, c, w)
		}
		if w.Deadline != nil && (c.SecondsLeft < int64(w.Deadline.Sub(after)/time.Second) ||
			c.SecondsLeft > int64(w.Deadline.Sub(before)/time.Second)) {
			t.Errorf("%s %s: %d s left, not counted at the request", c.Regime, c.Phase, c.SecondsLeft)
		}
	}
}

func equalTimes(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// TestClockWatchRetriesAFailedWarningEmail: the warning is logged once;
// its email, refused by the mail server, goes out on a later pass, once.
func TestClockWatchRetriesAFailedWarningEmail(t *testing.T) {
	b := newClockBed(t)
	w, reg := b.watch(t)
	b.smtp.SetFault(notifiertest.Transient)
	wantWarnings(t, "aware+36h", b.checkAt(t, w, 36),
		"GDPR initial warning_50", "NIS2 early_warning late", "NIS2 notification warning_50")
	if n := len(b.smtp.Messages()); n != 0 {
		t.Fatalf("%d emails accepted while the server refuses", n)
	}
	b.smtp.SetFault(notifiertest.Accept)
	wantWarnings(t, "aware+37h", b.checkAt(t, w, 37)) // no new warning, the emails again
	subjects := map[string]int{}
	for _, m := range b.smtp.Messages() {
		subjects[m.Header("Subject")]++
	}
	if len(subjects) != 3 || subjects["[NIS2] early_warning report for incident "+incidenttest.DemoID+" is LATE"] != 1 {
		t.Errorf("emails after the server recovered: %v, want the three warnings once each", subjects)
	}
	if got := warningCount(t, reg, incident.ClockWarning50); got != 2 {
		t.Errorf("warning_50 counted %v times, want 2 (a retried email is not a new warning)", got)
	}
	wantWarnings(t, "aware+38h", b.checkAt(t, w, 38))
	if n := len(b.smtp.Messages()); n != 3 {
		t.Errorf("%d emails after another pass, want still 3", n)
	}
}
