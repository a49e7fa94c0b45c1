package report_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/notifier"
)

func deliveriesOf(t *testing.T, p *pipeline) []incident.ReportDelivery {
	t.Helper()
	list, err := p.Store.ReportDeliveries(context.Background(), incidenttest.DemoID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func retry(t *testing.T, r interface {
	RetryDeliveries(context.Context) (int, error)
}) int {
	t.Helper()
	n, err := r.RetryDeliveries(context.Background())
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	return n
}

// A delivery that fails for a while is tried again once its backoff has
// passed, not before, and recorded as sent when it goes through; the
// report's delivered_via follows.
func TestRetryDeliversAfterBackoff(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{err: notifier.Retryable("smtp 451", 0)}
	r := newReporter(t, p, rec)
	ensure(t, r, incidenttest.DemoID)
	for _, d := range deliveriesOf(t, p) {
		if d.Status != incident.ReportDeliveryFailed || d.Tries != 1 || d.NextAt == nil || !d.NextAt.After(p.Clock.Now()) {
			t.Fatalf("after a temporary failure: %+v, want failed with a next try", d)
		}
	}
	if n := retry(t, r); n != 0 {
		t.Fatalf("retried %d before the backoff passed", n)
	}
	p.Clock.Advance(time.Minute + time.Second)
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	if n := retry(t, r); n != demoReports {
		t.Fatalf("retried %d, want %d", n, demoReports)
	}
	for _, d := range deliveriesOf(t, p) {
		if d.Status != incident.ReportDeliverySent || d.Tries != 2 || d.SentAt == nil || d.Error != "" {
			t.Errorf("after the retry: %+v, want sent on the second try", d)
		}
	}
	for _, rep := range p.reports(t, incidenttest.DemoID) {
		if rep.DeliveredTo != "recorder" {
			t.Errorf("%s delivered via %q, want recorder", rep.Regime, rep.DeliveredTo)
		}
	}
	if n := retry(t, r); n != 0 {
		t.Errorf("retried %d sent deliveries", n)
	}
}

// Backoff doubles between tries; after the last try, or on a permanent
// failure, the delivery is given up and left to the team.
func TestRetryGivesUp(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{err: notifier.Retryable("smtp 451", 0)}
	r := newReporter(t, p, rec)
	heard := map[string][]string{} // authority's report version -> statuses Observe heard
	r.Observe = func(_ context.Context, rep incident.Report, d incident.ReportDelivery) {
		key := fmt.Sprintf("%s v%d", d.AuthorityID, rep.Version)
		heard[key] = append(heard[key], d.Status)
	}
	ensure(t, r, incidenttest.DemoID)
	var gaps []time.Duration
	for range 20 {
		d := deliveriesOf(t, p)[0]
		if d.Status != incident.ReportDeliveryFailed {
			break
		}
		gaps = append(gaps, d.NextAt.Sub(p.Clock.Now()))
		p.Clock.Set(*d.NextAt)
		retry(t, r)
	}
	d := deliveriesOf(t, p)[0]
	if d.Status != incident.ReportDeliveryGaveUp || d.Tries != 12 || d.NextAt != nil {
		t.Fatalf("after retrying: %+v, want given up after 12 tries", d)
	}
	if got := heard["default v1"]; len(got) != 12 || got[0] != incident.ReportDeliveryFailed || got[11] != incident.ReportDeliveryGaveUp {
		t.Errorf("Observe heard %v for v1, want 11 failed then gave_up", got)
	}
	if gaps[0] != time.Minute || gaps[1] != 2*time.Minute || gaps[2] != 4*time.Minute || gaps[len(gaps)-1] != 4*time.Hour {
		t.Errorf("backoff %v: want 1m, 2m, 4m ... up to 4h", gaps)
	}

	p2 := demoOpened(t)
	r2 := newReporter(t, p2, &recorder{err: notifier.Permanent("smtp 550")})
	ensure(t, r2, incidenttest.DemoID)
	for _, d := range deliveriesOf(t, p2) {
		if d.Status != incident.ReportDeliveryGaveUp || d.Tries != 1 {
			t.Errorf("permanent failure: %+v, want given up at once", d)
		}
	}
}

// A delivery left pending (the sender stopped between recording it and
// its result) is taken up once it has stalled long enough.
func TestRetryTakesUpStalledDeliveries(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	ensure(t, r, incidenttest.DemoID)
	d := deliveriesOf(t, p)[0]
	d.Status, d.SentAt, d.Provider = incident.ReportDeliveryPending, nil, ""
	if err := p.Store.SaveReportDelivery(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	sent := len(rec.deliveries())
	// The store stamps a row with its own (real) clock; the reporter's
	// clock is set from it.
	p.Clock.Set(time.Now().Add(time.Minute))
	if n := retry(t, r); n != 0 {
		t.Fatalf("retried %d deliveries pending for a minute: a send may still be under way", n)
	}
	p.Clock.Set(time.Now().Add(16 * time.Minute))
	if n := retry(t, r); n != 1 || len(rec.deliveries()) != sent+1 {
		t.Fatalf("retried %d, sent %d more; want the stalled one resent", n, len(rec.deliveries())-sent)
	}
}

// A report saved by a sender that stopped before recording any delivery
// (still "pending", no row) is delivered by a later Ensure once it is
// clearly not in flight.
func TestEnsureDeliversAReportLeftUnrouted(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	ensure(t, r, incidenttest.DemoID)
	first := p.reports(t, incidenttest.DemoID)[0] // the same content: not an update of its own
	orphan, err := p.Store.SaveReport(context.Background(), incident.Report{IncidentID: incidenttest.DemoID, Regime: first.Regime,
		Phase: first.Phase, GeneratedAt: p.Clock.Now(), ContentHash: first.ContentHash, DeliveredTo: "pending", Fields: first.Fields})
	if err != nil {
		t.Fatal(err)
	}
	sent := len(rec.deliveries())
	ensure(t, r, incidenttest.DemoID)
	if len(rec.deliveries()) != sent {
		t.Fatal("a report saved a moment ago was delivered again: its sender may still be at work")
	}
	p.Clock.Advance(11 * time.Minute)
	ensure(t, r, incidenttest.DemoID)
	got := rec.deliveries()
	if len(got) != sent+1 || !strings.Contains(got[len(got)-1].SubjectID, fmt.Sprintf(":v%d", orphan.Version)) {
		t.Fatalf("deliveries %d, want the orphan (v%d) delivered once", len(got)-sent, orphan.Version)
	}
	ensure(t, r, incidenttest.DemoID)
	if len(rec.deliveries()) != sent+1 {
		t.Error("the orphan was delivered twice")
	}
}

// An authority that reads its reports over the API is sent nothing, and
// its reports say so rather than "not configured"; authority_email gets
// only the reports no listed authority takes.
func TestReportsOfAnAPIOnlyAuthority(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	r.Routes = func(rep incident.Report) []report.Route {
		if rep.Regime == "GDPR" {
			return []report.Route{{AuthorityID: "de-bfdi"}} // no delivery: it pulls
		}
		return nil
	}
	ensure(t, r, incidenttest.DemoID)
	for _, rep := range p.reports(t, incidenttest.DemoID) {
		want := "recorder"
		if rep.Regime == "GDPR" {
			want = "read over the API"
		}
		if rep.DeliveredTo != want {
			t.Errorf("%s delivered via %q, want %q", rep.Regime, rep.DeliveredTo, want)
		}
	}
	if n := len(rec.deliveries()); n != demoReports-1 {
		t.Errorf("%d emails, want one per report but the GDPR one", n)
	}
	for _, d := range deliveriesOf(t, p) {
		if d.AuthorityID != report.DefaultAuthority {
			t.Errorf("delivery row %+v for an authority that pulls its reports", d)
		}
	}
}
