package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
)

// newSince lists the reports made after the first n, as "regime phase
// (trigger)".
func newSince(t *testing.T, p *pipeline, n int) []string {
	t.Helper()
	var out []string
	for _, r := range p.reports(t, incidenttest.DemoID)[n:] {
		out = append(out, fmt.Sprintf("%s %s (%v)", r.Regime, r.Phase, r.Fields["trigger"]))
	}
	return out
}

func sameList(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// An updated event that changes what the reports say sends each authority
// an update, as the phase its regime has for it; one that changes nothing
// they say sends none.
func TestEnsureSendsUpdatesWhenTheIncidentChanges(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	if got := newSince(t, p, 0); len(got) != demoReports {
		t.Fatalf("after open and a repeat: %v, want the %d first phases once", got, demoReports)
	}
	p.Apply(t, incidenttest.DemoEventOf(t, "evt-upd-1", incident.TypeUpdated, map[string]any{"incident_id": incidenttest.DemoID,
		"measures": map[string]any{"taken": []string{"Revoked the stolen token", "Forced password resets"}}}))
	ensure(t, r, incidenttest.DemoID)
	want := []string{
		"GDPR follow_up (incident updated)",            // Art. 33(4) information in phases
		"NIS2 notification (incident updated)",         // the next phase with a deadline updates the early warning
		"California sample_notice (incident updated)",  // no further phase: a new version
		"Brazil LGPD complementary (incident updated)", // complementary information
	}
	if got := newSince(t, p, demoReports); !sameList(got, want) {
		t.Fatalf("after an update: %v\nwant %v", got, want)
	}
	for _, rep := range p.reports(t, incidenttest.DemoID)[demoReports:] {
		if rep.Late {
			t.Errorf("%s %s: an update on time is not late", rep.Regime, rep.Phase)
		}
	}
	ensure(t, r, incidenttest.DemoID)
	if n := len(p.reports(t, incidenttest.DemoID)); n != 2*demoReports {
		t.Errorf("a repeat made %d more reports", n-2*demoReports)
	}
}

// Publishing the public notice is news for every authority once.
func TestEnsureReportsThePublishedNotice(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	ctx := context.Background()
	if _, err := p.Store.SaveNotice(ctx, incident.Notice{IncidentID: incidenttest.DemoID, Reason: "unreachable",
		Title: "Security notice", PublishedAt: p.Clock.Now(), UpdatedAt: p.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	got := p.reports(t, incidenttest.DemoID)[demoReports:]
	if len(got) != demoReports {
		t.Fatalf("after the notice: %v, want one update per authority", newSince(t, p, demoReports))
	}
	for _, rep := range got {
		if rep.Fields["trigger"] != report.TriggerNotice || rep.Fields["public_notice"] == nil {
			t.Errorf("%s %s: trigger %v, public_notice %v", rep.Regime, rep.Phase, rep.Fields["trigger"], rep.Fields["public_notice"])
		}
	}
}

// The authorities hear when half and then all of the people have been
// processed; the plain Ensure (run on every event) never counts people.
func TestEnsureMilestonesReportNotificationProgress(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	var people []incident.Subject
	for i := range 4 {
		people = append(people, incident.Subject{ID: fmt.Sprintf("u-%d", i), Jurisdiction: "DE", Email: fmt.Sprintf("u%d@example.org", i)})
	}
	p.Apply(t, incidenttest.DemoEventOf(t, "evt-people", incident.TypeSubjects, incident.SubjectsBatch{IncidentID: incidenttest.DemoID, Subjects: people}))
	ctx := context.Background()
	told := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, err := p.Store.FinalizeOutcome(ctx, incidenttest.DemoID, id, incident.OutcomeSent, incident.ChannelEmail); err != nil {
				t.Fatal(err)
			}
		}
	}
	milestones := func() {
		t.Helper()
		if err := r.EnsureMilestones(ctx, incidenttest.DemoID); err != nil {
			t.Fatal(err)
		}
	}
	ensure(t, r, incidenttest.DemoID) // as after the subjects event
	base := len(p.reports(t, incidenttest.DemoID))
	if base != demoReports {
		t.Fatalf("the people's arrival made %v: counts of people are progress, not an update", newSince(t, p, demoReports))
	}
	told("u-0")
	milestones()
	if got := newSince(t, p, base); len(got) != 0 {
		t.Fatalf("at 25 %%: %v, want nothing", got)
	}
	told("u-1")
	ensure(t, r, incidenttest.DemoID)
	if got := newSince(t, p, base); len(got) != 0 {
		t.Fatalf("plain Ensure at 50 %%: %v, want nothing (it does not count people)", got)
	}
	milestones()
	milestones()
	got := newSince(t, p, base)
	if len(got) != demoReports || got[0] != "GDPR follow_up (notification of people 50 % processed)" {
		t.Fatalf("at 50 %%: %v, want one update per authority", got)
	}
	told("u-2", "u-3")
	milestones()
	got = newSince(t, p, base+demoReports)
	if len(got) != demoReports || got[0] != "GDPR follow_up (notification of people 100 % processed)" {
		t.Fatalf("at 100 %%: %v, want one update per authority", got)
	}
	last := p.reports(t, incidenttest.DemoID)
	if pr := asJSON(t, last[len(last)-1].Fields["notification_progress"]).(map[string]any); pr["subjects"] != 4.0 || pr["sent"] != 4.0 {
		t.Errorf("last report's progress %v, want 4 of 4 sent", pr)
	}
}

// After closure each final phase goes once, and nothing more is automatic.
func TestEnsureAfterClosureSendsFinalOnly(t *testing.T) {
	p := demoOpened(t)
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	p.Clock.Advance(2 * time.Hour)
	p.close(t, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	want := []string{"GDPR final (incident closed)", "NIS2 final (incident closed)"}
	if got := newSince(t, p, demoReports); !sameList(got, want) {
		t.Fatalf("after closure: %v, want %v", got, want)
	}
}

// With several processes on one store, only the holder of an incident's
// claim makes its reports: the other's Ensure does nothing.
func TestEnsureOnlyTheClaimHolderReports(t *testing.T) {
	p := demoOpened(t)
	claim := func(owner string) func(context.Context, string) (bool, error) {
		return func(ctx context.Context, id string) (bool, error) {
			return p.Store.Lease(ctx, "reports:"+id, owner, time.Minute)
		}
	}
	recA, recB := &recorder{}, &recorder{}
	a, b := newReporter(t, p, recA), newReporter(t, p, recB)
	a.Claim, b.Claim = claim("process-a"), claim("process-b")
	ensure(t, a, incidenttest.DemoID)
	ensure(t, b, incidenttest.DemoID)
	p.Apply(t, incidenttest.DemoEventOf(t, "evt-upd-claim", incident.TypeUpdated, map[string]any{"incident_id": incidenttest.DemoID,
		"measures": map[string]any{"taken": []string{"Revoked the stolen token"}}}))
	ensure(t, b, incidenttest.DemoID) // b does not hold the claim: a will send the update
	if n := len(p.reports(t, incidenttest.DemoID)); n != demoReports || len(recB.deliveries()) != 0 {
		t.Fatalf("%d reports, %d sent by the process without the claim; want %d and none", n, len(recB.deliveries()), demoReports)
	}
	ensure(t, a, incidenttest.DemoID)
	if got := newSince(t, p, demoReports); len(got) != demoReports {
		t.Errorf("the claim holder's updates: %v, want one per authority", got)
	}
}
