package reportpdf

import "github.com/go-pdf/fpdf"

// typesetter puts text on the page in the current style. The layout calls
// it rather than fpdf's text methods so one layout serves the core font
// (PDF) and embedded Unicode fonts (Renderer).
type typesetter interface {
	// style selects regular ("") or bold ("B") text at size points.
	style(emphasis string, size float64)
	// write sets running text from the current position, wrapping at the
	// margins (fpdf's Write).
	write(h float64, s string)
	// block sets a paragraph across the full width, with an optional
	// border ("1" framed, "B" underlined), and moves below it (fpdf's
	// MultiCell).
	block(h float64, s, border string)
	// cell sets one line in a box w wide (0: to the right margin) and
	// stays on the line (fpdf's CellFormat with ln 0).
	cell(w, h float64, s, border, align string)
	// aside runs fn, which sets text of its own (the page footer, in the
	// middle of other text), and then goes on in the style set before.
	aside(fn func())
	// finish adds whatever the document owes its reader at the end.
	finish()
}

// coreType sets text in Helvetica, a PDF core font: nothing is embedded,
// and characters outside Windows-1252 print as '?'.
type coreType struct{ doc *fpdf.Fpdf }

func (c coreType) style(emphasis string, size float64) { c.doc.SetFont("Helvetica", emphasis, size) }

func (c coreType) write(h float64, s string) { c.doc.Write(h, cp1252(s)) }

func (c coreType) block(h float64, s, border string) {
	c.doc.MultiCell(0, h, cp1252(s), border, "L", false)
}

func (c coreType) cell(w, h float64, s, border, align string) {
	c.doc.CellFormat(w, h, cp1252(s), border, 0, align, false, 0, "")
}

func (coreType) aside(fn func()) { fn() }

func (coreType) finish() {}
