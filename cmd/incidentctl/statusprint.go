package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	increport "github.com/herald-notify/herald/incident/report"
)

// now is the clock for "time left"; tests pin it.
var now = time.Now

const timeLayout = "2006-01-02 15:04 MST"

// printStatus writes the readable summary of one incident.
func printStatus(w io.Writer, v incident.Overview, noticeURL string) {
	inc, d := v.Incident, v.Incident.Decision
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "incident:\t%s\n", inc.ID)
	fmt.Fprintf(tw, "title:\t%s\n", orDash(inc.Facts.Title))
	fmt.Fprintf(tw, "status:\t%s (opened %s, updated %s)\n", inc.Status, when(inc.OpenedAt), when(inc.UpdatedAt))
	fmt.Fprintf(tw, "decision:\t%s\n", decisionVersion(d))
	fmt.Fprintf(tw, "severity:\t%s, score %.2f (DPC %g x EI %g + CB %g)\n",
		orDash(d.Severity.Band), d.Severity.Score, d.Severity.DPC, d.Severity.EI, d.Severity.CB)
	fmt.Fprintf(tw, "risk:\t%s\n", orDash(d.Risk))
	fmt.Fprintf(tw, "notify authority:\t%s\n", yesNo(d.NotifyAuthority))
	fmt.Fprintf(tw, "notify subjects:\t%s (exemption: %s)\n", yesNo(d.NotifySubjects), orDash(d.SubjectExemption))
	fmt.Fprintf(tw, "public notice:\t%s\n", yesNo(d.PublicNotice))
	if d.Review != nil && d.Review.HumanReviewRequired {
		fmt.Fprintf(tw, "human review:\trequired (%s)\n", strings.Join(d.Review.Signals, "; "))
	}
	tw.Flush()
	clocks := overviewClocks(v)
	printObligations(w, d.Obligations, clocks)
	printClocks(w, v.Incident.ID, clocks)
	printProgress(w, v.Progress)
	printNotice(w, v.Notice, noticeURL)
	printReports(w, v.Reports, v.ReportDeliveries)
}

func printObligations(w io.Writer, obs []incident.Obligation, clocks []incident.Clock) {
	fmt.Fprintf(w, "\nobligations (%d):\n", len(obs))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, o := range obs {
		req := "not required"
		if o.Required {
			req = "required"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", o.Regime, o.Authority, req, deadline(o.Deadline), timeLeft(o.Deadline))
		if !o.Required && o.Reason != "" {
			fmt.Fprintf(tw, "  \t(%s)\t\t\t\n", o.Reason)
		}
		printLaterPhases(tw, o, clocks)
		if s := o.Subjects; s != nil && s.Required {
			fmt.Fprintf(tw, "  \t  tell the people (%s)\t\t%s\t%s\n", s.Citation, dueOrDeadline(s.Due, s.Deadline), timeLeft(s.Deadline))
		}
	}
	tw.Flush()
}

// overviewClocks are the daemon's clocks; a daemon that sends none (an
// older one) has them computed here from the same incident and reports,
// under the built-in policy.
func overviewClocks(v incident.Overview) []incident.Clock {
	if v.Clocks != nil {
		return v.Clocks
	}
	return increport.Clocks(v.Incident, v.Reports, now(), classify.Standard().Recount)
}

// printClocks shows each report phase's clock: its state and time left, or
// when it was sent.
func printClocks(w io.Writer, incidentID string, clocks []incident.Clock) {
	fmt.Fprintf(w, "\ndeadline clocks (%d):\n", len(clocks))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	var late []incident.Clock
	for _, c := range clocks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Regime, c.Phase, clockState(c), clockDetail(c))
		if c.State == incident.ClockLate {
			late = append(late, c)
		}
	}
	tw.Flush()
	printHeld(w, incidentID, late)
}

// printHeld says how to send the late phases: Herald holds each until the
// team gives the reasons for the delay.
func printHeld(w io.Writer, incidentID string, late []incident.Clock) {
	if len(late) == 0 {
		return
	}
	fmt.Fprintln(w, "  late phases wait for the reasons for the delay; send each with:")
	for _, c := range late {
		fmt.Fprintf(w, "    incidentctl report generate %s --regime %q --phase %s --reasons \"...\"\n", incidentID, c.Regime, c.Phase)
	}
}

