package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/incident/store"
)

// warnLevels are the clock states the response team is warned of, lowest
// first.
var warnLevels = []string{incident.ClockWarning50, incident.ClockWarning80, incident.ClockLate}

// clockWatch warns the response team when a report phase is still unsent
// at 50 % and 80 % of its time and when its deadline passes: a log line, a
// metric and an email to the team, each level once per phase, across
// restarts (the store remembers what was warned).
type clockWatch struct {
	store    store.Store
	team     teamMail
	recount  report.Recount // deadlines counted from an earlier phase's sending
	now      func() time.Time
	log      *zap.Logger
	warnings *prometheus.CounterVec
	// known holds warnings this process has seen marked, so a clock that
	// stays late does not cost a store write every pass.
	known map[string]bool
	// unsent holds, per phase, a warning whose email failed: the next pass
	// tries the email again while the clock stays at that level. It lives
	// in this process only: after a restart the log line and the metric
	// remain.
	unsent map[string]string
}

// newClockWatch registers herald_deadline_warnings_total{level} on reg.
func newClockWatch(st store.Store, team teamMail, now func() time.Time,
	log *zap.Logger, reg prometheus.Registerer) *clockWatch {
	warnings := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_deadline_warnings_total",
		Help: "Warnings to the response team that a report phase is unsent at 50 % or 80 % of its time, or late."},
		[]string{"level"})
	reg.MustRegister(warnings)
	if now == nil {
		now = time.Now
	}
	return &clockWatch{store: st, team: team, now: now, log: log,
		warnings: warnings, known: map[string]bool{}, unsent: map[string]string{}}
}

// checkIncident warns of the incident's clocks that crossed a level since
// they were last warned.
func (w *clockWatch) checkIncident(ctx context.Context, inc incident.Incident, now time.Time) error {
	reports, err := w.store.ListReports(ctx, inc.ID)
	if err != nil {
		return fmt.Errorf("list reports of %s: %w", inc.ID, err)
	}
	for _, c := range report.Clocks(inc, reports, now, w.recount) {
		if err := w.checkClock(ctx, inc.ID, c, now); err != nil {
			return err
		}
	}
	return nil
}

// checkClock warns of the highest level the clock has reached, if not yet
// warned, and marks the lower levels too: a clock found already late (the
// daemon was down) sends one warning, not three, and never an older level
// after a newer one.
func (w *clockWatch) checkClock(ctx context.Context, incidentID string, c incident.Clock, now time.Time) error {
	reached := levelsReached(c.State)
	for i := len(reached) - 1; i >= 0; i-- {
		first, err := w.mark(ctx, incidentID, c, reached[i])
		if err != nil {
			return err
		}
		if first && i == len(reached)-1 {
			w.warn(ctx, incidentID, c, now)
		}
	}
	if level, ok := w.unsent[phaseKey(incidentID, c)]; ok && level == c.State {
		w.email(ctx, incidentID, c, now)
	}
	return nil
}

func phaseKey(incidentID string, c incident.Clock) string {
	return incidentID + "\x00" + c.Regime + "\x00" + c.Phase
}

// levelsReached lists the warning levels at or below state; none for a
// clock running, waiting or sent.
func levelsReached(state string) []string {
	for i, l := range warnLevels {
		if l == state {
			return warnLevels[:i+1]
		}
	}
	return nil
}

func (w *clockWatch) mark(ctx context.Context, incidentID string, c incident.Clock, level string) (bool, error) {
	key := strings.Join([]string{incidentID, c.Regime, c.Phase, level}, "\x00")
	if w.known[key] {
		return false, nil
	}
	first, err := w.store.MarkClockWarning(ctx, incidentID, c.Regime, c.Phase, level)
	if err != nil {
		return false, fmt.Errorf("mark %s %s %s warning of %s: %w", c.Regime, c.Phase, level, incidentID, err)
	}
	w.known[key] = true
	return first, nil
}

// warn tells the team. The warning is marked before it is sent, so only
// the process that marked it sends it, and retries a failed email.
func (w *clockWatch) warn(ctx context.Context, incidentID string, c incident.Clock, now time.Time) {
	w.warnings.WithLabelValues(c.State).Inc()
	w.log.Warn("report deadline warning", zap.String("incident", incidentID), zap.String("regime", c.Regime),
		zap.String("phase", c.Phase), zap.String("level", c.State), zap.Timep("deadline", c.Deadline),
		zap.Int64("seconds_left", c.SecondsLeft))
	w.email(ctx, incidentID, c, now)
}

// email sends the warning to the team; a failure is logged and left for
// the next pass to try again.
func (w *clockWatch) email(ctx context.Context, incidentID string, c incident.Clock, now time.Time) {
	key := "clock:" + c.Regime + ":" + c.Phase + ":" + c.State
	err := w.team.send(ctx, incidentID, key, "clock/"+c.State, warningSubject(incidentID, c), warningText(incidentID, c, now))
	if err != nil {
		w.unsent[phaseKey(incidentID, c)] = c.State
		w.log.Warn("email deadline warning; tried again next pass", zap.String("incident", incidentID), zap.String("regime", c.Regime),
			zap.String("phase", c.Phase), zap.String("level", c.State), zap.Error(err))
		return
	}
	delete(w.unsent, phaseKey(incidentID, c))
}

func warningSubject(incidentID string, c incident.Clock) string {
	if c.State == incident.ClockLate {
		return fmt.Sprintf("[%s] %s report for incident %s is LATE", c.Regime, c.Phase, incidentID)
	}
	return fmt.Sprintf("[%s] %s report for incident %s: %d%% of the time used", c.Regime, c.Phase, incidentID,
		map[string]int{incident.ClockWarning50: 50, incident.ClockWarning80: 80}[c.State])
}

func warningText(incidentID string, c incident.Clock, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Incident:  %s\nRegime:    %s\nAuthority: %s\nPhase:     %s\n", incidentID, c.Regime, c.Authority, c.Phase)
	fmt.Fprintf(&b, "Due:       %s\nDeadline:  %s\n", c.Due, c.Deadline.UTC().Format(time.RFC3339))
	left := c.Deadline.Sub(now).Round(time.Minute)
	if left < 0 {
		fmt.Fprintf(&b, "\nThe deadline passed %s ago and the report has not been sent. A late report must state\n"+
			"the reasons for the delay, so Herald holds it until they are given:\n\n"+
			"  incidentctl report generate %s --regime %q --phase %s --reasons \"...\"\n", -left, incidentID, c.Regime, c.Phase)
	} else {
		fmt.Fprintf(&b, "\n%s left; the report has not been sent. To send it now:\n\n"+
			"  incidentctl report generate %s --regime %q --phase %s\n", left, incidentID, c.Regime, c.Phase)
	}
	return b.String()
}

// overviewClocks is the "clocks" of GET /api/v1/incidents/{id}: computed
// when asked, so the time left is the request's; [] rather than null.
func overviewClocks(v incident.Overview, rc report.Recount) []incident.Clock {
	clocks := report.Clocks(v.Incident, v.Reports, time.Now(), rc)
	if clocks == nil {
		clocks = []incident.Clock{}
	}
	return clocks
}
