package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/herald-notify/herald/incident"
)

// printReportList writes one line per report version: how it reached the
// authorities, then why it was made (last, as it has spaces).
func printReportList(w io.Writer, id string, reps []incident.Report, deliveries []incident.ReportDelivery) {
	fmt.Fprintf(w, "incident %s: %d report versions, oldest first\n", id, len(reps))
	if len(reps) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tREGIME\tPHASE\tGENERATED\tDEADLINE\tLATE\tDELIVERY\tTRIGGER")
	for _, r := range reps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Version, r.Regime, r.Phase, when(r.GeneratedAt),
			whenPtr(r.Deadline), yesNo(r.Late), deliverySummary(deliveriesOf(deliveries, r.Version), r.DeliveredTo), trigger(r))
	}
	tw.Flush()
}

// trigger is why the report was made (its "trigger" field), or "-" for a
// report from before the field existed.
func trigger(r incident.Report) string {
	s, _ := r.Fields["trigger"].(string)
	return orDash(s)
}

// printReport writes a report's header, how it reached each authority,
// then its fields in key order.
func printReport(w io.Writer, r incident.Report, deliveries []incident.ReportDelivery) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "incident:\t%s\n", r.IncidentID)
	fmt.Fprintf(tw, "report:\tversion %d, %s %s\n", r.Version, r.Regime, r.Phase)
	fmt.Fprintf(tw, "authority:\t%s\n", orDash(r.Authority))
	fmt.Fprintf(tw, "generated:\t%s\n", when(r.GeneratedAt))
	fmt.Fprintf(tw, "deadline:\t%s\n", whenPtr(r.Deadline))
	fmt.Fprintf(tw, "late:\t%s\n", yesNo(r.Late))
	fmt.Fprintf(tw, "trigger:\t%s\n", trigger(r))
	fmt.Fprintf(tw, "delivered via:\t%s\n", orDash(r.DeliveredTo))
	fmt.Fprintf(tw, "content hash:\t%s\n", orDash(r.ContentHash))
	tw.Flush()
	printDeliveries(w, deliveries)
	fmt.Fprintln(w, "\nfields:")
	printValue(w, "  ", toPlain(r.Fields))
}

// printGenerated confirms a report made on request.
func printGenerated(w io.Writer, r incident.Report) {
	late := "on time"
	if r.Late {
		late = "LATE, with reasons for the delay"
	}
	fmt.Fprintf(w, "report version %d: %s %s for incident %s, generated %s, %s, delivered via %s\n",
		r.Version, r.Regime, r.Phase, r.IncidentID, when(r.GeneratedAt), late, orDash(r.DeliveredTo))
	fmt.Fprintf(w, "content hash %s\n", r.ContentHash)
	fmt.Fprintf(w, "see: incidentctl report show %s %d\n", r.IncidentID, r.Version)
}

// toPlain turns a map[string]any into the generic JSON form, so nested
// values print alike whatever Go type decoded them.
func toPlain(fields map[string]any) any {
	b, err := json.Marshal(fields)
	if err != nil {
		return fields
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if dec.Decode(&out) != nil {
		return fields
	}
	return out
}

// printValue writes an object as "key: value" lines, nesting objects and
// lists one level deeper.
func printValue(w io.Writer, indent string, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			printEntry(w, indent, k+":", v[k])
		}
	case []any:
		for _, item := range v {
			printEntry(w, indent, "-", item)
		}
	default:
		fmt.Fprintf(w, "%s%s\n", indent, scalar(v))
	}
}

func printEntry(w io.Writer, indent, label string, v any) {
	switch c := v.(type) {
	case map[string]any:
		if len(c) == 0 {
			fmt.Fprintf(w, "%s%s -\n", indent, label)
			return
		}
		fmt.Fprintf(w, "%s%s\n", indent, label)
		printValue(w, indent+"  ", c)
	case []any:
		if len(c) == 0 {
			fmt.Fprintf(w, "%s%s -\n", indent, label)
			return
		}
		fmt.Fprintf(w, "%s%s\n", indent, label)
		printValue(w, indent+"  ", c)
	default:
		fmt.Fprintf(w, "%s%s %s\n", indent, label, scalar(v))
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "-"
	case string:
		return orDash(v)
	case bool:
		return yesNo(v)
	}
	return fmt.Sprint(v)
}
