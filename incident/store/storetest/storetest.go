// Package storetest is the conformance suite every store.Store adapter must
// pass (sqlite now, PostgreSQL later): idempotent events, the delivery
// ledger's at-most-once claims, pending filtering, counting, versioning and
// not-found errors. Each case gets a new, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// Run checks an adapter against the store.Store contract. open must return a
// new, empty store and arrange for it to be closed when t ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"apply_event_once", testApplyEventOnce},
		{"apply_event_rollback", testApplyEventRollback},
		{"cancelled_context", testCancelledContext},
		{"incidents", testIncidents},
		{"decisions", testDecisions},
		{"add_subjects", testAddSubjects},
		{"population", testPopulation},
		{"population_rollback", testPopulationRollback},
		{"claim_once_concurrently", testClaimOnceConcurrently},
		{"finish_attempt", testFinishAttempt},
		{"finish_attempt_errors", testFinishAttemptErrors},
		{"set_outcome", testSetOutcome},
		{"stale_claims", testStaleClaims},
		{"to_queue", testToQueue},
		{"delivery", testDelivery},
		{"attempt_by_provider_id", testAttemptByProviderID},
		{"fail_late", testFailLate},
		{"mark_delivered", testMarkDelivered},
		{"retired_tokens", testRetiredTokens},
		{"progress", testProgress},
		{"progress_queued_unreachable", testProgressQueuedUnreachable},
		{"count_outcome", testCountOutcome},
		{"finish_delivery", testFinishDelivery},
		{"finalize_outcome", testFinalizeOutcome},
		{"lease", testLease},
		{"clock_warnings", testClockWarnings},
		{"concurrent_writers", testConcurrentWriters},
		{"reports", testReports},
		{"report_deliveries", testReportDeliveries},
		{"acknowledge_report", testAcknowledgeReport},
		{"due_report_deliveries", testDueReportDeliveries},
		{"notices", testNotices},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

// t0 is the fixtures' clock; UTC so that stored times compare as JSON.
var t0 = time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)

func newIncident(id string, notify bool) incident.Incident {
	aware := t0
	return incident.Incident{
		ID:     id,
		Status: incident.StatusOpen,
		Facts: incident.Facts{
			IncidentID: id,
			Title:      "Unauthorised access to the support database",
			Kind:       incident.KindPersonalDataBreach,
			AwareAt:    &aware,
			Data:       &incident.DataInfo{Categories: []string{"contact", "credentials"}},
		},
		Decision: decision(id, notify),
		OpenedAt: t0,
		// Distinct from OpenedAt so a swapped column shows.
		UpdatedAt: t0.Add(time.Minute),
	}
}

func decision(incidentID string, notify bool) incident.Decision {
	return incident.Decision{
		IncidentID:       incidentID,
		Severity:         incident.Severity{Band: incident.BandHigh, Score: 3.5, DPC: 3, EI: 1, CB: 0.5},
		Risk:             incident.RiskHigh,
		NotifyAuthority:  true,
		NotifySubjects:   notify,
		SubjectExemption: incident.ExemptionNone,
	}
}

// subject carries every contact field, so leaks into error text show.
func subject(id string) incident.Subject {
	return incident.Subject{
		ID:         id,
		Name:       "Name of " + id,
		Locale:     "pt-BR",
		Email:      id + "@mail.example.com",
		Phone:      "+55119" + fmt.Sprintf("%08d", len(id)*7919),
		PushTokens: []string{"push-token-of-" + id},
		Channels:   []string{incident.ChannelPush, incident.ChannelEmail},
	}
}

func subjects(prefix string, n int) []incident.Subject {
	out := make([]incident.Subject, n)
	for i := range out {
		out[i] = subject(fmt.Sprintf("%s-%d", prefix, i+1))
	}
	return out
}

// seed applies an event that creates inc and adds subs.
func seed(t *testing.T, s store.Store, inc incident.Incident, subs ...incident.Subject) {
	t.Helper()
	applied, err := s.ApplyEvent(context.Background(), "open-"+inc.ID, inc.ID, incident.TypeOpened,
		func(tx store.Tx) error {
			if err := tx.PutIncident(inc); err != nil {
				return err
			}
			_, err := tx.AddSubjects(inc.ID, subs)
			return err
		})
	if err != nil || !applied {
		t.Fatalf("seed %s: applied=%v err=%v", inc.ID, applied, err)
	}
}

// apply runs fn as a new event and fails the test if it is not applied.
func apply(t *testing.T, s store.Store, eventID, incidentID string, fn func(store.Tx) error) {
	t.Helper()
	applied, err := s.ApplyEvent(context.Background(), eventID, incidentID, incident.TypeUpdated, fn)
	if err != nil || !applied {
		t.Fatalf("apply %s: applied=%v err=%v", eventID, applied, err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := incident.ErrorCode(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

// jsonEqual compares values as the API would show them.
func jsonEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// noContact fails if err's text carries any contact detail or name of subs.
func noContact(t *testing.T, err error, subs ...incident.Subject) {
	t.Helper()
	if err == nil {
		return
	}
	text := err.Error()
	for _, s := range subs {
		for _, secret := range append([]string{s.Name, s.Email, s.Phone}, s.PushTokens...) {
			if secret != "" && strings.Contains(text, secret) {
				t.Errorf("error text %q reveals a contact detail of %s", text, s.ID)
			}
		}
	}
}

func claim(t *testing.T, s store.Store, incidentID, subjectID, channel string) {
	t.Helper()
	ok, err := s.ClaimAttempt(context.Background(), store.Attempt{
		IncidentID: incidentID, SubjectID: subjectID, Channel: channel, Tries: 1,
	})
	if err != nil || !ok {
		t.Fatalf("claim %s/%s/%s: claimed=%v err=%v", incidentID, subjectID, channel, ok, err)
	}
}

// claimAt claims an attempt as made at the given time.
func claimAt(t *testing.T, s store.Store, incidentID, subjectID, channel string, at time.Time) {
	t.Helper()
	ok, err := s.ClaimAttempt(context.Background(), store.Attempt{
		IncidentID: incidentID, SubjectID: subjectID, Channel: channel, Tries: 1, ClaimedAt: at,
	})
	if err != nil || !ok {
		t.Fatalf("claim %s/%s/%s: claimed=%v err=%v", incidentID, subjectID, channel, ok, err)
	}
}

// finish claims an attempt and records its result in one step.
func finish(t *testing.T, s store.Store, incidentID, subjectID, channel, status string) {
	t.Helper()
	claim(t, s, incidentID, subjectID, channel)
	err := s.FinishAttempt(context.Background(), store.Attempt{
		IncidentID: incidentID, SubjectID: subjectID, Channel: channel, Status: status, Tries: 1,
	})
	if err != nil {
		t.Fatalf("finish %s/%s/%s: %v", incidentID, subjectID, channel, err)
	}
}

func setOutcome(t *testing.T, s store.Store, incidentID, subjectID, outcome, channel string) {
	t.Helper()
	if err := s.SetOutcome(context.Background(), incidentID, subjectID, outcome, channel); err != nil {
		t.Fatalf("set outcome of %s: %v", subjectID, err)
	}
}

func progress(t *testing.T, s store.Store, incidentID string) incident.Progress {
	t.Helper()
	p, err := s.Progress(context.Background(), incidentID)
	if err != nil {
		t.Fatalf("Progress(%s): %v", incidentID, err)
	}
	return p
}

const day = 24 * time.Hour
