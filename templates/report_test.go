package templates

import (
	"strings"
	"testing"
)

func TestReportHTML(t *testing.T) {
	var b strings.Builder
	if err := RenderReportHTML(&b, demoReport()); err != nil {
		t.Fatal(err)
	}
	p := parseHTML(t, b.String())
	checkSelfContained(t, p)
	checkHeadingOrder(t, p)
	text := p.text()
	for _, w := range []string{"GDPR", "Follow-up report", "lead supervisory authority (DE)", "2026-11-19 09:00 UTC",
		"People affected (approximate) 12,000", "US-CA 1,000", "Revoked the leaked API key",
		"Analyst note IoCs shared with the national CSIRT", demoReport().ContentHash} {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	// Sections follow RULES.md §6: timeline before measures before progress.
	order := []string{"Controller and contact", "Timeline", "Nature of the breach", "People and data affected",
		"Severity and likely consequences", "Measures", "Informing the people affected", "Timing and follow-up", "Other information"}
	var got []string
	for _, h := range p.elements("h2") {
		got = append(got, h.FirstChild.Data)
	}
	if strings.Join(got, "|") != strings.Join(order, "|") {
		t.Errorf("sections = %q\nwant %q", got, order)
	}
}

func TestReportLateAndText(t *testing.T) {
	r := demoReport()
	r.Late = true
	r.Phase = "early_warning"
	txt := RenderReportText(r)
	for _, w := range []string{"GDPR incident report: Early warning", "submitted after its deadline",
		"Became aware (deadline clock): 2026-11-19 09:00 UTC", "  DE: 8,000", "  - Revoked the leaked API key",
		"Please quote incident INC-2026-0042", r.ContentHash} {
		if !strings.Contains(txt, w) {
			t.Errorf("text report lacks %q", w)
		}
	}
	var b strings.Builder
	if err := RenderReportHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "submitted after its deadline") {
		t.Error("html report does not flag lateness")
	}
}

func TestReportUnreadableFields(t *testing.T) {
	r := demoReport()
	r.Fields = map[string]any{"bad": make(chan int)}
	var b strings.Builder
	if err := RenderReportHTML(&b, r); err == nil {
		t.Error("want an error for fields that cannot be read")
	}
	if b.Len() != 0 {
		t.Error("a failed report wrote a partial page")
	}
	if txt := RenderReportText(r); !strings.Contains(txt, "could not be rendered") || !strings.Contains(txt, r.IncidentID) {
		t.Errorf("text report for bad fields = %q", txt)
	}
}
