package apply_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/apply"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store"
)

func TestOpenedCreatesClassifiedIncident(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	ev := incidenttest.DemoEvent(t)
	res := incidenttest.MustApply(t, incidenttest.NewApplier(st, c), ev)

	want := apply.Result{IncidentID: incidenttest.DemoID, Applied: true, DecisionChanged: true}
	if res != want {
		t.Errorf("result = %+v, want %+v", res, want)
	}
	inc := getIncident(t, st, incidenttest.DemoID)
	if inc.Status != incident.StatusOpen || !inc.OpenedAt.Equal(incidenttest.T0) || !inc.UpdatedAt.Equal(incidenttest.T0) {
		t.Errorf("status %q opened %v updated %v, want open at %v", inc.Status, inc.OpenedAt, inc.UpdatedAt, incidenttest.T0)
	}
	if inc.Facts.Title == "" || inc.Facts.Scope == nil || *inc.Facts.Scope.SubjectsEstimate != 48200 {
		t.Errorf("facts not stored as sent: %+v", inc.Facts)
	}
	expected := classify.Classify(inc.Facts)
	d := inc.Decision
	if d.Version != 1 || d.IncidentID != incidenttest.DemoID ||
		d.DecidedAt == nil || !d.DecidedAt.Equal(incidenttest.T0) {
		t.Errorf("decision version %d id %q decided %v, want 1, %s, %v",
			d.Version, d.IncidentID, d.DecidedAt, incidenttest.DemoID, incidenttest.T0)
	}
	if d.Risk != expected.Risk || d.Severity.Score != expected.Severity.Score || len(d.Obligations) != len(expected.Obligations) {
		t.Errorf("decision %+v is not the classifier's %+v", d, expected)
	}
	if ds := decisions(t, st, incidenttest.DemoID); len(ds) != 1 || ds[0].Version != 1 {
		t.Errorf("decision log = %+v, want one version 1", ds)
	}
}

func TestSameEventIDAppliesOnce(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	ev := incidenttest.DemoEvent(t)
	incidenttest.MustApply(t, a, ev)
	before := getIncident(t, st, incidenttest.DemoID)

	c.Advance(time.Hour)
	res := incidenttest.MustApply(t, a, ev)
	if res.Applied || res.DecisionChanged || res.IncidentID != incidenttest.DemoID {
		t.Errorf("redelivery result = %+v, want not applied", res)
	}
	// Even a redelivery carrying other data changes nothing: the id decides.
	other := event(t, ev.ID, incident.TypeUpdated, map[string]any{"incident_id": incidenttest.DemoID, "title": "changed"})
	if res := incidenttest.MustApply(t, a, other); res.Applied {
		t.Errorf("reused id with other data was applied: %+v", res)
	}
	after := getIncident(t, st, incidenttest.DemoID)
	if !after.UpdatedAt.Equal(before.UpdatedAt) || after.Facts.Title != before.Facts.Title || after.Decision.Version != 1 {
		t.Errorf("incident changed by a redelivery: updated %v title %q version %d",
			after.UpdatedAt, after.Facts.Title, after.Decision.Version)
	}
	if ds := decisions(t, st, incidenttest.DemoID); len(ds) != 1 {
		t.Errorf("decision versions = %d, want 1", len(ds))
	}
}

func TestUpdatedMergesFactsAndReclassifies(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
	v1 := getIncident(t, st, incidenttest.DemoID)
	if ob, ok := obligation(v1.Decision, "NIS2"); !ok || !ob.Required {
		t.Fatalf("precondition: the demo owes a NIS2 report, got %+v", v1.Decision.Obligations)
	}

	c.Advance(2 * time.Hour)
	patch := map[string]any{
		"incident_id": incidenttest.DemoID,
		"breach":      map[string]any{"exfiltration": "suspected"}, // nested: siblings stay
		"entity":      map[string]any{"nis2": "none"},
		"remediation": nil, // null deletes
		// Dropping the NIS2 duty needs a reason, or it would be held.
		"change_reason": "legal confirmed the shop is below the NIS2 size threshold",
	}
	res := incidenttest.MustApply(t, a, event(t, "evt-upd-1", incident.TypeUpdated, patch))
	want := apply.Result{IncidentID: incidenttest.DemoID, Applied: true, DecisionChanged: true}
	if res != want {
		t.Errorf("result = %+v, want %+v", res, want)
	}

	inc := getIncident(t, st, incidenttest.DemoID)
	b := inc.Facts.Breach
	if b == nil || b.Exfiltration != "suspected" || b.Confidentiality != v1.Facts.Breach.Confidentiality ||
		b.Malicious == nil || !*b.Malicious {
		t.Errorf("breach after patch = %+v, want exfiltration suspected and the rest kept", b)
	}
	if inc.Facts.Remediation != nil {
		t.Errorf("remediation = %q, want deleted by null", inc.Facts.Remediation)
	}
	if inc.Facts.Title != v1.Facts.Title || !reflect.DeepEqual(inc.Facts.Scope, v1.Facts.Scope) ||
		!reflect.DeepEqual(inc.Facts.Measures, v1.Facts.Measures) || inc.Facts.IncidentID != incidenttest.DemoID {
		t.Errorf("fields the patch did not name changed: %+v", inc.Facts)
	}
	if !inc.OpenedAt.Equal(incidenttest.T0) || !inc.UpdatedAt.Equal(c.Now()) || inc.Status != incident.StatusOpen {
		t.Errorf("opened %v updated %v status %q", inc.OpenedAt, inc.UpdatedAt, inc.Status)
	}
	checkReclassified(t, st, inc)
}

