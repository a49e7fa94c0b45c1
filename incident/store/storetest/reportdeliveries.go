package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// seedReports creates INC-1 with reports 1 and 2 and INC-2 with report 1.
func seedReports(t *testing.T, s store.Store) {
	t.Helper()
	seed(t, s, newIncident("INC-1", true))
	seed(t, s, newIncident("INC-2", true))
	for _, r := range []incident.Report{
		report("INC-1", "GDPR", incident.PhaseInitial),
		report("INC-1", "NIS2", "early_warning"),
		report("INC-2", "GDPR", incident.PhaseInitial),
	} {
		if _, err := s.SaveReport(context.Background(), r); err != nil {
			t.Fatalf("SaveReport: %v", err)
		}
	}
}

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

func saveDelivery(t *testing.T, s store.Store, d incident.ReportDelivery) {
	t.Helper()
	if err := s.SaveReportDelivery(context.Background(), d); err != nil {
		t.Fatalf("SaveReportDelivery(%s v%d %s): %v", d.IncidentID, d.Version, d.AuthorityID, err)
	}
}

func reportDeliveries(t *testing.T, s store.Store, incidentID string) []incident.ReportDelivery {
	t.Helper()
	list, err := s.ReportDeliveries(context.Background(), incidentID)
	if err != nil {
		t.Fatalf("ReportDeliveries(%s): %v", incidentID, err)
	}
	return list
}

// stampedBetween checks that the store set each row's UpdatedAt while the
// test ran, then clears it so the rest compares as saved.
func stampedBetween(t *testing.T, list []incident.ReportDelivery, from, to time.Time) []incident.ReportDelivery {
	t.Helper()
	out := make([]incident.ReportDelivery, len(list))
	for i, d := range list {
		if d.UpdatedAt.Before(from.Add(-time.Millisecond)) || d.UpdatedAt.After(to.Add(time.Millisecond)) {
			t.Errorf("%s v%d %s: updated_at %v, want the store's clock between %v and %v",
				d.IncidentID, d.Version, d.AuthorityID, d.UpdatedAt, from, to)
		}
		d.UpdatedAt = time.Time{}
		out[i] = d
	}
	return out
}

// testReportDeliveries: one row per (incident, version, authority), listed
// by version then authority, replaced whole by a later save; a missing
// report or incident is not found; what cannot be retried is invalid.
func testReportDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedReports(t, s)
	jsonEqual(t, "deliveries before any", reportDeliveries(t, s, "INC-1"), []incident.ReportDelivery{})

	pending := incident.ReportDelivery{IncidentID: "INC-1", Version: 2, AuthorityID: "bfdi",
		Method: "webhook", Status: incident.ReportDeliveryPending, Provider: "webhook"}
	sent := incident.ReportDelivery{IncidentID: "INC-1", Version: 1, AuthorityID: "default",
		Method: "email", Status: incident.ReportDeliverySent, Tries: 1, Provider: "smtp",
		Reference: "<report-1@herald>", SentAt: at(time.Minute)}
	failed := incident.ReportDelivery{IncidentID: "INC-1", Version: 1, AuthorityID: "anpd",
		Method: "webhook", Status: incident.ReportDeliveryFailed, Tries: 2, Provider: "webhook",
		Error: "http 503", NextAt: at(time.Hour)}
	other := incident.ReportDelivery{IncidentID: "INC-2", Version: 1, AuthorityID: "default",
		Method: "email", Status: incident.ReportDeliveryGaveUp, Tries: 5, Error: "smtp 550"}
	from := time.Now()
	for _, d := range []incident.ReportDelivery{pending, sent, failed, other} {
		saveDelivery(t, s, d)
	}
	to := time.Now()
	got := stampedBetween(t, reportDeliveries(t, s, "INC-1"), from, to)
	jsonEqual(t, "deliveries by version, then authority", got, []incident.ReportDelivery{failed, sent, pending})

	// The retry succeeds: the row is replaced, its failure and NextAt gone.
	retried := incident.ReportDelivery{IncidentID: "INC-1", Version: 1, AuthorityID: "anpd",
		Method: "webhook", Status: incident.ReportDeliverySent, Tries: 3, Provider: "webhook",
		Reference: "anpd-case-17", SentAt: at(2 * time.Hour)}
	saveDelivery(t, s, retried)
	list := reportDeliveries(t, s, "INC-1")
	if len(list) > 0 && list[0].UpdatedAt.Before(to.Add(-time.Millisecond)) {
		t.Errorf("replaced row's updated_at %v is from before the replace (%v)", list[0].UpdatedAt, to)
	}
	got = stampedBetween(t, list, from, time.Now())
	jsonEqual(t, "deliveries after a replace", got, []incident.ReportDelivery{retried, sent, pending})
	jsonEqual(t, "another incident's deliveries", stampedBetween(t, reportDeliveries(t, s, "INC-2"), from, to),
		[]incident.ReportDelivery{other})

	missing := sent
	missing.Version = 9
	wantCode(t, s.SaveReportDelivery(ctx, missing), incident.CodeNotFound)
	missing.IncidentID, missing.Version = "INC-missing", 1
	wantCode(t, s.SaveReportDelivery(ctx, missing), incident.CodeNotFound)
	_, err := s.ReportDeliveries(ctx, "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
	testReportDeliveryInvalid(t, s, sent)
}

