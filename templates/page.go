package templates

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Public notice pages live at <base>/ (the index) and <base>/<incident id>,
// next to the Atom feed at <base>/feed.atom; their links are relative, so
// the pages work under any base path that ends in a slash, such as
// /notices/.

// feedHref is the Atom feed, relative to either page.
const feedHref = "./feed.atom"

// pageView is what the page templates see.
type pageView struct {
	Lang      string
	DocTitle  string
	Heading   string
	Robots    string
	Languages []langLink
	IndexHref string
	FeedHref  string
	CSAFHref  string // the notice as a CSAF 2.0 document, beside its page

	Notice    messageView // notice page
	Published string
	Updated   string
	Revision  string
	Old       *oldRevision  // set when an earlier revision is shown
	History   []historyItem // newest first
	Address   string        // the notice's public address, for telling it from phishing
	Host      string        // its host, as the address bar shows it

	Items []indexItem // index page
}

// langLink is one entry of the language switcher.
type langLink struct {
	Code, Name, Href string
	Current          bool
}

// indexItem is one notice in the index.
type indexItem struct {
	Title, Href, Published, Updated string
}

// RenderNoticeIndex writes the list of public Security Notices, most
// recently updated first.
func RenderNoticeIndex(w io.Writer, notices []incident.Notice, locale string) error {
	s, err := Default()
	if err != nil {
		return err
	}
	return s.RenderNoticeIndex(w, notices, locale)
}

// RenderNoticeIndex is the package-level RenderNoticeIndex on this set.
func (s *Set) RenderNoticeIndex(w io.Writer, notices []incident.Notice, locale string) error {
	loc := Negotiate(locale, "")
	c := s.cats[loc]
	sorted := append([]incident.Notice(nil), notices...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].UpdatedAt.After(sorted[j].UpdatedAt) })
	items := make([]indexItem, 0, len(sorted))
	for _, n := range sorted {
		title := oneLine(n.Title)
		if title == "" {
			title = oneLine(n.Facts.Title)
		}
		if title == "" {
			title = c.strings["page.untitled"]
		}
		items = append(items, indexItem{
			Title:     title,
			Href:      "./" + url.PathEscape(n.IncidentID) + "?lang=" + loc,
			Published: c.date(n.PublishedAt),
			Updated:   updatedDate(c, n.PublishedAt, n.UpdatedAt),
		})
	}
	heading := c.strings["page.index_title"]
	v := pageView{Lang: loc, DocTitle: heading, Heading: heading, Robots: robotsIndex,
		Languages: s.languages(loc, ""), FeedHref: feedHref, Items: items}
	return s.writePage(w, loc, "index.html.tmpl", v)
}

// Search engines should list the current notice, not its earlier revisions.
const (
	robotsIndex   = "index, follow"
	robotsNoIndex = "noindex, follow"
)

// updatedDate is shown only when a notice changed after the day it was
// published.
func updatedDate(c *catalog, published, updated time.Time) string {
	if d := c.date(updated); d != c.date(published) {
		return d
	}
	return ""
}

// languages lists every locale for the switcher; links keep the page and
// change only ?lang. query ("rev=2&") keeps the revision shown.
func (s *Set) languages(current, query string) []langLink {
	out := make([]langLink, len(locales))
	for i, l := range locales {
		out[i] = langLink{Code: l, Name: s.cats[l].strings["language"], Href: "?" + query + "lang=" + l, Current: l == current}
	}
	return out
}

// writePage renders into a buffer first so a failed page never reaches w
// half-written.
func (s *Set) writePage(w io.Writer, loc, name string, v pageView) error {
	out, err := s.execHTML(loc, name, v)
	if err != nil {
		return fmt.Errorf("render page %s/%s: %w", name, loc, err)
	}
	if _, err := io.WriteString(w, out); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	return nil
}
