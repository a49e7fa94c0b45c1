package reportpdf_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/templates"
	"github.com/herald-notify/herald/templates/reportpdf"
)

// The facts of a multilingual incident, as a response team might write
// them for authorities in China, Japan, the EU, Russia and Greece.
const (
	titleZH    = "客户数据库遭未经授权访问"
	titleJA    = "個人データの漏えい等に関する報告"
	natureRU   = "Утечка персональных данных: злоумышленник получил доступ к базе клиентов."
	natureEL   = "Παραβίαση δεδομένων προσωπικού χαρακτήρα από μη εξουσιοδοτημένη πρόσβαση."
	measuresJA = "パスワードを全件リセットし、APIキーを失効させました。"
	emoji      = "🔥"
)

// multilingualReport is the demo's GDPR report with its facts written in
// Chinese, Japanese, Russian and Greek, an emoji, and a long Chinese text
// that spans a page break; it is late, with its reasons in Japanese.
func multilingualReport(t testing.TB) incident.Report {
	rep := demoReport(t, "GDPR")
	rep.Fields["title"] = titleZH + " / " + titleJA + " " + emoji
	rep.Fields["nature_of_breach"] = natureRU + " " + natureEL
	rep.Fields["measures_taken"] = measuresJA
	rep.Fields["description"] = strings.Repeat("攻击者利用已知漏洞导出了约一万二千名客户的姓名、电话号码和住址。", 60)
	rep.Late, rep.Fields["reasons_for_delay"] = true, "フォレンジック調査に時間を要したため (forensics)"
	return rep
}