func testReportDeliveryInvalid(t *testing.T, s store.Store, valid incident.ReportDelivery) {
	for name, change := range map[string]func(*incident.ReportDelivery){
		"no authority":                     func(d *incident.ReportDelivery) { d.AuthorityID = "" },
		"no method":                        func(d *incident.ReportDelivery) { d.Method = "" },
		"version 0":                        func(d *incident.ReportDelivery) { d.Version = 0 },
		"unknown status":                   func(d *incident.ReportDelivery) { d.Status = "delivered" },
		"failed without next attempt":      func(d *incident.ReportDelivery) { d.Status, d.NextAt = incident.ReportDeliveryFailed, nil },
		"acknowledgement without its time": func(d *incident.ReportDelivery) { d.Acknowledgement = "ACK-1" },
	} {
		d := valid
		change(&d)
		err := s.SaveReportDelivery(context.Background(), d)
		if incident.ErrorCode(err) != incident.CodeInvalid {
			t.Errorf("save with %s: %v; want invalid", name, err)
		}
	}
}

// testAcknowledgeReport: the first acknowledgement stays, through repeats
// and later saves; it leaves UpdatedAt to the sender; only a row that
// exists can be acknowledged.
func testAcknowledgeReport(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedReports(t, s)
	sent := incident.ReportDelivery{IncidentID: "INC-1", Version: 1, AuthorityID: "default",
		Method: "email", Status: incident.ReportDeliverySent, Tries: 1, Provider: "smtp", SentAt: at(time.Minute)}
	saveDelivery(t, s, sent)
	saved := reportDeliveries(t, s, "INC-1")[0]

	acked, err := s.AcknowledgeReport(ctx, "INC-1", 1, "default", "ACK-1", t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("AcknowledgeReport: %v", err)
	}
	want := saved
	want.AcknowledgedAt, want.Acknowledgement = at(time.Hour), "ACK-1"
	jsonEqual(t, "acknowledged row", acked, want)
	jsonEqual(t, "acknowledged row as listed", reportDeliveries(t, s, "INC-1"), []incident.ReportDelivery{want})

	again, err := s.AcknowledgeReport(ctx, "INC-1", 1, "default", "ACK-2", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatalf("repeated AcknowledgeReport: %v", err)
	}
	jsonEqual(t, "row after a second acknowledgement", again, want)

	// A later save without an acknowledgement, or with another, keeps it.
	resent := sent
	resent.Tries = 2
	saveDelivery(t, s, resent)
	if got := reportDeliveries(t, s, "INC-1")[0]; got.Tries != 2 || got.Acknowledgement != "ACK-1" ||
		got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("row after a save without acknowledgement = %+v; want tries 2, ACK-1 kept", got)
	}
	resent.AcknowledgedAt, resent.Acknowledgement = at(3*time.Hour), "ACK-3"
	saveDelivery(t, s, resent)
	if got := reportDeliveries(t, s, "INC-1")[0]; got.Acknowledgement != "ACK-1" ||
		got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("row after a save with another acknowledgement = %+v; want ACK-1 at its time kept", got)
	}
	testAcknowledgementInSave(t, s)

	for _, c := range []struct {
		incidentID, authorityID string
		version                 int
	}{{"INC-1", "default", 2}, {"INC-1", "bfdi", 1}, {"INC-missing", "default", 1}} {
		_, err := s.AcknowledgeReport(ctx, c.incidentID, c.version, c.authorityID, "ACK", t0)
		wantCode(t, err, incident.CodeNotFound)
	}
	_, err = s.AcknowledgeReport(ctx, "INC-1", 1, "", "ACK", t0)
	wantCode(t, err, incident.CodeInvalid)
}

