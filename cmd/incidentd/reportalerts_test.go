package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
)

// TestReportAlertsTellTheTeamOfAGivenUpDelivery: every attempt is
// counted; only a given-up one emails the team, naming the report, the
// authority and what to do, and no address of the authority.
func TestReportAlertsTellTheTeamOfAGivenUpDelivery(t *testing.T) {
	smtp := emailtest.NewServer(t)
	mailer, err := email.New(smtp.Config())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	a := newReportAlerts(teamMail{mailer: mailer, to: teamAddress}, zap.NewNop(), reg)
	rep := incident.Report{IncidentID: "INC-7", Regime: "NIS2", Authority: "CSIRT (DE)", Phase: "early_warning", Version: 3}
	next := time.Now().Add(time.Minute)
	ctx := context.Background()
	a.observe(ctx, rep, incident.ReportDelivery{Version: 3, AuthorityID: "de-bsi", Method: "webhook", Status: incident.ReportDeliveryFailed,
		Tries: 1, Error: "retryable: webhook http 503", NextAt: &next})
	a.observe(ctx, rep, incident.ReportDelivery{Version: 3, AuthorityID: "de-bfdi", Method: "email", Status: incident.ReportDeliverySent, Tries: 1})
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d team emails for attempts that were sent or will be retried", n)
	}
	a.observe(ctx, rep, incident.ReportDelivery{Version: 3, AuthorityID: "de-bsi", Method: "webhook", Status: incident.ReportDeliveryGaveUp,
		Tries: 2, Error: "permanent: webhook http 404"})
	msgs := smtp.Messages()
	if len(msgs) != 1 || msgs[0].Recipients[0] != teamAddress {
		t.Fatalf("team emails %d, want one to the team", len(msgs))
	}
	body := strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(msgs[0].Data))
	for _, want := range []string{"[NIS2] early_warning report version 3 for incident INC-7 was NOT delivered to de-bsi",
		"permanent: webhook http 404", "incidentctl report ack INC-7 3 --authority de-bsi"} {
		if !strings.Contains(msgs[0].Header("Subject")+"\n"+body, want) {
			t.Errorf("team email lacks %q:\n%s", want, body)
		}
	}
	for status, want := range map[string]float64{incident.ReportDeliveryFailed: 1, incident.ReportDeliveryGaveUp: 1} {
		if got := counterValue(t, reg, "herald_report_deliveries_total", map[string]string{"method": "webhook", "status": status}); got != want {
			t.Errorf("webhook %s counted %v, want %v", status, got, want)
		}
	}
	if got := counterValue(t, reg, "herald_report_deliveries_total", map[string]string{"method": "email", "status": incident.ReportDeliverySent}); got != 1 {
		t.Errorf("email sent counted %v, want 1", got)
	}
}