func newRenderer(t testing.TB, fonts ...string) *reportpdf.Renderer {
	t.Helper()
	r, err := reportpdf.NewRenderer(strings.Join(fonts, string(os.PathListSeparator)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func renderWith(t testing.TB, r *reportpdf.Renderer, rep incident.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.PDF(&b, rep); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// squeeze drops all white space: lines wrap CJK text anywhere, and each
// line is a string of its own.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestRendererPrintsEveryScript: with DejaVu Sans and Droid Sans Fallback,
// the Chinese, Japanese, Cyrillic and Greek facts are in the PDF as
// characters, each drawn by a glyph of an embedded font; no '?' stands in
// for any; the emoji, which no font of the list can print, is its code
// point and the closing note counts it.
func TestRendererPrintsEveryScript(t *testing.T) {
	requireFonts(t, dejaVuSans, droidSans)
	rep := multilingualReport(t)
	pdf := renderWith(t, newRenderer(t, dejaVuSans, droidSans), rep)
	checkWellFormed(t, pdf)
	shown, fonts := shownTexts(t, pdf)
	text := joinedText(withoutFooters(shown))

	for _, want := range []string{titleZH, titleJA, natureRU, natureEL, measuresJA, rep.Fields["description"].(string),
		"Reasons for the delay: フォレンジック調査に時間を要したため (forensics)", "Authority: " + rep.Authority} {
		if !strings.Contains(squeeze(text), squeeze(norm.NFC.String(want))) {
			t.Errorf("PDF text lacks %.60q", want)
		}
	}
	if !strings.Contains(squeeze(text), titleJA+"[U+1F525]") {
		t.Errorf("the emoji is not shown as its code point after the title")
	}
	if !strings.Contains(text, "1 character could not be printed in this font; it is shown as its Unicode code point, [U+1F525].") {
		t.Errorf("no closing note counting the one unprintable character in\n%s", text)
	}
	if got, want := strings.Count(text, "?"), strings.Count(templates.RenderReportText(rep), "?"); got != want {
		t.Errorf("%d '?' in the PDF, %d in the report's text", got, want)
	}

	// Every non-space character shown in an embedded font maps to a glyph
	// that draws something; CJK, Cyrillic and Greek are all embedded.
	embedded := map[string]bool{}
	for _, s := range shown {
		f := fonts[s.font]
		if !f.embedded {
			continue
		}
		for _, r := range s.text {
			if unicode.IsSpace(r) {
				continue
			}
			if g := f.gid(r); !f.outline(g) {
				t.Errorf("%q (U+%04X) in font %s maps to glyph %d, which draws nothing", r, r, s.font, g)
			}
			switch {
			case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
				embedded["CJK"] = true
			case unicode.Is(unicode.Cyrillic, r):
				embedded["Cyrillic"] = true
			case unicode.Is(unicode.Greek, r):
				embedded["Greek"] = true
			}
		}
	}
	for _, script := range []string{"CJK", "Cyrillic", "Greek"} {
		if !embedded[script] {
			t.Errorf("no %s character is set in an embedded font", script)
		}
	}
	if footers := joinedText(shown); !strings.Contains(footers, "Page 2/") || !strings.Contains(footers, "Content hash (SHA-256): "+rep.ContentHash) {
		t.Error("no footer with the content hash, or the long Chinese text did not run onto a second page")
	}
}

// TestRendererMarksCharactersTheFontLacks: Droid Sans Fallback alone has
// no Cyrillic or Greek and no emoji: each such character is its code
// point, and the closing note gives their number. CJK still prints, and
// Latin text falls back to Helvetica.
func TestRendererMarksCharactersTheFontLacks(t *testing.T) {
	requireFonts(t, droidSans)
	rep := multilingualReport(t)
	shown, _ := shownTexts(t, renderWith(t, newRenderer(t, droidSans), rep))
	text := joinedText(shown)

	lacking := 0
	for _, r := range templates.RenderReportText(rep) {
		if unicode.In(r, unicode.Cyrillic, unicode.Greek) || r > 0xFFFF {
			lacking++
		}
	}
	if note := fmt.Sprintf("%d characters could not be printed in this font", lacking); !strings.Contains(text, note) {
		t.Errorf("PDF lacks the note %q in\n%s", note, text)
	}
	for _, want := range []string{"[U+0423][U+0442][U+0435][U+0447][U+043A][U+0430]", "[U+1F525]", titleZH, titleJA, "Authority: " + rep.Authority} {
		if !strings.Contains(squeeze(text), squeeze(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if strings.ContainsAny(text, "Уε") {
		t.Error("a Cyrillic or Greek letter is shown although the font has no glyph for it")
	}
}

// TestRendererMarksScriptsItCannotShape: Hebrew and Arabic letters are in
// DejaVu Sans, but set one by one left to right they would read wrong, so
// they are code points too, counted in the note.
func TestRendererMarksScriptsItCannotShape(t *testing.T) {
	requireFonts(t, dejaVuSans)
	rep := demoReport(t, "GDPR")
	rep.Fields["title"] = "שלום مرحبا"
	text := joinedText(mustShown(t, renderWith(t, newRenderer(t, dejaVuSans), rep)))
	for _, want := range []string{"Title: [U+05E9][U+05DC][U+05D5][U+05DD] [U+0645][U+0631][U+062D][U+0628][U+0627]",
		"9 characters could not be printed in this font"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q in\n%s", want, text)
		}
	}
}

// withoutFooters drops the page footers, which fpdf writes wherever a
// page breaks, in the middle of other text.
func withoutFooters(shown []shownText) []shownText {
	var out []shownText
	for _, s := range shown {
		if !strings.HasPrefix(s.text, "Content hash (SHA-256): ") && !footerPage.MatchString(s.text) {
			out = append(out, s)
		}
	}
	return out
}

var footerPage = regexp.MustCompile(`^Page \d+/\d+$`)

func mustShown(t *testing.T, pdf []byte) []shownText {
	t.Helper()
	shown, _ := shownTexts(t, pdf)
	return shown
}

// TestRendererIsDeterministic: the same report and fonts give the same
// bytes, rendered one after the other or at once from one Renderer; the
// document dates are the report's.
func TestRendererIsDeterministic(t *testing.T) {
	requireFonts(t, dejaVuSans, droidSans)
	r := newRenderer(t, dejaVuSans, droidSans)
	rep := multilingualReport(t)
	first := renderWith(t, r, rep)
	if !bytes.Equal(first, renderWith(t, r, rep)) {
		t.Fatal("two renderings of one report differ")
	}
	if !bytes.Equal(first, renderWith(t, newRenderer(t, dejaVuSans, droidSans), rep)) {
		t.Fatal("a second Renderer of the same fonts gives other bytes")
	}
	if !bytes.Contains(first, []byte("/CreationDate (D:20261123100000)")) {
		t.Error("creation date is not the report's generated_at")
	}
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		wg.Go(func() {
			var b bytes.Buffer
			if err := r.PDF(&b, rep); err != nil {
				t.Error(err)
			}
			got[i] = b.Bytes()
		})
	}
	wg.Wait()
	for i, b := range got {
		if !bytes.Equal(first, b) {
			t.Errorf("concurrent rendering %d differs", i)
		}
	}
}

// TestRendererEmbedsOnlyTheFontsItUses: a report in Latin script embeds
// DejaVu Sans (regular and bold), not the CJK fallback.
func TestRendererEmbedsOnlyTheFontsItUses(t *testing.T) {
	requireFonts(t, dejaVuSans, droidSans)
	pdf := renderWith(t, newRenderer(t, dejaVuSans, droidSans), demoReport(t, "GDPR"))
	if n := bytes.Count(pdf, []byte("/Subtype /Type0")); n != 2 {
		t.Errorf("%d embedded fonts, want 2 (DejaVu Sans and its bold)", n)
	}
	if text := joinedText(mustShown(t, pdf)); strings.Contains(text, "[U+") || strings.Contains(text, "could not be printed") {
		t.Errorf("a Latin report has unprintable characters:\n%s", text)
	}
}

// TestRendererWithoutFontsIsPDF: no fonts, or a nil Renderer, gives the
// core-font bytes of the package's PDF (and so its golden files).
func TestRendererWithoutFontsIsPDF(t *testing.T) {
	empty, err := reportpdf.NewRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	var none *reportpdf.Renderer
	for _, rep := range demoReports(t) {
		want := render(t, rep)
		if !bytes.Equal(renderWith(t, empty, rep), want) || !bytes.Equal(renderWith(t, none, rep), want) {
			t.Errorf("%s %s: a Renderer without fonts differs from PDF", rep.Regime, rep.Phase)
		}
	}
}

// TestNewRendererRefusesUnusableFonts: a missing file, CFF outlines, a
// collection, something else, or a cut-off font is an error naming the
// file, at start-up rather than in a report.
func TestNewRendererRefusesUnusableFonts(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	header := func(tag string) []byte { return append([]byte(tag), make([]byte, 60)...) }
	cases := map[string]struct{ path, want string }{
		"missing": {filepath.Join(dir, "nope.ttf"), "no such file"},
		"CFF":     {write("cff.otf", header("OTTO")), "CFF"},
		"ttc":     {write("cjk.ttc", header("ttcf")), "collection"},
		"text":    {write("notes.ttf", []byte("these are not the glyphs you are looking for")), "not a TrueType font"},
		"empty":   {write("empty.ttf", nil), "too short"},
	}
	if data, err := os.ReadFile(dejaVuSans); err == nil {
		cases["cut off"] = struct{ path, want string }{write("cut.ttf", data[:len(data)/3]), "past the end"}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := reportpdf.NewRenderer(c.path)
			if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("NewRenderer(%s) = %v, %v; want an error naming the file and saying %q", name, r, err, c.want)
			}
		})
	}
}

// TestFindFont: what FindFont finds loads; on a machine with DejaVu Sans
// and Droid Sans Fallback it is those two, Latin first.
func TestFindFont(t *testing.T) {
	found := reportpdf.FindFont()
	for _, p := range filepath.SplitList(found) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("FindFont returned %s: %v", p, err)
		}
	}
	r, err := reportpdf.NewRenderer(found)
	if err != nil {
		t.Fatalf("NewRenderer(FindFont()): %v", err)
	}
	requireFonts(t, dejaVuSans, droidSans)
	if want := dejaVuSans + string(os.PathListSeparator) + droidSans; found != want {
		t.Errorf("FindFont() = %q, want %q", found, want)
	}
	if got := r.FontFiles(); len(got) != 3 || got[1] != "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf" {
		t.Errorf("FontFiles() = %q, want DejaVu Sans, its bold, Droid Sans Fallback", got)
	}
}

