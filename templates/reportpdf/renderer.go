package reportpdf

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/herald-notify/herald/incident"
)

// Renderer renders reports with their text in embedded TrueType fonts, so
// any script the fonts cover prints (Chinese, Japanese, Korean, Cyrillic,
// Greek, ...), not '?'.
//
// Each character is set in the first font of the list that has a glyph
// for it; a character none has, but Windows-1252 does, in Helvetica; any
// other is printed as its code point "[U+1F525]", and a closing note says
// how many were. Scripts that need right-to-left ordering or glyph shaping
// (Arabic, Hebrew, Devanagari and other Indic scripts, ...) are printed the
// same way: the PDF writer has no shaping engine, and a code point is
// better than letters in the wrong order or form. Emoji are outside the
// Basic Multilingual Plane, which the PDF writer's fonts cannot reach, so
// they always print as code points.
//
// Bold text is set in the font's bold companion when one sits beside it
// (DejaVuSans-Bold.ttf beside DejaVuSans.ttf, NotoSans-Bold.ttf beside
// NotoSans-Regular.ttf), otherwise in the regular face.
//
// Only the glyphs a report uses are embedded (a subset of each font it
// uses). The output is deterministic for one build: the same report and
// fonts give the same bytes. Unlike the core-font output, the embedded
// font streams are always compressed by the PDF writer, so the bytes may
// change with the Go release's compress/flate.
//
// A Renderer is safe for concurrent use. A nil Renderer, or one with no
// fonts, renders exactly as the package's PDF function.
type Renderer struct {
	fonts []*unicodeFont
}

// unicodeFont is one font file of a Renderer's list, with its bold
// companion (nil if none).
type unicodeFont struct {
	regular, bold *fontFile
}

// fontFile is a TrueType file's bytes and the characters it covers.
type fontFile struct {
	path   string
	data   []byte
	covers *glyphCoverage
}

// NewRenderer loads the TrueType fonts named in fontFiles, a list of paths
// separated by the OS path-list separator (':' on Unix, as in $PATH), in
// order of preference: a font with Latin, Greek and Cyrillic first, then a
// CJK fallback, as FindFont returns them. An empty list makes a Renderer
// that renders as PDF does. A file that is missing, is not a TrueType
// font the PDF writer can embed (CFF .otf and .ttc collections are not),
// or fails a trial rendering is an error naming the file.
func NewRenderer(fontFiles string) (*Renderer, error) {
	r := &Renderer{}
	for _, path := range filepath.SplitList(fontFiles) {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		regular, err := loadFontFile(path)
		if err != nil {
			return nil, err
		}
		f := &unicodeFont{regular: regular}
		if bold := boldCompanion(path); bold != "" {
			// A companion is an extra: one that does not load is skipped.
			f.bold, _ = loadFontFile(bold)
		}
		r.fonts = append(r.fonts, f)
	}
	return r, nil
}

// FontFiles lists the font files the Renderer uses, bold companions
// included, in order of preference; empty for the core font.
func (r *Renderer) FontFiles() []string {
	var out []string
	if r == nil {
		return out
	}
	for _, f := range r.fonts {
		out = append(out, f.regular.path)
		if f.bold != nil {
			out = append(out, f.bold.path)
		}
	}
	return out
}

// PDF writes rep as a PDF document to w, its text in the Renderer's fonts.
func (r *Renderer) PDF(w io.Writer, rep incident.Report) (err error) {
	if r == nil || len(r.fonts) == 0 {
		return PDF(w, rep)
	}
	// A font that passed the trial rendering can still hold a glyph the
	// PDF writer trips on; fail this report, not the process.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write report %s version %d as PDF: font writer failed: %v", rep.IncidentID, rep.Version, p)
		}
	}()
	var b bytes.Buffer
	if err := render(&b, rep, func(doc *fpdf.Fpdf) typesetter { return newUnicodeType(doc, r.fonts) }); err != nil {
		return err
	}
	_, err = b.WriteTo(w)
	return err
}

// Serve answers an HTTP request with rep's PDF in the Renderer's fonts,
// as the package's Serve does with the core font.
func (r *Renderer) Serve(w http.ResponseWriter, rep incident.Report) error {
	return serve(w, rep, r.PDF)
}

// loadFontFile reads path and checks the PDF writer can embed it: a
// TrueType font with a Unicode cmap, that renders a trial document.
func loadFontFile(path string) (*fontFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report font: %w", err)
	}
	covers, err := readCoverage(data)
	if err != nil {
		return nil, fmt.Errorf("report font %s: %w", path, err)
	}
	f := &fontFile{path: path, data: data, covers: covers}
	if err := f.trial(); err != nil {
		return nil, fmt.Errorf("report font %s: %w", path, err)
	}
	return f, nil
}

// trial embeds the font in a one-line document with a few of its glyphs,
// so a font the PDF writer cannot handle fails at start-up, not in a
// report.
func (f *fontFile) trial() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the PDF writer failed on it: %v", p)
		}
	}()
	var sample []rune
	for r := rune(0x21); r < 0xFFFF && len(sample) < 16; r++ {
		if f.covers.has(r) {
			sample = append(sample, r)
		}
	}
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	doc.AddUTF8FontFromBytes("trial", "", f.data)
	doc.SetFont("trial", "", 10)
	doc.AddPage()
	doc.Write(5, string(sample))
	return doc.Output(io.Discard)
}

// boldCompanion is the bold file beside a regular one, by the usual
// names: X-Regular.ttf → X-Bold.ttf, X.ttf → X-Bold.ttf; "" if none.
func boldCompanion(path string) string {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	candidate := base + "-Bold" + ext
	if stem, ok := strings.CutSuffix(base, "-Regular"); ok {
		candidate = stem + "-Bold" + ext
	}
	if st, err := os.Stat(candidate); err == nil && st.Mode().IsRegular() {
		return candidate
	}
	return ""
}
