package templates

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/herald-notify/herald/incident"
)

// TestEmailPromises checks, in every locale, that the email carries what
// the company promises (RULES.md §5): what happened and its impact,
// measures taken and planned, advice, remedies, a contact point, the link,
// and how to recognise a genuine message, in both the text and HTML parts.
func TestEmailPromises(t *testing.T) {
	d := demoData()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range locales {
		t.Run(loc, func(t *testing.T) {
			m, _, err := Render("email", loc, d)
			if err != nil {
				t.Fatal(err)
			}
			c := s.cats[loc]
			genuine, _ := c.text("email.genuine")
			link := localizedLink(demoURL, loc)
			want := []string{d.Title, "Ana Silva", d.ContactPoint, link, genuine, c.line("impact.credentials")}
			for _, list := range [][]string{d.MeasuresTaken, d.MeasuresPlanned, d.Advice, d.Remedies} {
				want = append(want, list...)
			}
			htmlText := parseHTML(t, m.HTML).text()
			for _, w := range want {
				if !strings.Contains(m.Text, w) {
					t.Errorf("text part lacks %q", w)
				}
				if !strings.Contains(htmlText, w) {
					t.Errorf("html part lacks %q", w)
				}
			}
			if m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("subject %q: want one non-empty line", m.Subject)
			}
			if m.Link != link {
				t.Errorf("link = %q, want %q", m.Link, link)
			}
			p := parseHTML(t, m.HTML)
			checkSelfContained(t, p)
			if lang, _ := attr(p.elements("html")[0], "lang"); lang != loc {
				t.Errorf("html lang = %q, want %q", lang, loc)
			}
		})
	}
}

// TestEmptyListsOmitted: a section with nothing in it has no heading.
func TestEmptyListsOmitted(t *testing.T) {
	s, _ := Default()
	d := NoticeData{IncidentID: "INC-1", Title: "Lost laptop", Controller: "Example Corp",
		NoticeURL: demoURL, Impact: []string{"impact.unknown"}}
	for _, loc := range locales {
		m, _, err := Render("email", loc, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"section.measures_taken", "section.measures_planned", "section.advice", "section.remedies", "section.contact"} {
			h, _ := s.cats[loc].text(key)
			if strings.Contains(m.Text, h) || strings.Contains(parseHTML(t, m.HTML).text(), h) {
				t.Errorf("%s: empty section %q has a heading", loc, h)
			}
		}
		if strings.Contains(m.Text, "\n\n\n") {
			t.Errorf("%s: text has a run of blank lines:\n%s", loc, m.Text)
		}
	}
}

// TestHostileTextEscaped: incident text written by anyone is shown as
// text, never run as markup, in every HTML output.
func TestHostileTextEscaped(t *testing.T) {
	const script = `<script>alert(1)</script>`
	f := demoFacts()
	f.Title = script + ` "quoted" & 'single'`
	f.Summary = `<img src=x onerror=alert(2)> "</p><p>"`
	f.Controller.Name = "Evil \"Corp\" <b>bold</b>\r\nBcc: x@example.com"
	f.Controller.ContactPoint = `"><script>alert(3)</script>`
	f.Measures.Taken = []string{`<a href="javascript:alert(4)">click</a>`}
	f.Advice = []string{`</li></ul><script>alert(5)</script>`}
	inc := demoIncident()
	inc.Facts = f
	d := NoticeDataFrom(inc, "javascript:alert(6)")
	d.Name = `<svg onload=alert(7)>`

	m, _, err := Render("email", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject carries a line break: %q", m.Subject)
	}
	notice := demoNotice()
	notice.Title, notice.Facts = f.Title, f
	var page, index, report strings.Builder
	if err := RenderNoticePage(&page, NoticePage{Notice: notice, History: []incident.Notice{notice}, BaseURL: demoBaseURL}, "fr"); err != nil {
		t.Fatal(err)
	}
	if err := RenderNoticeIndex(&index, []incident.Notice{notice}, "de"); err != nil {
		t.Fatal(err)
	}
	r := demoReport()
	r.Authority, r.Fields["title"], r.Fields["nature_of_breach"] = script, f.Title, f.Summary
	r.Fields[`<script>key`] = []any{script, map[string]any{"x": `"><script>`}}
	if err := RenderReportHTML(&report, r); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{"email": m.HTML, "page": page.String(), "index": index.String(), "report": report.String()} {
		t.Run(name, func(t *testing.T) {
			p := parseHTML(t, doc)
			checkSelfContained(t, p)
			for _, bad := range []string{"<script", "<img", "<svg", "<b>", "<a href=\"javascript"} {
				if strings.Contains(doc, bad) {
					t.Errorf("%s output contains raw %q", name, bad)
				}
			}
			if !strings.Contains(p.text(), script) {
				t.Errorf("%s output does not show the hostile title as text", name)
			}
		})
	}
}

