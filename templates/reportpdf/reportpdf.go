// Package reportpdf renders a regulator status report as a simple PDF: the
// same sections, order and labels as the text and HTML forms (it lays out
// templates.RenderReportText, so the three never disagree), with the
// content hash in every page's footer.
//
// The output is deterministic: the same report gives the same bytes (the
// document dates are the report's GeneratedAt, streams are uncompressed,
// catalogs sorted, no random ids), so a golden file can pin it.
//
// Text is set in the PDF core fonts (Helvetica), whose encoding is
// Windows-1252: Western European text (é, ç, ã, ß, €, “quotes”) prints as
// is; any character outside that set (CJK, Cyrillic, emoji) prints as '?'.
// No font is embedded, so the file is small but not PDF/A conformant.
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

// PDF writes rep as a PDF document to w.
func PDF(w io.Writer, rep incident.Report) error {
	doc := newDocument(rep)
	o := outlineOf(templates.RenderReportText(rep))
	writeHeader(doc, rep, o)
	for _, s := range o.sections {
		writeSection(doc, s)
	}
	doc.Ln(lineHeight)
	doc.SetFont("Helvetica", "", 9)
	doc.MultiCell(0, lineHeight, cp1252(fmt.Sprintf("Please quote incident %s in any reply.", rep.IncidentID)), "", "L", false)
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
	doc.SetFooterFunc(func() { writeFooter(doc, rep.ContentHash) })
	doc.AddPage()
	return doc
}

func writeFooter(doc *fpdf.Fpdf, hash string) {
	doc.SetY(-margin + 5)
	doc.SetFont("Helvetica", "", 7.5)
	doc.SetTextColor(68, 68, 68)
	doc.CellFormat(0, 4, cp1252("Content hash (SHA-256): "+hash), "T", 0, "L", false, 0, "")
	doc.SetX(margin)
	doc.CellFormat(0, 4, fmt.Sprintf("Page %d/{nb}", doc.PageNo()), "", 0, "R", false, 0, "")
	doc.SetTextColor(0, 0, 0)
}

// writeHeader: title, incident and version, the late warning with the
// reasons for the delay, then the authority, regime, phase and clocks.
func writeHeader(doc *fpdf.Fpdf, rep incident.Report, o outline) {
	doc.SetFont("Helvetica", "B", 16)
	doc.MultiCell(0, 8, cp1252(o.title), "", "L", false)
	doc.SetFont("Helvetica", "", 11)
	doc.MultiCell(0, 6, cp1252(o.subtitle), "", "L", false)
	doc.Ln(2)
	if rep.Late {
		writeLate(doc, rep)
	}
	for _, kv := range headerRows(rep, o) {
		flow(doc, margin, kv[0], kv[1])
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

func writeLate(doc *fpdf.Fpdf, rep incident.Report) {
	text := "This report is submitted after its deadline."
	if reasons, ok := rep.Fields["reasons_for_delay"].(string); ok && reasons != "" {
		text += "\nReasons for the delay: " + reasons
	}
	doc.SetDrawColor(176, 0, 32)
	doc.SetTextColor(176, 0, 32)
	doc.SetLineWidth(0.6)
	doc.SetFont("Helvetica", "B", 11)
	doc.MultiCell(0, 6, cp1252(text), "1", "L", false)
	doc.SetLineWidth(0.2)
	doc.SetDrawColor(0, 0, 0)
	doc.SetTextColor(0, 0, 0)
	doc.Ln(2)
}

func writeSection(doc *fpdf.Fpdf, s section) {
	doc.Ln(3)
	// Keep a title with at least its first lines rather than alone at
	// the foot of a page.
	if _, pageHeight := doc.GetPageSize(); doc.GetY()+keepWithTitle > pageHeight-margin {
		doc.AddPage()
	}
	doc.SetFont("Helvetica", "B", 12)
	doc.SetDrawColor(187, 187, 187)
	doc.MultiCell(0, 7, cp1252(s.title), "B", "L", false)
	doc.SetDrawColor(0, 0, 0)
	doc.Ln(1)
	for _, l := range s.lines {
		writeLine(doc, l)
	}
}

// writeLine sets one line of the text form: "- item" as a bullet,
// "Label: value" with the label in bold, anything else as plain text;
// two leading spaces are one indent step.
func writeLine(doc *fpdf.Fpdf, line string) {
	trimmed := strings.TrimLeft(line, " ")
	x := margin + float64(len(line)-len(trimmed))/2*indentStep
	switch {
	case trimmed == "":
		doc.Ln(lineHeight / 2)
	case trimmed == "-" || strings.HasPrefix(trimmed, "- "):
		doc.SetFont("Helvetica", "", 10)
		doc.SetX(x)
		doc.CellFormat(bulletGap, lineHeight, cp1252("•"), "", 0, "L", false, 0, "")
		if item := strings.TrimPrefix(trimmed, "- "); item != "-" {
			flow(doc, x+bulletGap, "", item)
		} else {
			doc.Ln(lineHeight)
		}
	default:
		label, value, _ := strings.Cut(trimmed, ":")
		if !strings.Contains(trimmed, ":") {
			label, value = "", trimmed
		}
		flow(doc, x, label, strings.TrimLeft(value, " "))
	}
}

// flow writes an optional bold label and a value as running text whose
// wrapped lines start at x.
func flow(doc *fpdf.Fpdf, x float64, label, value string) {
	doc.SetLeftMargin(x)
	doc.SetX(x)
	if label != "" {
		doc.SetFont("Helvetica", "B", 10)
		doc.Write(lineHeight, cp1252(label+":"))
		if value != "" {
			doc.Write(lineHeight, " ")
		}
	}
	doc.SetFont("Helvetica", "", 10)
	doc.Write(lineHeight, cp1252(value))
	doc.Ln(lineHeight)
	doc.SetLeftMargin(margin)
}