// clockState names the state, with the share of the time used while it
// runs.
func clockState(c incident.Clock) string {
	switch c.State {
	case incident.ClockLate:
		return "LATE"
	case incident.ClockRunning, incident.ClockWarning50, incident.ClockWarning80:
		return fmt.Sprintf("%s (%d%% used)", c.State, int(c.Elapsed*100))
	case incident.ClockSent:
		if c.SentLate {
			return "sent late"
		}
	}
	return c.State
}

func clockDetail(c incident.Clock) string {
	switch {
	case c.State == incident.ClockSent && c.SentAt != nil:
		return fmt.Sprintf("at %s (report v%d)", when(*c.SentAt), c.ReportVersion)
	case c.Deadline == nil:
		return orDash(c.Due)
	}
	return deadline(c.Deadline) + ", " + timeLeft(c.Deadline)
}

// printLaterPhases lists the report phases after the first that have a
// fixed deadline, as their clocks count it (from the sending of the phase
// each follows, once sent).
func printLaterPhases(tw io.Writer, o incident.Obligation, clocks []incident.Clock) {
	for i, ph := range o.Schedule {
		due := ph.Deadline
		for _, c := range clocks {
			if c.Regime == o.Regime && c.Phase == ph.Phase && c.Deadline != nil {
				due = c.Deadline
			}
		}
		if i > 0 && due != nil {
			fmt.Fprintf(tw, "  \t  then %s\t\t%s\t%s\n", ph.Phase, deadline(due), timeLeft(due))
		}
	}
}

func dueOrDeadline(due string, t *time.Time) string {
	if t != nil {
		return deadline(t)
	}
	return due
}

// printProgress writes the people's counts, then one line per channel:
// queued with the provider, sent (of which delivered by receipt), failed,
// and the people for whom it was the last channel tried.
func printProgress(w io.Writer, p incident.Progress) {
	fmt.Fprintf(w, "\nprogress: %d subjects: %d sent, %d unreachable, %d uncertain, %d pending (%d queued); %d failed channel attempts\n",
		p.Subjects, p.Sent, p.Unreachable, p.Uncertain, p.Pending, p.Queued, p.Failed)
	channels := make([]string, 0, len(p.ByChannel))
	for ch := range p.ByChannel {
		channels = append(channels, ch)
	}
	sort.Strings(channels)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ch := range channels {
		c := p.ByChannel[ch]
		fmt.Fprintf(tw, "  %s\t%d queued\t%d sent (%d delivered)\t%d failed\t%d unreachable\n",
			ch, c.Queued, c.Sent, c.Delivered, c.Failed, c.Unreachable)
	}
	tw.Flush()
}

func printNotice(w io.Writer, n *incident.Notice, url string) {
	if n == nil {
		fmt.Fprintln(w, "\npublic notice: none published")
		return
	}
	fmt.Fprintf(w, "\npublic notice: %s (revision %d, %s, updated %s)\n", url, n.Revision, orDash(n.Reason), when(n.UpdatedAt))
}

// printReports lists the report versions, each with how it reached the
// authorities (from the delivery rows, else its delivered_via).
func printReports(w io.Writer, reports []incident.Report, deliveries []incident.ReportDelivery) {
	fmt.Fprintf(w, "\nreports (%d):\n", len(reports))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range reports {
		late := ""
		if r.Late {
			late = "\tLATE"
		}
		fmt.Fprintf(tw, "  %s\t%s\tv%d\tgenerated %s\t%s%s\n", r.Regime, r.Phase, r.Version, when(r.GeneratedAt),
			reportDelivery(r, deliveriesOf(deliveries, r.Version)), late)
	}
	tw.Flush()
}

func reportDelivery(r incident.Report, rows []incident.ReportDelivery) string {
	if len(rows) == 0 {
		return "via " + orDash(r.DeliveredTo)
	}
	return deliverySummary(rows, r.DeliveredTo)
}

func deadline(t *time.Time) string {
	if t == nil {
		return "no deadline"
	}
	return "deadline " + t.UTC().Format(timeLayout)
}

// timeLeft says how long until t, or how long ago it passed.
func timeLeft(t *time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now())
	if d < 0 {
		return "overdue by " + roughDuration(-d)
	}
	return roughDuration(d) + " left"
}

// roughDuration prints d to the minute, with days when long.
func roughDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	h := int(d % (24 * time.Hour) / time.Hour)
	m := int(d % time.Hour / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %dm", days, h, m)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
