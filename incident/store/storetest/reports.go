package storetest

import (
	"context"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

func report(incidentID, regime, phase string) incident.Report {
	return incident.Report{
		IncidentID:  incidentID,
		Regime:      regime,
		Authority:   "lead supervisory authority (DE)",
		Phase:       phase,
		Fields:      map[string]any{"nature": "unauthorised access", "subjects_estimate": 12000.0},
		ContentHash: "sha256:" + regime + "-" + phase,
		DeliveredTo: "outbox",
	}
}

func testReports(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.SaveReport(ctx, report("INC-missing", "GDPR", incident.PhaseInitial))
	wantCode(t, err, incident.CodeNotFound)
	seed(t, s, newIncident("INC-1", true))
	seed(t, s, newIncident("INC-2", true))
	if list, err := s.ListReports(ctx, "INC-1"); err != nil || len(list) != 0 {
		t.Fatalf("ListReports before any = %v, %v; want none", list, err)
	}

	var saved []incident.Report
	for i, r := range []incident.Report{
		report("INC-1", "GDPR", incident.PhaseInitial),
		report("INC-1", "NIS2", "early_warning"),
		report("INC-1", "GDPR", incident.PhaseFollowUp),
	} {
		got, err := s.SaveReport(ctx, r)
		if err != nil {
			t.Fatalf("SaveReport #%d: %v", i+1, err)
		}
		if got.Version != i+1 || got.GeneratedAt.IsZero() {
			t.Errorf("report #%d: version %d, generated_at %v; want %d and set", i+1, got.Version, got.GeneratedAt, i+1)
		}
		saved = append(saved, got)
	}
	other, err := s.SaveReport(ctx, report("INC-2", "GDPR", incident.PhaseInitial))
	if err != nil || other.Version != 1 {
		t.Errorf("first report of another incident: version %d, %v; want 1", other.Version, err)
	}
	list, err := s.ListReports(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "reports oldest first", list, saved)
	_, err = s.ListReports(ctx, "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
	testReportDelivery(t, s, saved)
}

// testReportDelivery: recording the delivery changes delivered_via of that
// one report and nothing else of it or of the others.
func testReportDelivery(t *testing.T, s store.Store, saved []incident.Report) {
	ctx := context.Background()
	if err := s.SetReportDelivery(ctx, "INC-1", 2, "failed: render pdf: boom"); err != nil {
		t.Fatal(err)
	}
	want := append([]incident.Report(nil), saved...)
	want[1].DeliveredTo = "failed: render pdf: boom"
	list, err := s.ListReports(ctx, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "reports after recording one delivery", list, want)
	wantCode(t, s.SetReportDelivery(ctx, "INC-1", 99, "smtp"), incident.CodeNotFound)
	wantCode(t, s.SetReportDelivery(ctx, "INC-missing", 1, "smtp"), incident.CodeNotFound)
}

func notice(incidentID, title string) incident.Notice {
	return incident.Notice{
		IncidentID: incidentID,
		Reason:     "high risk to people",
		Title:      title,
		Facts:      incident.Facts{IncidentID: incidentID, Title: title},
	}
}

func testNotices(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.GetNotice(ctx, "INC-1")
	wantCode(t, err, incident.CodeNotFound)
	if list, err := s.ListNotices(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ListNotices on an empty store = %v, %v", list, err)
	}
	_, err = s.SaveNotice(ctx, notice("INC-missing", "x"))
	wantCode(t, err, incident.CodeNotFound)
	seed(t, s, newIncident("INC-A", true))
	seed(t, s, newIncident("INC-B", true))

	first, err := s.SaveNotice(ctx, notice("INC-A", "Access to support data"))
	if err != nil || first.Revision != 1 || first.PublishedAt.IsZero() || first.UpdatedAt.IsZero() {
		t.Fatalf("first notice = %+v, %v; want revision 1 with times set", first, err)
	}
	second, err := s.SaveNotice(ctx, notice("INC-A", "Access to support data (updated)"))
	if err != nil || second.Revision != 2 || !second.PublishedAt.Equal(first.PublishedAt) {
		t.Fatalf("second notice = %+v, %v; want revision 2, first published_at kept", second, err)
	}
	latest, err := s.GetNotice(ctx, "INC-A")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "latest notice", latest, second)

	b := notice("INC-B", "Service outage")
	b.PublishedAt = first.PublishedAt.Add(day)
	b, err = s.SaveNotice(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListNotices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "latest notice of each, newest first", list, []incident.Notice{b, second})

	revs, err := s.NoticeRevisions(ctx, "INC-A")
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "every revision, oldest first", revs, []incident.Notice{first, second})
	_, err = s.NoticeRevisions(ctx, "INC-none")
	wantCode(t, err, incident.CodeNotFound)
}
