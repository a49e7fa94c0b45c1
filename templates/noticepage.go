package templates

import (
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// NoticePage is one public Security Notice page to render.
type NoticePage struct {
	// Notice is the revision shown: the current one, or an earlier one a
	// reader asked for with ?rev= (see NoticeRevision).
	Notice incident.Notice
	// History is every revision of the notice, oldest first, as
	// store.NoticeRevisions returns it. Empty: no history section, and
	// Notice is taken to be current.
	History []incident.Notice
	// BaseURL is the public address the pages are served under
	// (incidentd's public_url). The page names its own address from it so
	// readers can tell it from a copy elsewhere; "" leaves the address out.
	BaseURL string
}

// oldRevision is the banner over an earlier revision.
type oldRevision struct {
	Revision, Total, Date, Current, Href string
}

// historyItem is one revision in the history section. Href is "" for the
// revision shown.
type historyItem struct {
	Label, Date, Href string
	Current           bool
}

// RenderNoticePage writes the public Security Notice for one incident in
// locale (negotiated: "" or an unsupported locale gives English): the
// revision p.Notice, with the notice's revision history. The page shows
// only the incident's facts, never anyone's personal data.
func RenderNoticePage(w io.Writer, p NoticePage, locale string) error {
	s, err := Default()
	if err != nil {
		return err
	}
	return s.RenderNoticePage(w, p, locale)
}

// RenderNoticePage is the package-level RenderNoticePage on this set.
func (s *Set) RenderNoticePage(w io.Writer, p NoticePage, locale string) error {
	loc := Negotiate(locale, "")
	c := s.cats[loc]
	n := p.Notice
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
	current := currentRevision(n, p.History)
	v := pageView{
		Lang: loc, DocTitle: heading, Heading: heading, Robots: robotsIndex,
		Languages: s.languages(loc, ""), IndexHref: "./?lang=" + loc, FeedHref: feedHref,
		CSAFHref: "./" + url.PathEscape(n.IncidentID) + ".csaf.json",
		Notice:   mv, Published: c.date(n.PublishedAt), Updated: c.date(n.UpdatedAt),
		Revision: strconv.Itoa(n.Revision),
		History:  history(c, loc, n.Revision, current, p.History),
	}
	v.Address, v.Host = noticeAddress(p.BaseURL, n.IncidentID)
	if n.Revision < current {
		v.Robots = robotsNoIndex
		v.Languages = s.languages(loc, "rev="+v.Revision+"&")
		v.Old = &oldRevision{Revision: v.Revision, Total: strconv.Itoa(current), Date: v.Updated,
			Current: strconv.Itoa(current), Href: "?lang=" + loc}
	}
	return s.writePage(w, loc, "notice.html.tmpl", v)
}

// currentRevision is the highest revision in history, or n's own.
func currentRevision(n incident.Notice, history []incident.Notice) int {
	current := n.Revision
	for _, h := range history {
		current = max(current, h.Revision)
	}
	return current
}

// history lists the revisions newest first. The current one links to the
// page without ?rev=, so a bookmark of it always shows the latest.
func history(c *catalog, loc string, shown, current int, revs []incident.Notice) []historyItem {
	out := make([]historyItem, 0, len(revs))
	for i := len(revs) - 1; i >= 0; i-- {
		r := revs[i]
		num := strconv.Itoa(r.Revision)
		label, _ := c.text("page.revision", "revision", num)
		it := historyItem{Label: label, Date: c.dateTime(&r.UpdatedAt), Current: r.Revision == current}
		switch {
		case r.Revision == shown:
		case it.Current:
			it.Href = "?lang=" + loc
		default:
			it.Href = "?rev=" + num + "&lang=" + loc
		}
		out = append(out, it)
	}
	return out
}

// noticeAddress is the notice's public address and its host, or "" when
// baseURL is not an absolute http(s) URL.
func noticeAddress(baseURL, id string) (string, string) {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", ""
	}
	return base + "/notices/" + url.PathEscape(id), u.Host
}

// NoticeRevision picks the revision a reader asked for with ?rev= from
// history (oldest first, as store.NoticeRevisions returns it): "" is the
// current one. A rev that is not a number is invalid; a number the notice
// has no revision for is not found.
func NoticeRevision(history []incident.Notice, rev string) (incident.Notice, error) {
	if len(history) == 0 {
		return incident.Notice{}, incident.NotFound("no notice revisions")
	}
	if rev == "" {
		latest := history[0]
		for _, n := range history[1:] {
			if n.Revision > latest.Revision {
				latest = n
			}
		}
		return latest, nil
	}
	num, err := strconv.Atoi(rev)
	if err != nil {
		return incident.Notice{}, incident.Invalid("rev", "want a revision number, got %q", rev)
	}
	for _, n := range history {
		if n.Revision == num {
			return n, nil
		}
	}
	return incident.Notice{}, incident.NotFound("notice %s has no revision %d", history[0].IncidentID, num)
}