// checkReclassified: version 2 was decided on the merged facts (the demo's
// NIS2 duty is gone once the entity is outside NIS2), and the log keeps both.
func checkReclassified(t *testing.T, st store.Store, inc incident.Incident) {
	t.Helper()
	if inc.Decision.Version != 2 || inc.Decision.ChangeReason == "" {
		t.Errorf("current decision version = %d, reason %q; want 2 with the update's reason",
			inc.Decision.Version, inc.Decision.ChangeReason)
	}
	if ob, ok := obligation(inc.Decision, "NIS2"); ok && ob.Required {
		t.Errorf("decision 2 still requires NIS2: not reclassified on the merged facts")
	}
	ds, err := st.Decisions(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Version != 1 || ds[1].Version != 2 {
		t.Fatalf("decision log = %d entries, want versions 1 and 2", len(ds))
	}
	if ob, ok := obligation(ds[0], "NIS2"); !ok || !ob.Required {
		t.Errorf("decision 1 was rewritten: %+v", ds[0].Obligations)
	}
}

func TestSubjectsAreAddedOnce(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))

	res := incidenttest.MustApply(t, a, event(t, "evt-subj-1", incident.TypeSubjects, subjects("u-1", "u-2", "u-3")))
	if res.SubjectsAdded != 3 || !res.Applied {
		t.Errorf("first batch result = %+v, want 3 added", res)
	}
	// The producer re-sends the batch under a new event id.
	res = incidenttest.MustApply(t, a, event(t, "evt-subj-2", incident.TypeSubjects, subjects("u-1", "u-2", "u-3")))
	if res.SubjectsAdded != 0 || !res.Applied {
		t.Errorf("re-sent batch result = %+v, want applied with 0 added", res)
	}
	res = incidenttest.MustApply(t, a, event(t, "evt-subj-3", incident.TypeSubjects, subjects("u-3", "u-4")))
	if res.SubjectsAdded != 1 {
		t.Errorf("mixed batch added %d, want 1", res.SubjectsAdded)
	}
	if n := subjectCount(t, st, incidenttest.DemoID); n != 4 {
		t.Errorf("stored subjects = %d, want 4", n)
	}
	if ds := decisions(t, st, incidenttest.DemoID); len(ds) != 1 {
		t.Errorf("subjects changed the decision log: %d versions", len(ds))
	}
}

func TestEventsAboutUnknownIncidentAreInvalid(t *testing.T) {
	closedAt := incidenttest.T0
	cases := map[string]any{
		incident.TypeUpdated:  map[string]any{"incident_id": incidenttest.DemoID, "title": "x"},
		incident.TypeSubjects: subjects("u-1"),
		incident.TypeClosed:   incident.Closure{IncidentID: incidenttest.DemoID, RootCause: "phishing", ClosedAt: &closedAt},
	}
	for typ, data := range cases {
		t.Run(typ, func(t *testing.T) {
			st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
			ev := event(t, "evt-orphan", typ, data)
			res, err := incidenttest.NewApplier(st, c).Apply(context.Background(), ev)
			if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "data.incident_id" {
				t.Fatalf("err = %v (code %q field %q), want invalid data.incident_id",
					err, incident.ErrorCode(err), incident.ErrorField(err))
			}
			if res.Applied {
				t.Errorf("result says applied: %+v", res)
			}
			checkNothingStored(t, st, ev.ID)
		})
	}
}

func checkNothingStored(t *testing.T, st store.Store, eventID string) {
	t.Helper()
	ctx := context.Background()
	if seen, err := st.EventApplied(ctx, eventID); err != nil || seen {
		t.Errorf("event %s recorded as applied (%v, %v)", eventID, seen, err)
	}
	if list, err := st.ListIncidents(ctx); err != nil || len(list) != 0 {
		t.Errorf("incidents stored: %d (%v)", len(list), err)
	}
}