// TestSMSFitsTwoSegments: every locale's SMS of the demo incident takes at
// most two segments: GSM-7 (306 characters) for the Latin-script locales,
// UCS-2 (134 UTF-16 code units) for Chinese and Japanese.
func TestSMSFitsTwoSegments(t *testing.T) {
	for _, loc := range locales {
		m, _, err := Render("sms", loc, demoData())
		if err != nil {
			t.Fatal(err)
		}
		segs, gsm := SMSSegments(m.Text)
		n, limit := smsUnits(m.Text), 2*gsmPart
		if denseSMS[loc] {
			limit = 2 * ucs2Part
		}
		t.Logf("%s: %d %s units, %d segments", loc, n, encoding(gsm), segs)
		if gsm == denseSMS[loc] || n > limit || segs > 2 {
			t.Errorf("%s: %d units, gsm7=%v, %d segments; want %s within %d (2 segments):\n%s",
				loc, n, gsm, segs, encoding(!denseSMS[loc]), limit, m.Text)
		}
		if !strings.Contains(m.Text, m.Link) || m.Link == "" {
			t.Errorf("%s: sms lacks its link %q", loc, m.Link)
		}
		for _, detail := range append(demoData().Advice, demoData().MeasuresTaken...) {
			if strings.Contains(m.Text, detail) {
				t.Errorf("%s: sms carries a detail of the breach: %q", loc, detail)
			}
		}
	}
}

// TestSMSLongTitleTruncated: a long title is cut with "..." to keep a
// Latin-script SMS in GSM-7 and two segments (Chinese and Japanese: see
// TestSMSDenseLocales).
func TestSMSLongTitleTruncated(t *testing.T) {
	d := demoData()
	d.Title = strings.Repeat("Unauthorised access to several internal systems and databases ", 6)
	for _, loc := range locales {
		if denseSMS[loc] {
			continue
		}
		m, _, err := Render("sms", loc, d)
		if err != nil {
			t.Fatal(err)
		}
		segs, gsm := SMSSegments(m.Text)
		if !gsm || segs > 2 {
			t.Errorf("%s: gsm7=%v segments=%d:\n%s", loc, gsm, segs, m.Text)
		}
		if !strings.Contains(m.Text, "Unauthorised access") || !strings.Contains(m.Text, "...") {
			t.Errorf("%s: want a shortened title with an ellipsis:\n%s", loc, m.Text)
		}
	}
}

// TestSMSNonLatinIsUCS2 shows what happens when the text cannot be folded
// into GSM-7: it goes out as UCS-2, within four segments (268
// characters), the title shortened or dropped.
func TestSMSNonLatinIsUCS2(t *testing.T) {
	d := demoData()
	d.Controller = "Пример"
	d.Title = strings.Repeat("Несанкционированный доступ к базе данных службы поддержки ", 2)
	m, _, err := Render("sms", "de", d)
	if err != nil {
		t.Fatal(err)
	}
	segs, gsm := SMSSegments(m.Text)
	t.Logf("UCS-2: %d UTF-16 units, %d segments: %s", len([]rune(m.Text)), segs, m.Text)
	if gsm {
		t.Fatalf("want UCS-2, got GSM-7: %s", m.Text)
	}
	if segs > smsMaxUCS2Segments {
		t.Errorf("%d UCS-2 segments, want at most %d", segs, smsMaxUCS2Segments)
	}
	if !strings.Contains(m.Text, m.Link) || !strings.Contains(m.Text, "...") {
		t.Errorf("want the link and a shortened title: %s", m.Text)
	}
}

func TestPushShortWithLink(t *testing.T) {
	for _, loc := range locales {
		m, id, err := Render("push", loc, demoData())
		if err != nil {
			t.Fatal(err)
		}
		if id != "push/"+loc+"@"+Version {
			t.Errorf("id = %q", id)
		}
		if m.Link == "" || !strings.Contains(m.Text, m.Link) {
			t.Errorf("%s: push does not carry the link: %+v", loc, m)
		}
		if n := utf8.RuneCountInString(m.Text); n > pushTextMax {
			t.Errorf("%s: push text is %d characters, want <= %d", loc, n, pushTextMax)
		}
		if n := utf8.RuneCountInString(m.Title); n == 0 || n > pushTitleMax {
			t.Errorf("%s: push title is %d characters, want 1..%d", loc, n, pushTitleMax)
		}
		if m.HTML != "" || m.Subject != "" {
			t.Errorf("%s: push has email parts", loc)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	if _, _, err := Render("fax", "en", demoData()); incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "channel" {
		t.Errorf("unknown channel: err = %v, want invalid channel", err)
	}
	d := demoData()
	d.NoticeURL = ""
	for _, ch := range []string{"sms", "push"} {
		_, _, err := Render(ch, "en", d)
		if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "notice_url" {
			t.Errorf("%s without link: err = %v, want invalid notice_url", ch, err)
		}
		if err != nil && strings.Contains(err.Error(), d.Name) {
			t.Errorf("%s: error names the person: %v", ch, err)
		}
	}
	if _, _, err := Render("email", "en", d); err != nil {
		t.Errorf("email without link: %v", err)
	}
}

func TestRenderUnsupportedLocaleFallsBack(t *testing.T) {
	for locale, want := range map[string]string{
		"ko-KR": "email/en", "zh-TW": "email/en", "pt-PT": "email/pt-BR", "ja-JP": "email/ja", "zh-SG": "email/zh-CN",
	} {
		_, id, err := Render("email", locale, demoData())
		if err != nil || id != want+"@"+Version {
			t.Errorf("%s: id %q err %v, want %s@%s", locale, id, err, want, Version)
		}
	}
}

// TestRenderConcurrent renders from many goroutines at once (run with
// -race): the dispatcher does.
func TestRenderConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			loc := locales[i%len(locales)]
			for _, ch := range []string{"email", "sms", "push"} {
				if _, _, err := Render(ch, loc, demoData()); err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	wg.Wait()
}
