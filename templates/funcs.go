package templates

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// section is a heading with its list; templates leave out a section whose
// list is empty.
type section struct {
	Heading string
	Items   []string
}

// baseFuncs are shared by text and HTML templates; c is the locale's
// wording.
func baseFuncs(c *catalog) map[string]any {
	return map[string]any{
		"t": c.text,
		"section": func(key string, items []string) (section, error) {
			h, err := c.text(key)
			return section{Heading: h, Items: items}, err
		},
		"paragraphs": paragraphs,
	}
}

func textFuncs(c *catalog) map[string]any {
	f := baseFuncs(c)
	f["underline"] = underline
	return f
}

// underline puts a rule of dashes under a plain-text heading, as wide as
// the heading looks in a monospaced font: a Chinese or Japanese character
// (East Asian Wide or Fullwidth) takes two columns.
func underline(s string) string {
	cols := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			cols += 2
		default:
			cols++
		}
	}
	return s + "\n" + strings.Repeat("-", cols)
}

func htmlFuncs(c *catalog) map[string]any { return baseFuncs(c) }

// paragraphs splits free text at blank lines, so that a summary written
// with paragraphs keeps them in HTML.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// oneLine collapses every run of whitespace (newlines included) to one
// space: for subjects, titles and SMS, where a line break is a bug or an
// injected header.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate cuts s to at most n runes, at a word boundary when there is one
// in the second half, and adds ellipsis.
func truncate(s string, n int, ellipsis string) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	keep := n - utf8.RuneCountInString(ellipsis)
	if keep <= 0 {
		return ""
	}
	cut := string(r[:keep])
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.-") + ellipsis
}
