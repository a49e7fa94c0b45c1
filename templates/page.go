package templates

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Public notice pages live at <base>/ (the index) and <base>/<incident id>;
// their links are relative, so the pages work under any base path that ends
// in a slash, such as /notices/.

// pageView is what the page templates see.
type pageView struct {
	Lang      string
	DocTitle  string
	Heading   string
	Languages []langLink
	IndexHref string

	Notice    messageView // notice page
	Published string
	Updated   string
	Revision  string

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

// RenderNoticePage writes the public Security Notice for one incident in
// locale (negotiated: "" or an unsupported locale gives English). The page
// shows only the incident's facts, never anyone's personal data.
func RenderNoticePage(w io.Writer, n incident.Notice, locale string) error {
	s, err := Default()
	if err != nil {
		return err
	}
	return s.RenderNoticePage(w, n, locale)
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

// RenderNoticePage is the package-level RenderNoticePage on this set.
func (s *Set) RenderNoticePage(w io.Writer, n incident.Notice, locale string) error {
	loc := Negotiate(locale, "")
	c := s.cats[loc]
	d := dataFromFacts(n.IncidentID, n.Facts, "")
	if n.Title != "" {
		d.Title = n.Title // the published title wins over the working one
	}
	mv, err := s.view(loc, d)
	if err != nil {
		return err
	}
	if mv.Title == "" {
		mv.Title = c.strings["page.untitled"]
	}
	heading, err := c.text("page.title", "title", mv.Title)
	if err != nil {
		return err
	}
	v := pageView{
		Lang: loc, DocTitle: heading, Heading: heading,
		Languages: s.languages(loc), IndexHref: "./?lang=" + loc,
		Notice: mv, Published: c.date(n.PublishedAt), Updated: c.date(n.UpdatedAt),
		Revision: strconv.Itoa(n.Revision),
	}
	return s.writePage(w, loc, "notice.html.tmpl", v)
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
	v := pageView{Lang: loc, DocTitle: heading, Heading: heading, Languages: s.languages(loc), Items: items}
	return s.writePage(w, loc, "index.html.tmpl", v)
}

// updatedDate is shown only when a notice changed after the day it was
// published.
func updatedDate(c *catalog, published, updated time.Time) string {
	if d := c.date(updated); d != c.date(published) {
		return d
	}
	return ""
}

// languages lists every locale for the switcher; links keep the page and
// change only ?lang.
func (s *Set) languages(current string) []langLink {
	out := make([]langLink, len(locales))
	for i, l := range locales {
		out[i] = langLink{Code: l, Name: s.cats[l].strings["language"], Href: "?lang=" + l, Current: l == current}
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
