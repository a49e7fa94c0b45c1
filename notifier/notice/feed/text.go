package feed

import (
	"strings"
	"unicode/utf8"

	"github.com/herald-notify/herald/incident"
)

// clean makes s safe to carry in XML 1.0: invalid UTF-8 becomes U+FFFD;
// control characters other than tab, newline and carriage return, which
// XML 1.0 forbids (C0) or discourages (DEL, C1), and the non-characters
// U+FFFE and U+FFFF are dropped. Escaping <, & and quotes is left to
// encoding/xml.
func clean(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0xfffe, r == 0xffff:
			return -1
		}
		return r
	}, s)
}

// oneLine collapses whitespace runs (line breaks included) to one space:
// for titles and names.
func oneLine(s string) string { return strings.Join(strings.Fields(clean(s)), " ") }

// title is the published title, else the working one, else a neutral name.
func title(n incident.Notice) string {
	for _, t := range []string{n.Title, n.Facts.Title} {
		if t = oneLine(t); t != "" {
			return t
		}
	}
	return "Security incident " + oneLine(n.IncidentID)
}

// author is the organisation responsible, as the facts name it.
func author(f incident.Facts) string {
	if f.Controller != nil {
		if name := oneLine(f.Controller.Name); name != "" {
			return name
		}
	}
	return defaultAuthor
}

// summary is the first paragraph of what happened, or the title.
func summary(n incident.Notice) string {
	s := strings.TrimSpace(strings.ReplaceAll(n.Facts.Summary, "\r\n", "\n"))
	if first, _, _ := strings.Cut(s, "\n\n"); strings.TrimSpace(first) != "" {
		return oneLine(first)
	}
	return title(n)
}

// content is the notice as plain text: what happened, what was done and is
// planned, what readers can do, what is offered, and whom to ask. Sections
// with nothing to say are left out.
func content(n incident.Notice) string {
	f := n.Facts
	var b strings.Builder
	what := strings.TrimSpace(f.Summary)
	if what == "" {
		what = title(n)
	}
	writeSection(&b, "What happened", []string{what})
	if m := f.Measures; m != nil {
		writeSection(&b, "What we have done", append(append([]string(nil), m.Taken...), f.FinalMeasures...))
		writeSection(&b, "What we are going to do", m.Planned)
	} else {
		writeSection(&b, "What we have done", f.FinalMeasures)
	}
	writeSection(&b, "What you can do", f.Advice)
	writeSection(&b, "What we offer you", f.Remediation)
	if c := f.Controller; c != nil && oneLine(c.ContactPoint) != "" {
		writeSection(&b, "Questions", []string{"Contact " + oneLine(c.ContactPoint) + "."})
	}
	return strings.TrimRight(b.String(), "\n")
}

// writeSection writes a heading and its items; one item is a paragraph,
// several are a list.
func writeSection(b *strings.Builder, heading string, items []string) {
	var kept []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			kept = append(kept, it)
		}
	}
	if len(kept) == 0 {
		return
	}
	b.WriteString(heading + "\n")
	for _, it := range kept {
		if len(kept) > 1 {
			b.WriteString("- ")
		}
		b.WriteString(it + "\n")
	}
	b.WriteString("\n")
}
