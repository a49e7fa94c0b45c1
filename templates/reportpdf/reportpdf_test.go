package reportpdf_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/templates"
	"github.com/herald-notify/herald/templates/reportpdf"
)

func render(t *testing.T, rep incident.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := reportpdf.PDF(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGoldenDemoPDF pins the bytes of every report the demo owes at T0
// and reads each back: well-formed, and saying what the report says.
func TestGoldenDemoPDF(t *testing.T) {
	for _, rep := range demoReports(t) {
		t.Run(rep.Regime+"/"+rep.Phase, func(t *testing.T) {
			pdf := render(t, rep)
			golden(t, reportpdf.Filename(rep), pdf)
			checkWellFormed(t, pdf)
			text := pageText(t, pdf)
			for _, want := range []string{incidenttest.DemoID, rep.Regime, rep.Authority, rep.ContentHash,
				"report version " + strconv.Itoa(rep.Version), "Generated: 2026-11-23 10:00 UTC"} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q", want)
				}
			}
		})
	}
}

// TestPDFShowsEveryLineOfTheTextForm: every section title, label and value
// of the plain-text report is in the PDF, in the same order.
func TestPDFShowsEveryLineOfTheTextForm(t *testing.T) {
	rep := demoReport(t, "GDPR")
	// A line broken across pages has the page's footer inside it; the last
	// page's footer stays, as the text form's closing hash line.
	text := pageText(t, render(t, rep))
	footers := pageFooter.FindAllStringIndex(text, -1)
	for i := len(footers) - 2; i >= 0; i-- {
		text = text[:footers[i][0]] + text[footers[i][1]:]
	}
	pos := 0
	for _, line := range strings.Split(templates.RenderReportText(rep), "\n") {
		want := strings.Join(strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "- ")), " ")
		if want == "" || strings.Trim(want, "-") == "" || want == "-" {
			continue
		}
		i := strings.Index(text[pos:], want)
		if i < 0 {
			t.Errorf("PDF lacks, after byte %d, the text line %q", pos, want)
			continue
		}
		pos += i + len(want)
	}
}

// pageFooter is the footer of every page, as pageText reads it.
var pageFooter = regexp.MustCompile(`Content hash \(SHA-256\): [0-9a-f]{64} Page \d+/\d+ ?`)

func TestPDFIsDeterministic(t *testing.T) {
	rep := demoReport(t, "GDPR")
	first, second := render(t, rep), render(t, rep)
	if !bytes.Equal(first, second) {
		t.Fatal("two renderings of one report differ")
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20261123100000)")) {
		t.Error("creation date is not the report's generated_at")
	}
	later := rep
	later.GeneratedAt = rep.GeneratedAt.Add(time.Hour)
	if bytes.Equal(first, render(t, later)) {
		t.Error("a report generated an hour later gives the same bytes")
	}
}

// TestPDFLateReportStatesReasons: the late warning and the reasons for the
// delay head the document.
func TestPDFLateReportStatesReasons(t *testing.T) {
	f := incidenttest.DemoFacts(t)
	d := classify.Classify(f)
	d.Version = 1
	var ob incident.Obligation
	for _, o := range d.Obligations {
		if o.Regime == "GDPR" {
			ob = o
		}
	}
	if ob.Deadline == nil {
		t.Fatal("the demo's GDPR obligation has no deadline")
	}
	inc := incident.Incident{ID: f.IncidentID, Status: incident.StatusOpen, Facts: f, Decision: d}
	rep := report.Build(report.Input{Incident: inc, Obligation: ob, Phase: incident.PhaseInitial, Now: ob.Deadline.Add(time.Hour)})
	rep.Version = 1
	text := pageText(t, render(t, rep))
	head := text[:strings.Index(text, "Authority:")]
	for _, want := range []string{"This report is submitted after its deadline.", "Reasons for the delay: not yet provided by the response team"} {
		if !strings.Contains(head, want) {
			t.Errorf("late report's head %q lacks %q", head, want)
		}
	}
}

// TestPDFHostileText: markup, PDF delimiters, control characters, long
// words and scripts outside Windows-1252 leave a well-formed file that
// shows the Latin text as given and '?' for the rest.
func TestPDFHostileText(t *testing.T) {
	rep := demoReport(t, "GDPR")
	hostile := `<script>alert("x")</script> ') endstream endobj %%EOF \ (unbalanced`
	rep.Authority = hostile
	rep.Fields["title"] = "Violação de dados — “Café” à São Paulo €5"
	rep.Fields["nature_of_breach"] = "数据泄露 утечка 🔥 a\x00b\tc\x1bd"
	rep.Fields[`<script>key`] = []any{hostile, map[string]any{"x": `"><script>`}}
	rep.Fields["long_word"] = strings.Repeat("A", 400)
	rep.Late, rep.Fields["reasons_for_delay"] = true, "(waiting) for \\forensics\\"

	pdf := render(t, rep)
	checkWellFormed(t, pdf)
	text := pageText(t, pdf)
	for _, want := range []string{hostile, "Violação de dados — “Café” à São Paulo €5", "???? ?????? ? a b c d",
		`<script>key: • ` + hostile, `X: "><script>`, "Reasons for the delay: (waiting) for \\forensics\\"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q in\n%s", want, text)
		}
	}
	if strings.Count(strings.ReplaceAll(text, " ", ""), "A") < 400 {
		t.Error("a 400-character word lost characters")
	}
}

func TestFilename(t *testing.T) {
	rep := incident.Report{IncidentID: "INC-1/../x", Regime: "US-CA", Phase: "early_warning", Version: 3}
	if got, want := reportpdf.Filename(rep), "INC-1_.._x-US-CA-early_warning-v3.pdf"; got != want {
		t.Errorf("Filename = %q, want %q", got, want)
	}
}
