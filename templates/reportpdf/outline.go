package reportpdf

import (
	"strings"
	"unicode/utf8"
)

// outline is the text form of a report (templates.RenderReportText) taken
// apart again: its title lines, header values and titled sections.
type outline struct {
	title, subtitle string
	phase           string            // the phase as people read it ("Initial notification")
	header          map[string]string // "Generated", "Deadline" as the text form writes them
	sections        []section
}

type section struct {
	title string
	lines []string // indented "Label: value", "Label:", "- item" lines
}

// outlineOf reads the text form: two title lines, "Key: value" header
// lines, then sections, each a title underlined with dashes, and a closing
// "Please quote incident" paragraph that the PDF sets itself.
func outlineOf(text string) outline {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if i := lastIndexPrefix(lines, "Please quote incident "); i > 0 {
		lines = lines[:i]
	}
	o := outline{header: map[string]string{}}
	if len(lines) > 0 {
		o.title = lines[0]
		_, o.phase, _ = strings.Cut(o.title, ": ")
	}
	if len(lines) > 1 {
		o.subtitle = lines[1]
	}
	starts := sectionStarts(lines)
	headerEnd := len(lines)
	if len(starts) > 0 {
		headerEnd = starts[0]
	}
	for _, l := range lines[min(2, len(lines)):headerEnd] {
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") {
			o.header[k] = strings.TrimSpace(v)
		}
	}
	for n, start := range starts {
		end := len(lines)
		if n+1 < len(starts) {
			end = starts[n+1]
		}
		o.sections = append(o.sections, section{title: lines[start], lines: trimBlank(lines[start+2 : end])})
	}
	return o
}

// sectionStarts finds each section title: a line at the left margin,
// after a blank line, underlined by as many dashes as it has characters.
// Field lines never qualify: their values are indented.
func sectionStarts(lines []string) []int {
	var out []int
	for i := 1; i+1 < len(lines); i++ {
		t, u := lines[i], lines[i+1]
		if lines[i-1] == "" && t != "" && !strings.HasPrefix(t, " ") &&
			u == strings.Repeat("-", utf8.RuneCountInString(t)) {
			out = append(out, i)
		}
	}
	return out
}

func lastIndexPrefix(lines []string, prefix string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return i
		}
	}
	return -1
}

// trimBlank drops the blank lines that separate sections.
func trimBlank(lines []string) []string {
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	return lines
}
