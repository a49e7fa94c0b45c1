package templates

import (
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

func TestNoticePage(t *testing.T) {
	s, _ := Default()
	n := demoNotice()
	for _, loc := range locales {
		t.Run(loc, func(t *testing.T) {
			var b strings.Builder
			if err := RenderNoticePage(&b, n, loc); err != nil {
				t.Fatal(err)
			}
			p := parseHTML(t, b.String())
			checkSelfContained(t, p)
			checkHeadingOrder(t, p)
			if lang, _ := attr(p.elements("html")[0], "lang"); lang != loc {
				t.Errorf("lang = %q, want %q", lang, loc)
			}
			c := s.cats[loc]
			genuine, _ := c.text("page.genuine")
			want := []string{n.Title, n.Facts.Measures.Taken[0], n.Facts.Measures.Planned[0], n.Facts.Advice[0],
				n.Facts.Remediation[0], n.Facts.Controller.ContactPoint, c.line("impact.copied"), genuine,
				c.date(n.PublishedAt), c.date(n.UpdatedAt), n.IncidentID}
			text := p.text()
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			checkLanguageSwitcher(t, p, loc)
		})
	}
}

// checkLanguageSwitcher wants a link to every other language, by ?lang=.
func checkLanguageSwitcher(t *testing.T, p parsed, current string) {
	t.Helper()
	hrefs := map[string]bool{}
	for _, a := range p.elements("a") {
		h, _ := attr(a, "href")
		hrefs[h] = true
	}
	for _, l := range locales {
		if got := hrefs["?lang="+l]; got == (l == current) {
			t.Errorf("switcher link to %s present = %v (current %s)", l, got, current)
		}
	}
}

// TestNoticePageNoPersonalData: a notice page is built from the facts
// alone; a subject's details given to Render never reach it, and the page
// shows only the organisation's contact point.
func TestNoticePageNoPersonalData(t *testing.T) {
	var b strings.Builder
	if err := RenderNoticePage(&b, demoNotice(), "en"); err != nil {
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
	if err := RenderNoticePage(&b, n, "de"); err != nil {
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
	for _, h := range []string{"Was wir bereits getan haben", "Was wir Ihnen anbieten", "Fragen"} {
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
	want := []string{"./INC-2026-0042?lang=fr", "./INC-2026-0007?lang=fr"} // newest first
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("notice links = %v, want %v", links, want)
	}
	checkLanguageSwitcher(t, p, "fr")

	b.Reset()
	if err := RenderNoticeIndex(&b, nil, "es"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "En este momento no hay avisos de seguridad.") {
		t.Errorf("empty index lacks its message:\n%s", b.String())
	}
}
