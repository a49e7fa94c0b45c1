// Package reportpdf renders a regulator status report as a simple PDF: the
// same sections, order and labels as the text and HTML forms (it lays out
// templates.RenderReportText, so the three never disagree), with the
// content hash in every page's footer.
//
// The output is deterministic: the same report gives the same bytes (the
// document dates are the report's GeneratedAt, streams are uncompressed,
// catalogs sorted, no random ids), so a golden file can pin it.
//
// PDF sets text in the PDF core fonts (Helvetica), whose encoding is
// Windows-1252: Western European text (é, ç, ã, ß, €, “quotes”) prints as
// is; any character outside that set (CJK, Cyrillic, emoji) prints as '?'.
// No font is embedded, so the file is small but not PDF/A conformant.
//
// A Renderer (NewRenderer, with the fonts FindFont finds) embeds Unicode
// TrueType fonts instead, so facts written in Chinese, Japanese, Russian
// or Greek print as written, and marks what no font can print.
package reportpdf

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/templates"
)

// ContentType is the media type to serve and attach the PDF with.
const ContentType = "application/pdf"

// Page geometry in millimetres (A4).
const (
	margin     = 20.0
	lineHeight = 5.0
	indentStep = 5.0
	bulletGap  = 4.0
	// keepWithTitle is the room a section title needs below it.
	keepWithTitle = 7 + 1 + 3*lineHeight
)

// PDF writes rep as a PDF document to w, its text in the core font
// Helvetica (see the package comment). Renderer.PDF embeds Unicode fonts.
func PDF(w io.Writer, rep incident.Report) error {
	return render(w, rep, func(doc *fpdf.Fpdf) typesetter { return coreType{doc} })
}

// render lays rep out with the typesetter that newType makes for the
// document.
func render(w io.Writer, rep incident.Report, newType func(*fpdf.Fpdf) typesetter) error {
	doc := newDocument(rep)
	t := newType(doc)
	doc.SetFooterFunc(func() { t.aside(func() { writeFooter(doc, t, rep.ContentHash) }) })
	doc.AddPage()
	o := outlineOf(templates.RenderReportText(rep))
	writeHeader(doc, t, rep, o)
	for _, s := range o.sections {
		writeSection(doc, t, s)
	}
	doc.Ln(lineHeight)
	t.style("", 9)
	t.block(lineHeight, fmt.Sprintf("Please quote incident %s in any reply.", rep.IncidentID), "")
	t.finish()
	if err := doc.Output(w); err != nil {
		return fmt.Errorf("write report %s version %d as PDF: %w", rep.IncidentID, rep.Version, err)
	}
	return nil
}

