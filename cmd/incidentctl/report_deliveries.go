package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/herald-notify/herald/incident"
)

// fetchDeliveries returns the incident's report delivery rows, which the
// API gives in the incident's view (report_deliveries), not in the
// reports' own routes.
func fetchDeliveries(ctx context.Context, e *env, id string) ([]incident.ReportDelivery, error) {
	body, err := callAPI(ctx, e.cfg.api, "GET", "/api/v1/incidents/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	var v struct {
		ReportDeliveries []incident.ReportDelivery `json:"report_deliveries"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("decode API response: %w", err)
	}
	return v.ReportDeliveries, nil
}

// deliveriesOf keeps the rows of one report version, in the API's order.
func deliveriesOf(all []incident.ReportDelivery, version int) []incident.ReportDelivery {
	var out []incident.ReportDelivery
	for _, d := range all {
		if d.Version == version {
			out = append(out, d)
		}
	}
	return out
}

// deliverySummary says in a few words how a version reached its
// authorities: "sent 2/2, ack 1", "failed (retry 10:42 UTC)", "gave up",
// "sent 1/2, 1 gave up". With no rows it falls back to the report's
// delivered_via ("not configured", or what an older daemon recorded).
func deliverySummary(rows []incident.ReportDelivery, deliveredVia string) string {
	if len(rows) == 0 {
		return orDash(deliveredVia)
	}
	n := len(rows)
	count := map[string]int{}
	acked := 0
	var retry *time.Time
	for _, d := range rows {
		count[d.Status]++
		if d.AcknowledgedAt != nil {
			acked++
		}
		if d.Status == incident.ReportDeliveryFailed && d.NextAt != nil && (retry == nil || d.NextAt.Before(*retry)) {
			retry = d.NextAt
		}
	}
	// counted prefixes a status with its count when there are several
	// authorities, so "1 failed" is not read as the whole version.
	counted := func(c int, label string) string {
		if n == 1 {
			return label
		}
		return fmt.Sprintf("%d %s", c, label)
	}
	var parts []string
	if c := count[incident.ReportDeliverySent]; c > 0 {
		parts = append(parts, fmt.Sprintf("sent %d/%d", c, n))
	}
	if c := count[incident.ReportDeliveryPending]; c > 0 {
		parts = append(parts, counted(c, "pending"))
	}
	if c := count[incident.ReportDeliveryFailed]; c > 0 {
		label := "failed"
		if retry != nil {
			label += " (retry " + shortWhen(*retry) + ")"
		}
		parts = append(parts, counted(c, label))
	}
	if c := count[incident.ReportDeliveryGaveUp]; c > 0 {
		parts = append(parts, counted(c, "gave up"))
	}
	if other := n - count[incident.ReportDeliverySent] - count[incident.ReportDeliveryPending] -
		count[incident.ReportDeliveryFailed] - count[incident.ReportDeliveryGaveUp]; other > 0 {
		parts = append(parts, counted(other, "unknown status")) // a newer daemon's status
	}
	if acked > 0 {
		parts = append(parts, fmt.Sprintf("ack %d", acked))
	}
	return strings.Join(parts, ", ")
}

// shortWhen drops the date when t is today (UTC), as a retry usually is.
func shortWhen(t time.Time) string {
	t = t.UTC()
	if t.Format(time.DateOnly) == now().UTC().Format(time.DateOnly) {
		return t.Format("15:04 MST")
	}
	return t.Format(timeLayout)
}

// printDeliveries writes one block per authority a version went to. The
// rows hold no address or URL, and none is printed.
func printDeliveries(w io.Writer, rows []incident.ReportDelivery) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "\ndeliveries: none recorded")
		return
	}
	fmt.Fprintf(w, "\ndeliveries (%d):\n", len(rows))
	for _, d := range rows {
		fmt.Fprintf(w, "  %s:\n", d.AuthorityID)
		printDelivery(w, "    ", d)
	}
}

// printDelivery writes one row's fields as "key: value" lines.
func printDelivery(w io.Writer, indent string, d incident.ReportDelivery) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	method := orDash(d.Method)
	if d.Provider != "" && d.Provider != d.Method {
		method += " (" + d.Provider + ")"
	}
	fmt.Fprintf(tw, "%smethod:\t%s\n", indent, method)
	fmt.Fprintf(tw, "%sstatus:\t%s\n", indent, deliveryStatus(d.Status))
	fmt.Fprintf(tw, "%stries:\t%d\n", indent, d.Tries)
	fmt.Fprintf(tw, "%ssent:\t%s\n", indent, whenPtr(d.SentAt))
	fmt.Fprintf(tw, "%sreference:\t%s\n", indent, orDash(d.Reference))
	fmt.Fprintf(tw, "%serror:\t%s\n", indent, orDash(d.Error))
	fmt.Fprintf(tw, "%snext try:\t%s\n", indent, whenPtr(d.NextAt))
	fmt.Fprintf(tw, "%sacknowledged:\t%s\n", indent, acknowledgement(d))
	tw.Flush()
}

// deliveryStatus spells gave_up in words and says what it asks of the team.
func deliveryStatus(s string) string {
	if s == incident.ReportDeliveryGaveUp {
		return "gave up (no more tries: send it another way, then record it with `incidentctl report ack`)"
	}
	return orDash(s)
}

func acknowledgement(d incident.ReportDelivery) string {
	switch {
	case d.AcknowledgedAt == nil && d.Acknowledgement == "":
		return "no"
	case d.Acknowledgement == "":
		return whenPtr(d.AcknowledgedAt)
	}
	return whenPtr(d.AcknowledgedAt) + ", " + d.Acknowledgement
}
