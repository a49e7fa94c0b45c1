package reportpdf_test

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// checkWellFormed parses the file's skeleton: header, trailer, and a
// cross-reference table whose every entry points at its object.
func checkWellFormed(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		t.Fatalf("PDF starts with %q", pdf[:min(len(pdf), 8)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(pdf, "\r\n"), []byte("%%EOF")) {
		t.Fatalf("PDF does not end with %%%%EOF")
	}
	m := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref before the end-of-file marker")
	}
	at, _ := strconv.Atoi(string(m[1]))
	if at >= len(pdf) || !bytes.HasPrefix(pdf[at:], []byte("xref")) {
		t.Fatalf("startxref %d does not point at the xref table", at)
	}
	entries := regexp.MustCompile(`(\d{10}) \d{5} n`).FindAllSubmatch(pdf[at:], -1)
	if len(entries) == 0 {
		t.Fatal("xref table has no objects")
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		want := strconv.Itoa(i+1) + " 0 obj"
		if off >= len(pdf) || !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("xref entry %d (offset %d) does not point at %q", i+1, off, want)
		}
	}
	size := regexp.MustCompile(`/Size (\d+)`).FindSubmatch(pdf)
	if size == nil || string(size[1]) != strconv.Itoa(len(entries)+1) {
		t.Errorf("trailer /Size %s for %d objects", size, len(entries))
	}
	for _, active := range []string{"/JavaScript", "/JS", "/Launch", "/URI", "/OpenAction", "/EmbeddedFile "} {
		if bytes.Contains(pdf, []byte(active)) {
			t.Errorf("PDF contains %s", active)
		}
	}
}

// pageText is the text the content streams show, each string decoded from
// Windows-1252 and joined by spaces, runs of spaces collapsed.
func pageText(t *testing.T, pdf []byte) string {
	t.Helper()
	var parts []string
	for _, m := range regexp.MustCompile(`(?s)stream\n(.*?)\nendstream`).FindAllSubmatch(pdf, -1) {
		for _, s := range literals(t, m[1]) {
			u, err := charmap.Windows1252.NewDecoder().String(s)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, u)
		}
	}
	return strings.Join(strings.Fields(strings.Join(parts, " ")), " ")
}

// literals reads the PDF string literals "(...)" of a content stream,
// undoing the escapes; an unbalanced string fails the test, which is how
// a bad escape of hostile text would show.
func literals(t *testing.T, stream []byte) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(stream); i++ {
		if stream[i] != '(' {
			continue
		}
		var b strings.Builder
		depth := 1
		for i++; ; i++ {
			if i >= len(stream) {
				t.Fatalf("unterminated string literal in content stream")
			}
			c := stream[i]
			if c == '\\' && i+1 < len(stream) {
				i++
				b.WriteByte(unescape(stream[i]))
				continue
			}
			if c == '(' {
				depth++
			} else if c == ')' {
				if depth--; depth == 0 {
					break
				}
			}
			b.WriteByte(c)
		}
		out = append(out, b.String())
	}
	return out
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c
}