// Filename is a safe attachment name for rep's PDF, such as
// "INC-DEMO-0001-GDPR-initial-v1.pdf".
func Filename(rep incident.Report) string {
	name := fmt.Sprintf("%s-%s-%s-v%d", rep.IncidentID, rep.Regime, rep.Phase, rep.Version)
	return unsafeName.ReplaceAllString(name, "_") + ".pdf"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func newDocument(rep incident.Report) *fpdf.Fpdf {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetMargins(margin, margin, margin)
	doc.SetAutoPageBreak(true, margin)
	doc.SetCompression(false) // stable bytes whatever the flate implementation; the files are small
	doc.SetCatalogSort(true)
	generated := rep.GeneratedAt.UTC()
	doc.SetCreationDate(generated)
	doc.SetModificationDate(generated)
	doc.SetTitle(fmt.Sprintf("%s %s report, incident %s, version %d", rep.Regime, rep.Phase, rep.IncidentID, rep.Version), true)
	doc.SetCreator("Herald", true)
	doc.SetLang("en")
	doc.AliasNbPages("{nb}")
	return doc
}

func writeFooter(doc *fpdf.Fpdf, t typesetter, hash string) {
	doc.SetY(-margin + 5)
	t.style("", 7.5)
	doc.SetTextColor(68, 68, 68)
	t.cell(0, 4, "Content hash (SHA-256): "+hash, "T", "L")
	doc.SetX(margin)
	t.cell(0, 4, fmt.Sprintf("Page %d/{nb}", doc.PageNo()), "", "R")
	doc.SetTextColor(0, 0, 0)
}

// writeHeader: title, incident and version, the late warning with the
// reasons for the delay, then the authority, regime, phase and clocks.
func writeHeader(doc *fpdf.Fpdf, t typesetter, rep incident.Report, o outline) {
	t.style("B", 16)
	t.block(8, o.title, "")
	t.style("", 11)
	t.block(6, o.subtitle, "")
	doc.Ln(2)
	if rep.Late {
		writeLate(doc, t, rep)
	}
	for _, kv := range headerRows(rep, o) {
		flow(doc, t, margin, kv[0], kv[1])
	}
}

// headerRows follows the HTML report's table: authority, regime, phase,
// generated, deadline.
func headerRows(rep incident.Report, o outline) [][2]string {
	rows := [][2]string{{"Authority", rep.Authority}, {"Regime", rep.Regime}, {"Phase", o.phase},
		{"Generated", o.header["Generated"]}}
	if d := o.header["Deadline"]; d != "" {
		rows = append(rows, [2]string{"Deadline", d})
	}
	return rows
}

func writeLate(doc *fpdf.Fpdf, t typesetter, rep incident.Report) {
	text := "This report is submitted after its deadline."
	if reasons, ok := rep.Fields["reasons_for_delay"].(string); ok && reasons != "" {
		text += "\nReasons for the delay: " + reasons
	}
	doc.SetDrawColor(176, 0, 32)
	doc.SetTextColor(176, 0, 32)
	doc.SetLineWidth(0.6)
	t.style("B", 11)
	t.block(6, text, "1")
	doc.SetLineWidth(0.2)
	doc.SetDrawColor(0, 0, 0)
	doc.SetTextColor(0, 0, 0)
	doc.Ln(2)
}

func writeSection(doc *fpdf.Fpdf, t typesetter, s section) {
	doc.Ln(3)
	// Keep a title with at least its first lines rather than alone at
	// the foot of a page.
	if _, pageHeight := doc.GetPageSize(); doc.GetY()+keepWithTitle > pageHeight-margin {
		doc.AddPage()
	}
	t.style("B", 12)
	doc.SetDrawColor(187, 187, 187)
	t.block(7, s.title, "B")
	doc.SetDrawColor(0, 0, 0)
	doc.Ln(1)
	for _, l := range s.lines {
		writeLine(doc, t, l)
	}
}

// writeLine sets one line of the text form: "- item" as a bullet,
// "Label: value" with the label in bold, anything else as plain text;
// two leading spaces are one indent step.
func writeLine(doc *fpdf.Fpdf, t typesetter, line string) {
	trimmed := strings.TrimLeft(line, " ")
	x := margin + float64(len(line)-len(trimmed))/2*indentStep
	switch {
	case trimmed == "":
		doc.Ln(lineHeight / 2)
	case trimmed == "-" || strings.HasPrefix(trimmed, "- "):
		t.style("", 10)
		doc.SetX(x)
		t.cell(bulletGap, lineHeight, "•", "", "L")
		if item := strings.TrimPrefix(trimmed, "- "); item != "-" {
			flow(doc, t, x+bulletGap, "", item)
		} else {
			doc.Ln(lineHeight)
		}
	default:
		label, value, _ := strings.Cut(trimmed, ":")
		if !strings.Contains(trimmed, ":") {
			label, value = "", trimmed
		}
		flow(doc, t, x, label, strings.TrimLeft(value, " "))
	}
}

// flow writes an optional bold label and a value as running text whose
// wrapped lines start at x.
func flow(doc *fpdf.Fpdf, t typesetter, x float64, label, value string) {
	doc.SetLeftMargin(x)
	doc.SetX(x)
	if label != "" {
		t.style("B", 10)
		t.write(lineHeight, label+":")
		if value != "" {
			t.write(lineHeight, " ")
		}
	}
	t.style("", 10)
	t.write(lineHeight, value)
	doc.Ln(lineHeight)
	doc.SetLeftMargin(margin)
}
