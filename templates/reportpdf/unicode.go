package reportpdf

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// unicodeType sets text in a Renderer's fonts: each character in the first
// font that has a glyph for it, else in Helvetica if Windows-1252 has it,
// else as its code point "[U+1F525]", counted for a closing note. Nothing
// is dropped but invisible format characters.
type unicodeType struct {
	doc      *fpdf.Fpdf
	fonts    []*unicodeFont
	added    map[face]bool
	emphasis string
	size     float64
	current  selection // the font last selected on doc
	missing  int
	example  rune // the first character shown as its code point
}

// face is one font of the list in one weight; font == -1 is Helvetica.
type face struct {
	font int
	bold bool
}

var (
	helvetica = face{font: -1}
	noFace    = face{font: -2} // before the first character
)

// selection is a font as fpdf's SetFont names it.
type selection struct {
	family, style string
	size          float64
}

type run struct {
	face face
	text string
}

func newUnicodeType(doc *fpdf.Fpdf, fonts []*unicodeFont) *unicodeType {
	return &unicodeType{doc: doc, fonts: fonts, added: map[face]bool{}}
}

func (u *unicodeType) style(emphasis string, size float64) { u.emphasis, u.size = emphasis, size }

// aside runs the page footer, which fpdf calls in the middle of a write,
// and puts back the style the interrupted text was using (fpdf restores
// its own font after the footer).
func (u *unicodeType) aside(fn func()) {
	emphasis, size, current := u.emphasis, u.size, u.current
	fn()
	u.emphasis, u.size, u.current = emphasis, size, current
}

func (u *unicodeType) write(h float64, s string) {
	for _, r := range u.runs(s) {
		u.use(r.face)
		u.flow(h, r)
	}
}

func (u *unicodeType) block(h float64, s, border string) {
	doc := u.doc
	left, top, right, _ := doc.GetMargins()
	pageWidth, _ := doc.GetPageSize()
	x0, y0, page0 := doc.GetX(), doc.GetY(), doc.PageNo()
	doc.SetLeftMargin(x0)
	u.write(h, s)
	doc.Ln(h)
	doc.SetLeftMargin(left)
	x1, y1 := pageWidth-right, doc.GetY()
	switch border {
	case "1":
		if doc.PageNo() != page0 {
			// A frame broken by a page: draw its part on this page.
			y0 = top
		}
		doc.Rect(x0, y0, x1-x0, y1-y0, "D")
	case "B":
		doc.Line(x0, y1, x1, y1)
	}
}

func (u *unicodeType) cell(w, h float64, s, border, align string) {
	doc := u.doc
	runs := u.runs(s)
	if len(runs) == 1 {
		u.use(runs[0].face)
		doc.CellFormat(w, h, u.encode(runs[0]), border, 0, align, false, 0, "")
		return
	}
	// Several fonts: draw the box, then each run in a cell of its width.
	x, y := doc.GetXY()
	if w == 0 {
		pageWidth, _ := doc.GetPageSize()
		_, _, right, _ := doc.GetMargins()
		w = pageWidth - right - x
	}
	doc.CellFormat(w, h, "", border, 0, "", false, 0, "")
	widths, total := make([]float64, len(runs)), 0.0
	for i, r := range runs {
		u.use(r.face)
		widths[i] = doc.GetStringWidth(u.encode(r))
		total += widths[i]
	}
	cm := doc.GetCellMargin()
	start := x + cm
	switch align {
	case "R":
		start = x + w - cm - total
	case "C":
		start = x + (w-total)/2
	}
	doc.SetXY(start, y)
	doc.SetCellMargin(0)
	for i, r := range runs {
		u.use(r.face)
		doc.CellFormat(widths[i], h, u.encode(r), "", 0, "L", false, 0, "")
	}
	doc.SetCellMargin(cm)
	doc.SetXY(x+w, y)
}

// finish closes the document with the count of characters no font could
// print, so a reader knows each "[U+...]" stands for one.
func (u *unicodeType) finish() {
	if u.missing == 0 {
		return
	}
	note := fmt.Sprintf("%d characters could not be printed in this font; each is shown as its Unicode code point, such as [U+%04X].", u.missing, u.example)
	if u.missing == 1 {
		note = fmt.Sprintf("1 character could not be printed in this font; it is shown as its Unicode code point, [U+%04X].", u.example)
	}
	u.doc.Ln(lineHeight / 2)
	u.style("", 9)
	u.block(lineHeight, note, "")
}

// runs splits s into runs of one face each, after NFC normalization (so
// "e" + combining acute is the one character é that fonts have).
func (u *unicodeType) runs(s string) []run {
	var out []run
	var b strings.Builder
	cur := noFace
	emit := func(f face, text string) {
		if f != cur && b.Len() > 0 {
			out = append(out, run{cur, b.String()})
			b.Reset()
		}
		cur = f
		b.WriteString(text)
	}
	for _, r := range norm.NFC.String(s) {
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			f := cur // a line break needs no glyph: it stays in the run
			if f == noFace {
				f = helvetica
			}
			emit(f, "\n")
			continue
		case unicode.IsControl(r):
			r = ' '
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r):
			continue // invisible: joiners, direction marks, emoji presentation selectors
		}
		if r == ' ' && cur != noFace && u.covers(cur, ' ') {
			emit(cur, " ")
			continue
		}
		if f, ok := u.faceFor(r); ok {
			emit(f, string(r))
			continue
		}
		if u.missing == 0 {
			u.example = r
		}
		u.missing++
		for _, c := range fmt.Sprintf("[U+%04X]", r) {
			f, _ := u.faceFor(c)
			emit(f, string(c))
		}
	}
	if b.Len() > 0 {
		out = append(out, run{cur, b.String()})
	}
	return out
}

