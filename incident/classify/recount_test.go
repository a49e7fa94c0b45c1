package classify_test

import (
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/incidenttest"
)

func obligationOf(t *testing.T, d incident.Decision, regime string) incident.Obligation {
	t.Helper()
	for _, ob := range d.Obligations {
		if ob.Regime == regime {
			return ob
		}
	}
	t.Fatalf("no %s obligation", regime)
	return incident.Obligation{}
}

// TestRecountFromTheSending: a phase's deadline counted again from another
// start, as the policy counts it: business days skip weekends and
// Christmas in Brazil, a month is a calendar month in Helsinki.
func TestRecountFromTheSending(t *testing.T) {
	d := classify.Classify(incidenttest.DemoFacts(t))
	e := classify.Standard()
	sent := time.Date(2026, 12, 1, 11, 22, 0, 0, time.UTC) // a Tuesday
	for _, tc := range []struct {
		regime, phase string
		want          time.Time
	}{
		// 20 working days after 1 December, Christmas Day a holiday: the end
		// of 30 December in São Paulo. Shifting the computed deadline by as
		// much as the communication was early would say 2 January.
		{"Brazil LGPD", "complementary", time.Date(2026, 12, 31, 2, 59, 59, 999999999, time.UTC)},
		{"NIS2", "final", time.Date(2027, 1, 1, 11, 22, 0, 0, time.UTC)},
		{"NIS2", "notification", sent.Add(72 * time.Hour)},
	} {
		got := e.Recount(obligationOf(t, d, tc.regime), tc.phase, sent)
		if got == nil || !got.Equal(tc.want) {
			t.Errorf("%s %s from %v: %v, want %v", tc.regime, tc.phase, sent, got, tc.want)
		}
	}
	gdpr := obligationOf(t, d, "GDPR")
	if got := e.Recount(gdpr, incident.PhaseFollowUp, sent); got != nil {
		t.Errorf("GDPR follow_up has no fixed time, recounted %v", got)
	}
	if got := e.Recount(gdpr, "no_such_phase", sent); got != nil {
		t.Errorf("unknown phase recounted %v", got)
	}
	changed := gdpr
	changed.Schedule = append([]incident.PhaseDue(nil), gdpr.Schedule...)
	changed.Schedule[0].Due = "48 hours" // the decision rests on another policy
	if got := e.Recount(changed, incident.PhaseInitial, sent); got != nil {
		t.Errorf("a deadline the policy in force does not have recounted %v", got)
	}
	other := gdpr
	other.RuleID = "not-in-the-policy"
	if got := e.Recount(other, incident.PhaseInitial, sent); got != nil {
		t.Errorf("a rule the policy in force does not have recounted %v", got)
	}
}
