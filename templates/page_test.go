package templates

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

func TestNoticePage(t *testing.T) {
	s, _ := Default()
	page := demoPage()
	n := page.Notice
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
			want := []string{n.Title, n.Facts.Measures.Taken[0], n.Facts.Measures.Planned[0], n.Facts.Advice[0],
				n.Facts.Remediation[0], n.Facts.Controller.ContactPoint, c.line("impact.copied"),
				c.date(n.PublishedAt), c.date(n.UpdatedAt), n.IncidentID,
				demoBaseURL + "/notices/" + n.IncidentID, "notices.example.com"}
			for _, k := range []string{"section.affected", "page.affected", "section.phishing", "page.phishing_never",
				"page.phishing_links", "section.history", "page.revision_current"} {
				want = append(want, must(t, c, k))
			}
			want = append(want, must(t, c, "page.affected_ask", "contact", n.Facts.Controller.ContactPoint))
			text := p.text()
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if old := must(t, c, "page.old_revision", "revision", "2", "total", "2", "date", c.date(n.UpdatedAt)); strings.Contains(text, old) {
				t.Errorf("current revision carries the old-revision banner %q", old)
			}
			checkLanguageSwitcher(t, p, loc, "")
		})
	}
}

// s0 is the embedded set.
func s0(t *testing.T) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// must looks up a catalog text or fails the test.
func must(t *testing.T, c *catalog, key string, kv ...string) string {
	t.Helper()
	s, err := c.text(key, kv...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkLanguageSwitcher wants a link to every other language, by ?lang=
// after query ("rev=1&" on an earlier revision), named in that language,
// marked with hreflang.
func checkLanguageSwitcher(t *testing.T, p parsed, current, query string) {
	t.Helper()
	hreflang := map[string]string{}
	for _, a := range p.elements("a") {
		h, _ := attr(a, "href")
		hreflang[h], _ = attr(a, "hreflang")
	}
	for _, l := range locales {
		hl, got := hreflang["?"+query+"lang="+l]
		if got == (l == current) {
			t.Errorf("switcher link to %s present = %v (current %s)", l, got, current)
		}
		if got && hl != l {
			t.Errorf("switcher link to %s has hreflang %q", l, hl)
		}
	}
}

// checkLinkText wants every link to say where it leads: no empty or
// generic text ("here", "click here", "more").
func checkLinkText(t *testing.T, p parsed) {
	t.Helper()
	generic := map[string]bool{"": true, "here": true, "click here": true, "more": true, "link": true, "read more": true}
	for _, a := range p.elements("a") {
		text := oneLine(parsed{root: a}.text())
		if generic[strings.ToLower(text)] {
			href, _ := attr(a, "href")
			t.Errorf("link to %q has text %q", href, text)
		}
	}
}

// TestNoticePageNoPersonalData: a notice page is built from the facts
// alone; a subject's details given to Render never reach it, and the page
// shows only the organisation's contact point.
func TestNoticePageNoPersonalData(t *testing.T) {
	var b strings.Builder
	if err := RenderNoticePage(&b, demoPage(), "en"); err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{"Ana Silva", "ana@example.com", "+5511912345678", "Dear"} {
		if strings.Contains(b.String(), personal) {
			t.Errorf("notice page contains %q", personal)
		}
	}
}

func TestNoticePageSparseFacts(t *testing.T) {
	n := incident.Notice{IncidentID: "INC-9", Revision: 1, Facts: incident.Facts{IncidentID: "INC-9"}}
	var b strings.Builder
	if err := RenderNoticePage(&b, NoticePage{Notice: n}, "de"); err != nil {
		t.Fatal(err)
	}
	p := parseHTML(t, b.String())
	checkHeadingOrder(t, p)
	text := p.text()
	for _, w := range []string{"Sicherheitsvorfall", "Wir untersuchen noch", "unserer Organisation"} {
		if !strings.Contains(text, w) {
			t.Errorf("sparse page lacks %q:\n%s", w, text)
		}
	}
	// No contact point and no public address: the page says how to ask and
	// where it is published in general terms.
	c := s0(t).cats["de"]
	for _, w := range []string{must(t, c, "page.affected_ask_direct", "controller", "unserer Organisation"), must(t, c, "page.phishing_own_site")} {
		if !strings.Contains(text, w) {
			t.Errorf("sparse page lacks %q", w)
		}
	}
	for _, h := range []string{"Was wir bereits getan haben", "Was wir Ihnen anbieten", "Fragen", "Versionsverlauf", "Sie lesen Version"} {
		if strings.Contains(text, h) {
			t.Errorf("sparse page has empty section %q", h)
		}
	}
}

func TestNoticeIndex(t *testing.T) {
	var b strings.Builder
	if err := RenderNoticeIndex(&b, demoNotices(), "fr"); err != nil {
		t.Fatal(err)
	}
	p := parseHTML(t, b.String())
	checkSelfContained(t, p)
	checkHeadingOrder(t, p)
	var links []string
	for _, a := range p.elements("a") {
		if h, _ := attr(a, "href"); strings.HasPrefix(h, "./") {
			links = append(links, h)
		}
	}
	want := []string{"./INC-2026-0042?lang=fr", "./INC-2026-0007?lang=fr", feedHref} // newest first, then the feed
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("notice links = %v, want %v", links, want)
	}
	checkLanguageSwitcher(t, p, "fr", "")
	checkLinkText(t, p)

	b.Reset()
	if err := RenderNoticeIndex(&b, nil, "es"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "En este momento no hay avisos de seguridad.") {
		t.Errorf("empty index lacks its message:\n%s", b.String())
	}
}

// TestNoticeIndexEveryLocale: the index declares its language, orders its
// headings, names its links and offers the feed in every locale.
func TestNoticeIndexEveryLocale(t *testing.T) {
	s := s0(t)
	for _, loc := range locales {
		var b strings.Builder
		if err := RenderNoticeIndex(&b, demoNotices(), loc); err != nil {
			t.Fatal(err)
		}
		p := parseHTML(t, b.String())
		checkHeadingOrder(t, p)
		checkLinkText(t, p)
		checkLanguageSwitcher(t, p, loc, "")
		if lang, _ := attr(p.elements("html")[0], "lang"); lang != loc {
			t.Errorf("%s: lang = %q", loc, lang)
		}
		if !hasLink(p, feedHref, must(t, s.cats[loc], "page.feed")) {
			t.Errorf("%s: no link to the feed", loc)
		}
	}
}
