package reportpdf_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// The fonts the Unicode tests set text in, as Debian installs them
// (fonts-dejavu-core, fonts-droid-fallback).
const (
	dejaVuSans = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	droidSans  = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
)

// requireFonts skips t when a font file is missing, or fails it when
// HERALD_REQUIRE_FONTS=1 (CI installs the fonts, so a skip there would
// hide a broken install).
func requireFonts(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			msg := fmt.Sprintf("font %s not installed (apt-get install fonts-dejavu-core fonts-droid-fallback): %v", p, err)
			if os.Getenv("HERALD_REQUIRE_FONTS") == "1" {
				t.Fatal(msg + "; HERALD_REQUIRE_FONTS=1 requires it")
			}
			t.Skip(msg + "; set HERALD_REQUIRE_FONTS=1 to fail instead of skipping")
		}
	}
}

// shownText is one string a content stream shows, decoded by the font it
// is shown in.
type shownText struct {
	font string // resource name, "F..."
	text string
}

// pdfFont is what a document says about one of its fonts.
type pdfFont struct {
	embedded bool           // a Type0 (CID) font with an embedded TrueType file
	gid      func(rune) int // the glyph the CIDToGIDMap gives a character
	outline  func(int) bool // the embedded font draws something for a glyph
}

// shownTexts reads every string the pages' content streams show, each decoded
// by its font: UTF-16BE for the embedded CID fonts, Windows-1252 for the
// core font.
func shownTexts(t *testing.T, pdf []byte) ([]shownText, map[string]pdfFont) {
	t.Helper()
	fonts := documentFonts(t, pdf)
	var out []shownText
	tf := regexp.MustCompile(`^/(F\w+) [\d.]+ Tf`)
	for _, m := range regexp.MustCompile(`/Contents (\d+) 0 R`).FindAllSubmatch(pdf, -1) {
		_, s := pdfObject(t, pdf, string(m[1]))
		font := ""
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '/':
				if f := tf.FindSubmatch(s[i:]); f != nil {
					font = string(f[1])
				}
			case '(':
				lit, end := literalAt(t, s, i)
				i = end
				f, ok := fonts[font]
				if !ok {
					t.Fatalf("string %q shown in font %q, which the resources do not name", lit, font)
				}
				out = append(out, shownText{font, decodeShown(t, lit, f.embedded)})
			}
		}
	}
	return out, fonts
}

// joinedText is every shown string in order, joined by spaces, runs of
// spaces collapsed (as pageText).
func joinedText(shown []shownText) string {
	var parts []string
	for _, s := range shown {
		parts = append(parts, s.text)
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

func decodeShown(t *testing.T, lit string, embedded bool) string {
	t.Helper()
	if !embedded {
		u, err := charmap.Windows1252.NewDecoder().String(lit)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if len(lit)%2 != 0 {
		t.Fatalf("a CID string of odd length %d", len(lit))
	}
	units := make([]uint16, len(lit)/2)
	for i := range units {
		units[i] = binary.BigEndian.Uint16([]byte(lit[2*i:]))
	}
	return string(utf16.Decode(units))
}

// literalAt reads the string literal that opens at s[start], undoing the
// escapes, and returns it with the index of its closing parenthesis.
func literalAt(t *testing.T, s []byte, start int) (string, int) {
	t.Helper()
	var b strings.Builder
	depth := 1
	for i := start + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(unescape(s[i]))
			continue
		case c == '(':
			depth++
		case c == ')':
			if depth--; depth == 0 {
				return b.String(), i
			}
		}
		b.WriteByte(c)
	}
	t.Fatal("unterminated string literal in content stream")
	return "", 0
}

// documentFonts reads the page resources' fonts: for each embedded CID
// font, its CIDToGIDMap and the glyph outlines of its font file.
func documentFonts(t *testing.T, pdf []byte) map[string]pdfFont {
	t.Helper()
	res := regexp.MustCompile(`(?s)/Font <<(.*?)>>`).FindSubmatch(pdf)
	if res == nil {
		t.Fatal("no /Font resources")
	}
	fonts := map[string]pdfFont{}
	for _, m := range regexp.MustCompile(`/(F\w+) (\d+) 0 R`).FindAllSubmatch(res[1], -1) {
		dict, _ := pdfObject(t, pdf, string(m[2]))
		if !strings.Contains(dict, "/Subtype /Type0") {
			fonts[string(m[1])] = pdfFont{}
			continue
		}
		cid, _ := pdfObject(t, pdf, ref(t, dict, "DescendantFonts \\["))
		_, cidToGID := pdfObject(t, pdf, ref(t, cid, "CIDToGIDMap "))
		desc, _ := pdfObject(t, pdf, ref(t, cid, "FontDescriptor "))
		_, file := pdfObject(t, pdf, ref(t, desc, "FontFile2 "))
		if len(cidToGID) != 2*0x10000 {
			t.Fatalf("CIDToGIDMap of %d bytes", len(cidToGID))
		}
		fonts[string(m[1])] = pdfFont{
			embedded: true,
			gid: func(r rune) int {
				if r > 0xFFFF {
					return 0
				}
				return int(binary.BigEndian.Uint16(cidToGID[2*r:]))
			},
			outline: glyphOutlines(t, file),
		}
	}
	return fonts
}

// ref is the object number after key in dict ("/key N 0 R").
func ref(t *testing.T, dict, key string) string {
	t.Helper()
	m := regexp.MustCompile("/" + key + `(\d+) 0 R`).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("no /%s reference in %q", key, dict)
	}
	return m[1]
}

// pdfObject is object n's dictionary and its stream, inflated if
// compressed.
func pdfObject(t *testing.T, pdf []byte, n string) (string, []byte) {
	t.Helper()
	at := bytes.Index(pdf, []byte("\n"+n+" 0 obj\n"))
	if at < 0 {
		t.Fatalf("no object %s", n)
	}
	body := pdf[at+len(n)+7:]
	body = body[:bytes.Index(body, []byte("endobj"))+len("endobj")]
	s := bytes.Index(body, []byte("stream\n"))
	if s < 0 {
		return string(body), nil
	}
	dict := string(body[:s])
	m := regexp.MustCompile(`/Length (\d+)`).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("object %s: stream without /Length", n)
	}
	length, _ := strconv.Atoi(m[1])
	data := body[s+len("stream\n") : s+len("stream\n")+length]
	if strings.Contains(dict, "/FlateDecode") {
		z, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("object %s: %v", n, err)
		}
		if data, err = io.ReadAll(z); err != nil {
			t.Fatalf("object %s: %v", n, err)
		}
	}
	return dict, data
}

// glyphOutlines reads an embedded TrueType file's loca table: a glyph
// draws something when its glyf entry is not empty.
func glyphOutlines(t *testing.T, font []byte) func(int) bool {
	t.Helper()
	tables := map[string][]byte{}
	n := int(binary.BigEndian.Uint16(font[4:]))
	for i := range n {
		rec := font[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		tables[string(rec[:4])] = font[off : off+length]
	}
	head, loca := tables["head"], tables["loca"]
	if head == nil || loca == nil || tables["glyf"] == nil {
		t.Fatal("embedded font lacks head, loca or glyf")
	}
	long := binary.BigEndian.Uint16(head[50:]) == 1
	offset := func(g int) int {
		if long {
			return int(binary.BigEndian.Uint32(loca[4*g:]))
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
	}
	entries := len(loca) / 2
	if long {
		entries = len(loca) / 4
	}
	return func(g int) bool { return g > 0 && g+1 < entries && offset(g+1) > offset(g) }
}