// TestRendererServe: a real HTTP round trip gives the Renderer's bytes as
// an inline PDF named after the report.
func TestRendererServe(t *testing.T) {
	requireFonts(t, dejaVuSans, droidSans)
	r := newRenderer(t, dejaVuSans, droidSans)
	rep := multilingualReport(t)
	if body := served(t, r.Serve, rep); !bytes.Equal(body, renderWith(t, r, rep)) {
		t.Error("served bytes differ from the Renderer's PDF")
	}
}

// TestRendererHostileText: markup, PDF delimiters, control characters,
// line separators, a 3000-character word, and CJK characters whose UTF-16
// bytes are '(', ')', '\' or CR (對 is 5C 0D) leave a well-formed file that
// shows them all as given.
func TestRendererHostileText(t *testing.T) {
	requireFonts(t, dejaVuSans, droidSans)
	rep := demoReport(t, "GDPR")
	hostile := `<script>alert("x")</script> ') endstream endobj %%EOF \ (unbalanced`
	rep.Authority = hostile
	rep.Fields["title"] = "\u2028對汜丨乩 a\x00b\tc\x1bd"
	rep.Fields["long_word"] = strings.Repeat("Ж", 3000)
	rep.Late, rep.Fields["reasons_for_delay"] = true, "(waiting)\nfor \\forensics\\ 調査中"

	pdf := renderWith(t, newRenderer(t, dejaVuSans, droidSans), rep)
	checkWellFormed(t, pdf)
	text := joinedText(withoutFooters(mustShown(t, pdf)))
	for _, want := range []string{hostile, "Title: 對汜丨乩 a b c d", "(waiting) for \\forensics\\ 調査中"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q in\n%s", want, text)
		}
	}
	if n := strings.Count(text, "Ж"); n != 3000 {
		t.Errorf("a 3000-character word shows %d of its characters", n)
	}
	if strings.Contains(text, "could not be printed") {
		t.Error("every character here has a font, yet the note says some could not be printed")
	}
}