func TestEventWithoutIncidentIDOrKnownTypeIsInvalid(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	noID := event(t, "evt-noid", incident.TypeUpdated, map[string]any{"title": "x"})
	noID.Subject = ""
	if _, err := a.Apply(context.Background(), noID); incident.ErrorField(err) != "data.incident_id" {
		t.Errorf("no incident id: err = %v, want invalid data.incident_id", err)
	}
	odd := event(t, "evt-odd", "security.incident.reopened", map[string]any{"incident_id": incidenttest.DemoID})
	if _, err := a.Apply(context.Background(), odd); incident.ErrorField(err) != "type" ||
		incident.ErrorCode(err) != incident.CodeInvalid {
		t.Errorf("unknown type: err = %v, want invalid type", err)
	}
	checkNothingStored(t, st, odd.ID)
}

func TestClosedSetsStatusAndClosure(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))

	c.Advance(72 * time.Hour)
	closure := incident.Closure{IncidentID: incidenttest.DemoID, RootCause: "session token stolen by infostealer malware",
		FinalMeasures: []string{"Bound support sessions to devices"}}
	res := incidenttest.MustApply(t, a, event(t, "evt-close", incident.TypeClosed, closure))
	if !res.Closed || !res.Applied {
		t.Errorf("result = %+v, want applied and closed", res)
	}
	inc := getIncident(t, st, incidenttest.DemoID)
	f := inc.Facts
	if inc.Status != incident.StatusClosed || f.RootCause != closure.RootCause ||
		!slices.Equal(f.FinalMeasures, closure.FinalMeasures) {
		t.Errorf("status %q root cause %q final measures %q", inc.Status, f.RootCause, f.FinalMeasures)
	}
	if f.ClosedAt == nil || !f.ClosedAt.Equal(c.Now()) {
		t.Errorf("closed_at = %v, want the applier's now %v when the event gives none", f.ClosedAt, c.Now())
	}
	if f.Title == "" || f.Measures == nil || !inc.OpenedAt.Equal(incidenttest.T0) {
		t.Errorf("closing lost earlier facts: %+v", f)
	}
}

func TestClosedKeepsGivenClosedAt(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
	given := time.Date(2026, 11, 25, 17, 30, 0, 0, time.UTC)
	incidenttest.MustApply(t, a, event(t, "evt-close", incident.TypeClosed,
		incident.Closure{IncidentID: incidenttest.DemoID, RootCause: "phishing", ClosedAt: &given}))
	if f := getIncident(t, st, incidenttest.DemoID).Facts; f.ClosedAt == nil || !f.ClosedAt.Equal(given) {
		t.Errorf("closed_at = %v, want %v", f.ClosedAt, given)
	}
}

// A failed event leaves no trace, so its redelivery applies in full.
func TestFailedEventIsNotRecorded(t *testing.T) {
	st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
	a := incidenttest.NewApplier(st, c)
	batch := event(t, "evt-subj-early", incident.TypeSubjects, subjects("u-1", "u-2"))
	if _, err := a.Apply(context.Background(), batch); err == nil {
		t.Fatal("subjects before opened: want an error")
	}
	incidenttest.MustApply(t, a, incidenttest.DemoEvent(t))
	res := incidenttest.MustApply(t, a, batch)
	if !res.Applied || res.SubjectsAdded != 2 {
		t.Errorf("redelivered batch = %+v, want applied with 2 added", res)
	}
}

func TestErrorInsideTransactionRollsBack(t *testing.T) {
	t.Run("subjects", func(t *testing.T) {
		st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
		incidenttest.MustApply(t, incidenttest.NewApplier(st, c), incidenttest.DemoEvent(t))
		faulty := incidenttest.NewApplier(&faultyStore{Store: st, failOn: "AddSubjects"}, c)
		ev := event(t, "evt-subj-1", incident.TypeSubjects, subjects("u-1", "u-2"))
		if _, err := faulty.Apply(context.Background(), ev); !errors.Is(err, errInjected) {
			t.Fatalf("err = %v, want the injected failure", err)
		}
		if n := subjectCount(t, st, incidenttest.DemoID); n != 0 {
			t.Errorf("%d subjects survived the failed event", n)
		}
		if seen, _ := st.EventApplied(context.Background(), ev.ID); seen {
			t.Error("failed event recorded as applied")
		}
	})
	t.Run("opened", func(t *testing.T) {
		st, c := incidenttest.OpenStore(t), incidenttest.NewClock(incidenttest.T0)
		faulty := incidenttest.NewApplier(&faultyStore{Store: st, failOn: "PutIncident"}, c)
		ev := incidenttest.DemoEvent(t)
		if _, err := faulty.Apply(context.Background(), ev); !errors.Is(err, errInjected) {
			t.Fatalf("err = %v, want the injected failure", err)
		}
		checkNothingStored(t, st, ev.ID)
		// The decision appended before the failure is gone too: the retry
		// starts again at version 1.
		incidenttest.MustApply(t, incidenttest.NewApplier(st, c), ev)
		if ds := decisions(t, st, incidenttest.DemoID); len(ds) != 1 || ds[0].Version != 1 {
			t.Errorf("decision log after retry = %d entries, want one version 1", len(ds))
		}
	})
}
