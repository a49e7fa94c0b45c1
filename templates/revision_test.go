package templates

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/herald-notify/herald/incident"
)

// historyLinks lists the history section's entries as "href|text"; the
// revision shown has no href.
func historyLinks(p parsed) []string {
	var out []string
	p.walk(func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "ul" {
			return
		}
		if class, _ := attr(n, "class"); class != "history" {
			return
		}
		for li := n.FirstChild; li != nil; li = li.NextSibling {
			if li.Type != html.ElementNode {
				continue
			}
			first := li.FirstChild
			href, _ := attr(first, "href")
			out = append(out, href+"|"+parsed{root: first}.text())
		}
	})
	return out
}

func robots(p parsed) string {
	for _, m := range p.elements("meta") {
		if name, _ := attr(m, "name"); name == "robots" {
			v, _ := attr(m, "content")
			return v
		}
	}
	return ""
}

func TestNoticePageHistoryCurrent(t *testing.T) {
	var b strings.Builder
	if err := RenderNoticePage(&b, demoPage(), "en"); err != nil {
		t.Fatal(err)
	}
	p := parseHTML(t, b.String())
	got := strings.Join(historyLinks(p), " ")
	if want := "|Revision 2 ?rev=1&lang=en|Revision 1"; got != want { // newest first; the one shown is not a link
		t.Errorf("history = %q, want %q", got, want)
	}
	text := p.text()
	for _, w := range []string{"Revision 2 · 22 November 2026, 08:30 UTC · current · shown on this page",
		"Revision 1 · 20 November 2026, 10:00 UTC", "Last updated: 22 November 2026 (revision 2)"} {
		if !strings.Contains(text, w) {
			t.Errorf("page lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "You are reading revision") {
		t.Error("current revision shows the old-revision banner")
	}
	if r := robots(p); r != robotsIndex {
		t.Errorf("robots = %q, want %q", r, robotsIndex)
	}
}

// TestNoticePageOldRevision: an earlier revision says so at the top, links
// to the current notice, keeps ?rev= when the language changes, and is
// kept out of search results; in every language.
func TestNoticePageOldRevision(t *testing.T) {
	s := s0(t)
	page := demoPage()
	page.Notice = page.History[0]
	for _, loc := range locales {
		t.Run(loc, func(t *testing.T) {
			var b strings.Builder
			if err := RenderNoticePage(&b, page, loc); err != nil {
				t.Fatal(err)
			}
			p := parseHTML(t, b.String())
			checkSelfContained(t, p)
			checkHeadingOrder(t, p)
			checkLinkText(t, p)
			if lang, _ := attr(p.elements("html")[0], "lang"); lang != loc {
				t.Errorf("lang = %q, want %q", lang, loc)
			}
			c := s.cats[loc]
			banner := must(t, c, "page.old_revision", "revision", "1", "total", "2", "date", c.date(page.Notice.UpdatedAt))
			toCurrent := must(t, c, "page.old_revision_link", "revision", "2")
			text := p.text()
			if !strings.Contains(text, banner) {
				t.Errorf("page lacks banner %q", banner)
			}
			if !hasLink(p, "?lang="+loc, toCurrent) {
				t.Errorf("no link %q to the current notice", toCurrent)
			}
			if strings.Contains(text, page.History[1].Facts.Measures.Planned[0]) {
				t.Error("revision 1 shows a measure only revision 2 has")
			}
			checkLanguageSwitcher(t, p, loc, "rev=1&")
			if r := robots(p); r != robotsNoIndex {
				t.Errorf("robots = %q, want %q", r, robotsNoIndex)
			}
			rev2 := must(t, c, "page.revision", "revision", "2")
			rev1 := must(t, c, "page.revision", "revision", "1")
			if got, want := strings.Join(historyLinks(p), " "), "?lang="+loc+"|"+rev2+" |"+rev1; got != want {
				t.Errorf("history = %q, want %q", got, want)
			}
		})
	}
}

func hasLink(p parsed, href, text string) bool {
	for _, a := range p.elements("a") {
		if h, _ := attr(a, "href"); h == href && oneLine(parsed{root: a}.text()) == text {
			return true
		}
	}
	return false
}

// TestNoticePageHostileRevision: an incident id and texts written to break
// out of attributes and elements stay text, in links and in the history.
func TestNoticePageHostileRevision(t *testing.T) {
	const id = `INC"><script>alert(1)</script>`
	first := incident.Notice{IncidentID: id, Revision: 1, Title: `<script>alert(2)</script> "quoted" & 'single'`,
		PublishedAt: *at("2026-11-20T10:00:00Z"), UpdatedAt: *at("2026-11-20T10:00:00Z"),
		Facts: incident.Facts{IncidentID: id, Summary: `</p><script>alert(3)</script>`,
			Controller: &incident.Controller{Name: `<b onmouseover="x">Evil</b>`, ContactPoint: `"><img src=x>`}}}
	second := first
	second.Revision, second.UpdatedAt = 2, *at("2026-11-21T10:00:00Z")
	var b strings.Builder
	if err := RenderNoticePage(&b, NoticePage{Notice: first, History: []incident.Notice{first, second},
		BaseURL: `https://notices.example.com/"><script>`}, "en"); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, bad := range []string{"<script", "<img", "<b ", `"><`} {
		if strings.Contains(doc, bad) {
			t.Errorf("page contains raw %q", bad)
		}
	}
	p := parseHTML(t, doc)
	checkSelfContained(t, p)
	text := p.text()
	for _, w := range []string{first.Title, first.Facts.Summary, first.Facts.Controller.ContactPoint, id} {
		if !strings.Contains(text, w) {
			t.Errorf("page does not show %q as text", w)
		}
	}
}

func TestNoticePageAddress(t *testing.T) {
	page := demoPage()
	page.BaseURL = "https://status.example.org:8443/" // trailing slash, a port
	var b strings.Builder
	if err := RenderNoticePage(&b, page, "en"); err != nil {
		t.Fatal(err)
	}
	text := parseHTML(t, b.String()).text()
	for _, w := range []string{"only at this address: https://status.example.org:8443/notices/INC-2026-0042",
		"it must show status.example.org:8443."} {
		if !strings.Contains(text, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, base := range []string{"", "not a url", "ftp://example.org", "/notices"} {
		page.BaseURL = base
		b.Reset()
		if err := RenderNoticePage(&b, page, "en"); err != nil {
			t.Fatal(err)
		}
		if text := parseHTML(t, b.String()).text(); !strings.Contains(text, "published only on our own website") {
			t.Errorf("base %q: page lacks the general wording", base)
		}
	}
}

func TestNoticeRevision(t *testing.T) {
	h := demoHistory()
	tests := []struct {
		rev      string
		want     int
		code     string
		codeDesc string
	}{
		{"", 2, "", "current"},
		{"1", 1, "", "first"},
		{"2", 2, "", "current by number"},
		{"3", 0, incident.CodeNotFound, "beyond"},
		{"0", 0, incident.CodeNotFound, "zero"},
		{"-1", 0, incident.CodeNotFound, "negative"},
		{"x", 0, incident.CodeInvalid, "letters"},
		{"1.5", 0, incident.CodeInvalid, "fraction"},
		{"1 ", 0, incident.CodeInvalid, "space"},
		{"99999999999999999999", 0, incident.CodeInvalid, "overflow"},
	}
	for _, tt := range tests {
		n, err := NoticeRevision(h, tt.rev)
		if code := incident.ErrorCode(err); code != tt.code {
			t.Errorf("%s: rev %q: error %v (code %q), want code %q", tt.codeDesc, tt.rev, err, code, tt.code)
			continue
		}
		if tt.code == incident.CodeInvalid && incident.ErrorField(err) != "rev" {
			t.Errorf("rev %q: error names field %q, want rev", tt.rev, incident.ErrorField(err))
		}
		if err == nil && n.Revision != tt.want {
			t.Errorf("rev %q: got revision %d, want %d", tt.rev, n.Revision, tt.want)
		}
	}
	// Whatever order the history comes in, "" is the highest revision.
	if n, err := NoticeRevision([]incident.Notice{h[1], h[0]}, ""); err != nil || n.Revision != 2 {
		t.Errorf("unordered history: revision %d, %v; want 2", n.Revision, err)
	}
	if _, err := NoticeRevision(nil, ""); incident.ErrorCode(err) != incident.CodeNotFound {
		t.Errorf("no history: %v, want not found", err)
	}
}
