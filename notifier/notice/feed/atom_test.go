package feed_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/notice/feed"
)

// atomDoc is the feed read back with encoding/xml, as a feed reader would.
type atomDoc struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string     `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Entries []atomItem `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomItem struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Author    string     `xml:"author>name"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomText   `xml:"content"`
}

const base = "https://notices.example.com"

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// revisions are two incidents' notices, three revisions in all, in no
// particular order.
func revisions() []incident.Notice {
	ctrl := &incident.Controller{Name: "Example Corp", ContactPoint: "dpo@example.com"}
	a1 := incident.Notice{IncidentID: "INC-A", Revision: 1, Title: "Database accessed",
		PublishedAt: at("2026-11-20T10:00:00Z"), UpdatedAt: at("2026-11-20T10:00:00Z"),
		Facts: incident.Facts{IncidentID: "INC-A", Summary: "An attacker read records.\n\nWe closed the access.",
			Controller: ctrl, Measures: &incident.Measures{Taken: []string{"Revoked the key"}}}}
	a2 := a1
	a2.Revision, a2.UpdatedAt = 2, at("2026-11-22T08:30:00Z")
	a2.Facts.Measures = &incident.Measures{Taken: []string{"Revoked the key"}, Planned: []string{"Rotate credentials"}}
	a2.Facts.Advice = []string{"Change your password"}
	b1 := incident.Notice{IncidentID: "INC-B", Revision: 1, Title: "Letters sent to wrong addresses",
		PublishedAt: at("2026-11-21T09:00:00Z"), UpdatedAt: at("2026-11-21T09:00:00Z"),
		Facts: incident.Facts{IncidentID: "INC-B"}}
	return []incident.Notice{a1, b1, a2}
}

func render(t *testing.T, revs []incident.Notice, now time.Time) (string, atomDoc) {
	t.Helper()
	var b bytes.Buffer
	if err := feed.Atom(&b, base+"/", revs, now); err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, b.String())
	var doc atomDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("parse feed back: %v\n%s", err, b.String())
	}
	return b.String(), doc
}

// checkWellFormed reads every token with a strict decoder, which rejects
// characters XML 1.0 forbids, and looks for raw control bytes.
func checkWellFormed(t *testing.T, doc string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("feed is not well-formed: %v\n%s", err, doc)
		}
	}
	if i := strings.IndexFunc(doc, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }); i >= 0 {
		t.Errorf("feed has control character %U at byte %d", doc[i], i)
	}
}

func link(links []atomLink, rel string) string {
	for _, l := range links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func TestAtomFeed(t *testing.T) {
	_, doc := render(t, revisions(), at("2026-12-01T00:00:00Z"))
	if doc.ID != base+"/notices/feed.atom" || doc.Title != "Security notices" || doc.Lang != "en" {
		t.Errorf("feed id %q title %q lang %q", doc.ID, doc.Title, doc.Lang)
	}
	if doc.Updated != "2026-11-22T08:30:00Z" {
		t.Errorf("feed updated %q, want the newest revision's time", doc.Updated)
	}
	if got := link(doc.Links, "self"); got != base+"/notices/feed.atom" {
		t.Errorf("self link %q", got)
	}
	if got := link(doc.Links, "alternate"); got != base+"/notices/" {
		t.Errorf("alternate link %q", got)
	}
	type want struct{ id, title, updated, href, author string }
	wants := []want{ // newest first; only earlier revisions link with ?rev=
		{"tag:notices.example.com,2026-11-20:notice/INC-A/2", "Database accessed (revision 2)", "2026-11-22T08:30:00Z",
			base + "/notices/INC-A", "Example Corp"},
		{"tag:notices.example.com,2026-11-21:notice/INC-B/1", "Letters sent to wrong addresses (revision 1)", "2026-11-21T09:00:00Z",
			base + "/notices/INC-B", "Security team"},
		{"tag:notices.example.com,2026-11-20:notice/INC-A/1", "Database accessed (revision 1)", "2026-11-20T10:00:00Z",
			base + "/notices/INC-A?rev=1", "Example Corp"},
	}
	if len(doc.Entries) != len(wants) {
		t.Fatalf("%d entries, want one per revision (%d)", len(doc.Entries), len(wants))
	}
	for i, w := range wants {
		e := doc.Entries[i]
		got := want{e.ID, e.Title.Body, e.Updated, link(e.Links, "alternate"), e.Author}
		if got != w {
			t.Errorf("entry %d = %+v\nwant %+v", i, got, w)
		}
		if e.Published != e.Updated || e.Title.Type != "text" || e.Summary.Type != "text" || e.Content.Type != "text" {
			t.Errorf("entry %d: published %q, types %q %q %q", i, e.Published, e.Title.Type, e.Summary.Type, e.Content.Type)
		}
	}
	a2 := doc.Entries[0]
	if a2.Summary.Body != "An attacker read records." {
		t.Errorf("summary %q, want the first paragraph", a2.Summary.Body)
	}
	for _, w := range []string{"What happened\nAn attacker read records.\n\nWe closed the access.", "What we have done\nRevoked the key",
		"What we are going to do\nRotate credentials", "What you can do\nChange your password", "Questions\nContact dpo@example.com."} {
		if !strings.Contains(a2.Content.Body, w) {
			t.Errorf("content lacks %q:\n%s", w, a2.Content.Body)
		}
	}
	if b1 := doc.Entries[1]; b1.Summary.Body != "Letters sent to wrong addresses" || strings.Contains(b1.Content.Body, "Questions") {
		t.Errorf("sparse entry: summary %q content %q", b1.Summary.Body, b1.Content.Body)
	}
}

// TestAtomStable: the input order does not change the output, and a new
// revision adds an entry without changing the others' ids.
func TestAtomStable(t *testing.T) {
	revs := revisions()
	now := at("2026-12-01T00:00:00Z")
	first, doc := render(t, revs, now)
	again, _ := render(t, []incident.Notice{revs[2], revs[0], revs[1]}, now)
	if first != again {
		t.Errorf("output depends on input order:\n%s\n---\n%s", first, again)
	}
	b2 := revs[1]
	b2.Revision, b2.UpdatedAt = 2, at("2026-11-25T12:00:00Z")
	_, later := render(t, append(revs, b2), now)
	ids := map[string]bool{}
	for _, e := range later.Entries {
		if ids[e.ID] {
			t.Errorf("duplicate entry id %s", e.ID)
		}
		ids[e.ID] = true
	}
	for _, e := range doc.Entries {
		if !ids[e.ID] {
			t.Errorf("entry id %s changed after a new revision", e.ID)
		}
	}
	if len(later.Entries) != 4 || later.Entries[0].ID != "tag:notices.example.com,2026-11-21:notice/INC-B/2" {
		t.Errorf("new revision not first: %d entries, first %s", len(later.Entries), later.Entries[0].ID)
	}
	if got := link(later.Entries[2].Links, "alternate"); got != base+"/notices/INC-B?rev=1" {
		t.Errorf("INC-B revision 1 links to %q once revision 2 exists", got)
	}
}

// TestAtomHostileText: markup, quotes, ampersands, control characters
// and broken UTF-8 in incident text give a well-formed feed that shows the
// text as text.
func TestAtomHostileText(t *testing.T) {
	const script = `<script>alert(1)</script> "double" 'single' & ]]> <![CDATA[`
	n := revisions()[0]
	n.IncidentID = `INC"<&>/../x y`
	n.Title = script + "\x00\x01\x08\x0b\x0c\x1b\x7f\u0085\ufffe\uffff\xff end"
	n.Facts.Summary = "line one\x00\n\nline <b>two</b> &amp;"
	n.Facts.Controller = &incident.Controller{Name: "Evil \"Corp\"\r\n<b>", ContactPoint: "a&b@example.com\x1b"}
	n.Facts.Advice = []string{"</content><entry><id>forged</id>"}
	raw, doc := render(t, []incident.Notice{n}, at("2026-12-01T00:00:00Z"))
	for _, bad := range []string{"<script", "<b>", "<entry><id>forged", "<![CDATA["} {
		if strings.Contains(raw, bad) {
			t.Errorf("feed contains raw %q", bad)
		}
	}
	if len(doc.Entries) != 1 {
		t.Fatalf("%d entries, want 1: text forged an entry", len(doc.Entries))
	}
	e := doc.Entries[0]
	wantTitle := script + "\uFFFD end (revision 1)" // controls dropped, broken UTF-8 replaced
	if e.Title.Body != wantTitle {
		t.Errorf("title %q\nwant  %q", e.Title.Body, wantTitle)
	}
	if e.Author != `Evil "Corp" <b>` {
		t.Errorf("author %q", e.Author)
	}
	for _, w := range []string{"line one\n\nline <b>two</b> &amp;", "</content><entry><id>forged</id>", "Contact a&b@example.com."} {
		if !strings.Contains(e.Content.Body, w) {
			t.Errorf("content lacks %q:\n%q", w, e.Content.Body)
		}
	}
	// & may stay in a path (encoding/xml writes it as &amp;); the slash
	// must not, or the id would name another path.
	href := link(e.Links, "alternate")
	if !strings.HasPrefix(href, base+"/notices/") || strings.ContainsAny(strings.TrimPrefix(href, base+"/notices/"), `"<> /`) {
		t.Errorf("link %q does not escape the incident id", href)
	}
	if !regexp.MustCompile(`^tag:notices\.example\.com,2026-11-20:notice/[^"<> /]+/1$`).MatchString(e.ID) {
		t.Errorf("entry id %q", e.ID)
	}
}

func TestAtomEmpty(t *testing.T) {
	now := at("2026-12-01T07:00:00+02:00")
	_, doc := render(t, nil, now)
	if len(doc.Entries) != 0 || doc.Updated != "2026-12-01T05:00:00Z" {
		t.Errorf("empty feed: %d entries, updated %q; want none, now in UTC", len(doc.Entries), doc.Updated)
	}
}

func TestAtomBaseURL(t *testing.T) {
	var b bytes.Buffer
	if err := feed.Atom(&b, "https://example.org/herald/", revisions(), time.Now()); err != nil {
		t.Fatal(err)
	}
	var doc atomDoc
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != "https://example.org/herald/notices/feed.atom" || link(doc.Entries[0].Links, "alternate") != "https://example.org/herald/notices/INC-A" {
		t.Errorf("base path lost: feed %s, entry link %s", doc.ID, link(doc.Entries[0].Links, "alternate"))
	}
	for _, bad := range []string{"", "notices.example.com", "/notices", "ftp://example.org", "https://example.org/?x=1", "http://"} {
		b.Reset()
		err := feed.Atom(&b, bad, revisions(), time.Now())
		if incident.ErrorCode(err) != incident.CodeInvalid || incident.ErrorField(err) != "base_url" {
			t.Errorf("base %q: error %v, want invalid base_url", bad, err)
		}
		if b.Len() != 0 {
			t.Errorf("base %q: wrote %d bytes before failing", bad, b.Len())
		}
	}
}