// faceFor is the first face that can print r in the current emphasis.
func (u *unicodeType) faceFor(r rune) (face, bool) {
	if needsShaping(r) {
		return face{}, false
	}
	for i, f := range u.fonts {
		if u.emphasis == "B" && f.bold != nil && f.bold.covers.has(r) {
			return face{font: i, bold: true}, true
		}
		if f.regular.covers.has(r) {
			return face{font: i}, true
		}
	}
	if _, ok := charmap.Windows1252.EncodeRune(r); ok {
		return helvetica, true
	}
	return face{}, false
}

func (u *unicodeType) covers(f face, r rune) bool {
	switch {
	case f == helvetica:
		return true
	case f.bold:
		return u.fonts[f.font].bold.covers.has(r)
	default:
		return u.fonts[f.font].regular.covers.has(r)
	}
}

// needsShaping: scripts written right to left, or whose letters join and
// reorder, come out wrong from a writer that sets one glyph per character
// left to right (fpdf does no bidi or shaping), so they are treated as
// unprintable rather than printed garbled.
func needsShaping(r rune) bool {
	if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
		return true
	}
	return unicode.In(r, shapedScripts...)
}

var shapedScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya,
	unicode.Tamil, unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala,
	unicode.Tibetan, unicode.Myanmar, unicode.Khmer, unicode.Mongolian,
}

// use selects f at the current size on the document, embedding its font
// on first use (so a font the report does not need is not embedded).
func (u *unicodeType) use(f face) {
	family, style := "helvetica", u.emphasis
	if f != helvetica {
		family, style = fmt.Sprintf("unicode%d", f.font), ""
		if f.bold {
			style = "B"
		}
		if !u.added[f] {
			font := u.fonts[f.font].regular
			if f.bold {
				font = u.fonts[f.font].bold
			}
			u.doc.AddUTF8FontFromBytes(family, style, font.data)
			u.added[f] = true
		}
	}
	sel := selection{family, style, u.size}
	if sel == u.current {
		return
	}
	u.doc.SetFont(family, style, u.size)
	u.current = sel
}

// encode is the run's text as the face's fpdf font reads it.
func (u *unicodeType) encode(r run) string {
	if r.face == helvetica {
		return cp1252(r.text)
	}
	return r.text
}

// flow writes one run's text as running text. It hands fpdf's Write short
// pieces (Write re-decodes its string for every character, so long text
// costs quadratic time), ends each piece after a space so words wrap as
// one Write would wrap them, and fills lines itself where a line may
// break between any two characters (CJK) or a word is longer than a line.
func (u *unicodeType) flow(h float64, r run) {
	const chunk = 128 // runes handed to one Write
	text := r.text
	var words strings.Builder
	n := 0
	flush := func() {
		if words.Len() > 0 {
			u.doc.Write(h, u.encode(run{r.face, words.String()}))
			words.Reset()
			n = 0
		}
	}
	for len(text) > 0 {
		tok, rest, breakAnywhere := nextToken(text)
		text = rest
		if tok == "\n" {
			flush()
			u.doc.Write(h, "\n")
			continue
		}
		if breakAnywhere || utf8.RuneCountInString(tok) > 64 {
			flush()
			u.fill(h, run{r.face, tok})
			continue
		}
		words.WriteString(tok)
		if n += utf8.RuneCountInString(tok); n >= chunk {
			flush()
		}
	}
	flush()
}

// nextToken splits off the next line break, a word with the spaces after
// it, or a run of characters a line may break between (CJK) with any
// spaces after it.
func nextToken(s string) (tok, rest string, breakAnywhere bool) {
	if s[0] == '\n' {
		return "\n", s[1:], false
	}
	first, _ := utf8.DecodeRuneInString(s)
	breakAnywhere = breaksAnywhere(first)
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == ' ' || r == '\n' || breaksAnywhere(r) != breakAnywhere {
			break
		}
		i += size
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == 0 { // a leading space
		i = 1
	}
	return s[:i], s[i:], breakAnywhere
}

// breaksAnywhere: CJK text has no spaces between words; a line may break
// between any two of its characters.
func breaksAnywhere(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x30FF) || (r >= 0xFF00 && r <= 0xFFEF) // CJK punctuation, kana marks (ー), full width
}

// fill writes text as much as fits on each line, breaking anywhere, with
// the same measure fpdf's Write uses to decide a line is full.
func (u *unicodeType) fill(h float64, r run) {
	doc := u.doc
	text := r.text
	pageWidth, _ := doc.GetPageSize()
	for text != "" {
		left, _, right, _ := doc.GetMargins()
		_, fontSize := doc.GetFontSize()
		room := (pageWidth - right - doc.GetX() - 2*doc.GetCellMargin()) * 1000 / fontSize
		fit, width := 0, 0
		for fit < len(text) {
			c, size := utf8.DecodeRuneInString(text[fit:])
			w := doc.GetStringSymbolWidth(u.encode(run{r.face, string(c)}))
			if float64(width+w) > room {
				break
			}
			width += w
			fit += size
		}
		if fit == 0 {
			if doc.GetX() > left {
				doc.Ln(h)
				continue
			}
			_, fit = utf8.DecodeRuneInString(text) // wider than a line: one per line
		}
		doc.Write(h, u.encode(run{r.face, text[:fit]}))
		text = text[fit:]
	}
}
