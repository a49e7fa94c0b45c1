package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// reportAlerts hears every report delivery attempt: it counts them
// (herald_report_deliveries_total{method,status}) and, when one is given
// up, tells the response team, who must then reach the authority another
// way: a report the law requires must not fail in silence.
type reportAlerts struct {
	team     teamMail
	log      *zap.Logger
	attempts *prometheus.CounterVec
}

func newReportAlerts(team teamMail, log *zap.Logger, reg prometheus.Registerer) *reportAlerts {
	attempts := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "herald_report_deliveries_total",
		Help: "Attempts to deliver a regulator report to an authority, by method and resulting status (sent, failed: retried, gave_up)."},
		[]string{"method", "status"})
	reg.MustRegister(attempts)
	return &reportAlerts{team: team, log: log, attempts: attempts}
}

func (a *reportAlerts) observe(ctx context.Context, rep incident.Report, d incident.ReportDelivery) {
	a.attempts.WithLabelValues(d.Method, d.Status).Inc()
	if d.Status != incident.ReportDeliveryGaveUp {
		return
	}
	a.log.Error("regulator report could not be delivered: given up, the team must act", zap.String("incident", rep.IncidentID),
		zap.String("regime", rep.Regime), zap.String("phase", rep.Phase), zap.Int("version", rep.Version),
		zap.String("authority", d.AuthorityID), zap.String("method", d.Method), zap.Int("tries", d.Tries), zap.String("error", d.Error))
	subject := fmt.Sprintf("[%s] %s report version %d for incident %s was NOT delivered to %s",
		rep.Regime, rep.Phase, rep.Version, rep.IncidentID, d.AuthorityID)
	key := fmt.Sprintf("report:v%d:%s", rep.Version, d.AuthorityID)
	if err := a.team.send(ctx, rep.IncidentID, key, "report/gave_up", subject, gaveUpText(rep, d)); err != nil {
		a.log.Warn("email the team about an undelivered report", zap.String("incident", rep.IncidentID),
			zap.Int("version", rep.Version), zap.Error(err))
	}
}

func gaveUpText(rep incident.Report, d incident.ReportDelivery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Incident:  %s\nRegime:    %s\nAuthority: %s (%s)\nPhase:     %s, version %d\n", rep.IncidentID,
		rep.Regime, rep.Authority, d.AuthorityID, rep.Phase, rep.Version)
	fmt.Fprintf(&b, "Method:    %s, %d tries\nLast error: %s\n\n", d.Method, d.Tries, d.Error)
	fmt.Fprintf(&b, "Herald has stopped trying. Reach the authority another way (the report's PDF:\n"+
		"GET /api/v1/incidents/%s/reports/%d/pdf), fix its delivery in the authorities file if it is\n"+
		"wrong, and record its acknowledgement:\n\n  incidentctl report ack %s %d --authority %s --reference ...\n",
		rep.IncidentID, rep.Version, rep.IncidentID, rep.Version, d.AuthorityID)
	return b.String()
}