// testAcknowledgementInSave: a webhook's answer acknowledges in the save
// itself; an acknowledgement without a time is stamped now.
func testAcknowledgementInSave(t *testing.T, s store.Store) {
	ctx := context.Background()
	answered := incident.ReportDelivery{IncidentID: "INC-1", Version: 2, AuthorityID: "anpd",
		Method: "webhook", Status: incident.ReportDeliverySent, Tries: 1, Provider: "webhook",
		Reference: "case-9", SentAt: at(time.Minute), AcknowledgedAt: at(time.Minute), Acknowledgement: "case-9"}
	saveDelivery(t, s, answered)
	list := reportDeliveries(t, s, "INC-1")
	got := stampedBetween(t, list[len(list)-1:], time.Now().Add(-time.Minute), time.Now())
	jsonEqual(t, "row acknowledged on save", got, []incident.ReportDelivery{answered})

	saveDelivery(t, s, incident.ReportDelivery{IncidentID: "INC-2", Version: 1, AuthorityID: "default",
		Method: "email", Status: incident.ReportDeliverySent})
	from := time.Now()
	d, err := s.AcknowledgeReport(ctx, "INC-2", 1, "default", "", time.Time{})
	if err != nil || d.AcknowledgedAt == nil || d.AcknowledgedAt.Before(from.Add(-time.Millisecond)) {
		t.Errorf("acknowledgement without a time = %+v, %v; want stamped now", d, err)
	}
}

// testDueReportDeliveries: failed rows whose NextAt has come and pending
// rows not written since stalledBefore, across incidents, oldest due
// first; sent, given up and not yet due rows are not listed.
func testDueReportDeliveries(t *testing.T, s store.Store) {
	ctx := context.Background()
	seedReports(t, s)
	before := time.Now().UTC()
	failed := func(incidentID string, version int, authority string, next time.Duration) incident.ReportDelivery {
		n := before.Add(next)
		return incident.ReportDelivery{IncidentID: incidentID, Version: version, AuthorityID: authority,
			Method: "webhook", Status: incident.ReportDeliveryFailed, Tries: 1, Error: "http 503", NextAt: &n}
	}
	rows := map[string]incident.ReportDelivery{
		"INC-2/1/default": failed("INC-2", 1, "default", -3*time.Hour),
		"INC-1/1/anpd":    failed("INC-1", 1, "anpd", -2*time.Hour),
		"INC-1/1/bfdi":    failed("INC-1", 1, "bfdi", -time.Hour),
		"INC-1/1/later":   failed("INC-1", 1, "later", time.Hour),
		"INC-1/2/anpd": {IncidentID: "INC-1", Version: 2, AuthorityID: "anpd", Method: "webhook",
			Status: incident.ReportDeliveryPending},
		"INC-1/2/default": {IncidentID: "INC-1", Version: 2, AuthorityID: "default", Method: "email",
			Status: incident.ReportDeliverySent, SentAt: &before},
		"INC-1/1/default": {IncidentID: "INC-1", Version: 1, AuthorityID: "default", Method: "email",
			Status: incident.ReportDeliveryGaveUp, Tries: 5, Error: "smtp 550"},
	}
	for _, d := range rows {
		saveDelivery(t, s, d)
	}
	after := time.Now().UTC()
	if list, err := s.DueReportDeliveries(ctx, after, before.Add(-time.Second), 10); err != nil {
		t.Fatalf("DueReportDeliveries: %v", err)
	} else {
		jsonEqual(t, "due rows, none stalled", dueIDs(list),
			[]string{"INC-2/1/default", "INC-1/1/anpd", "INC-1/1/bfdi"})
	}

	stalledBefore := after.Add(time.Second)
	list, err := s.DueReportDeliveries(ctx, after, stalledBefore, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"INC-2/1/default", "INC-1/1/anpd", "INC-1/1/bfdi", "INC-1/2/anpd"}
	jsonEqual(t, "due rows with the stalled one", dueIDs(list), want)
	if len(list) == len(want) {
		jsonEqual(t, "a due row as saved", stampedBetween(t, list[:1], before, after), []incident.ReportDelivery{rows[want[0]]})
	}
	if list, err := s.DueReportDeliveries(ctx, after, stalledBefore, 2); err != nil || len(list) != 2 {
		t.Errorf("due rows with limit 2 = %v, %v", dueIDs(list), err)
	} else {
		jsonEqual(t, "due rows with limit 2", dueIDs(list), want[:2])
	}
	// NextAt exactly now is due; a moment earlier it is not.
	edge := before.Add(-2 * time.Hour)
	if list, err := s.DueReportDeliveries(ctx, edge, before.Add(-time.Second), 10); err != nil {
		t.Fatal(err)
	} else {
		jsonEqual(t, "due rows at INC-1/1/anpd's NextAt", dueIDs(list), []string{"INC-2/1/default", "INC-1/1/anpd"})
	}
	_, err = s.DueReportDeliveries(ctx, after, stalledBefore, 0)
	wantCode(t, err, incident.CodeInvalid)
}

func dueIDs(list []incident.ReportDelivery) []string {
	ids := []string{}
	for _, d := range list {
		ids = append(ids, d.IncidentID+"/"+strconv.Itoa(d.Version)+"/"+d.AuthorityID)
	}
	return ids
}
