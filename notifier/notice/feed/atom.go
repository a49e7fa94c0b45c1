// Package feed writes the public Security Notices as an Atom 1.0 feed
// (RFC 4287): one entry per notice revision, so a reader subscribed to the
// feed sees every change to a notice, not only that it changed.
//
// All text goes through encoding/xml, never string concatenation, and is
// cleaned of characters XML 1.0 forbids first: incident text is written by
// people and may hold anything.
package feed

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Paths under baseURL; the pages themselves are served by incidentd.
const (
	NoticesPath = "/notices/"
	FeedPath    = "/notices/feed.atom"
	// ContentType is what the feed is served as.
	ContentType = "application/atom+xml; charset=utf-8"
)

const (
	atomNS        = "http://www.w3.org/2005/Atom"
	xmlNS         = "http://www.w3.org/XML/1998/namespace"
	feedTitle     = "Security notices"
	defaultAuthor = "Security team"
)

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	ID      string      `xml:"id"`
	Title   atomText    `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     atomText   `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Author    atomPerson `xml:"author"`
	Links     []atomLink `xml:"link"`
	Summary   atomText   `xml:"summary"`
	Content   atomText   `xml:"content"`
}

// atomText is an Atom text construct; always type="text", so nothing in it
// is ever read as markup.
type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

// Atom writes the feed of every notice revision in revisions (of any
// number of incidents, in any order), newest first. baseURL is the public
// address the pages are served under (scheme and host, optionally a path),
// as in incidentd's public_url. now dates an empty feed.
func Atom(w io.Writer, baseURL string, revisions []incident.Notice, now time.Time) error {
	base, err := parseBase(baseURL)
	if err != nil {
		return err
	}
	sorted := newestFirst(revisions)
	latest := latestRevisions(sorted)
	f := atomFeed{
		Lang:    "en",
		ID:      base.String() + FeedPath,
		Title:   text(feedTitle),
		Updated: stamp(feedUpdated(sorted, now)),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base.String() + FeedPath},
			{Rel: "alternate", Type: "text/html", Href: base.String() + NoticesPath},
		},
		Entries: make([]atomEntry, 0, len(sorted)),
	}
	for _, n := range sorted {
		f.Entries = append(f.Entries, entry(base, n, n.Revision == latest[n.IncidentID]))
	}
	return write(w, f)
}

func write(w io.Writer, f atomFeed) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write feed: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("write feed: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write feed: %w", err)
	}
	return nil
}

// parseBase accepts an absolute http(s) URL; the trailing slash is dropped
// so paths join cleanly.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil {
		return nil, incident.Invalid("base_url", "not a URL: %v", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, incident.Invalid("base_url", "want an absolute http(s) URL without query, got %q", raw)
	}
	return u, nil
}

// newestFirst orders by the time a revision appeared, newest first; ties
// (same instant) by incident id, then higher revision first, so the output
// does not depend on the input order.
func newestFirst(in []incident.Notice) []incident.Notice {
	out := append([]incident.Notice(nil), in...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.UpdatedAt.Equal(b.UpdatedAt) {
			return a.UpdatedAt.After(b.UpdatedAt)
		}
		if a.IncidentID != b.IncidentID {
			return a.IncidentID < b.IncidentID
		}
		return a.Revision > b.Revision
	})
	return out
}

// latestRevisions maps each incident to its highest revision: that one is
// the current notice and links to the page without ?rev=.
func latestRevisions(ns []incident.Notice) map[string]int {
	latest := make(map[string]int)
	for _, n := range ns {
		if r, ok := latest[n.IncidentID]; !ok || n.Revision > r {
			latest[n.IncidentID] = n.Revision
		}
	}
	return latest
}

func feedUpdated(sorted []incident.Notice, now time.Time) time.Time {
	if len(sorted) == 0 {
		return now
	}
	return sorted[0].UpdatedAt
}

// entry is one revision. Its id is a tag URI (RFC 4151) built from the
// public host, the day the notice was first published, the incident id
// and the revision: it never changes once the revision exists.
func entry(base *url.URL, n incident.Notice, current bool) atomEntry {
	page := base.String() + NoticesPath + url.PathEscape(n.IncidentID)
	if !current {
		page += "?rev=" + strconv.Itoa(n.Revision)
	}
	return atomEntry{
		ID:        tagURI(base, n),
		Title:     text(fmt.Sprintf("%s (revision %d)", title(n), n.Revision)),
		Updated:   stamp(n.UpdatedAt),
		Published: stamp(n.UpdatedAt), // when this revision was published
		Author:    atomPerson{Name: author(n.Facts)},
		Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: page}},
		Summary:   text(summary(n)),
		Content:   text(content(n)),
	}
}

func tagURI(base *url.URL, n incident.Notice) string {
	day := n.PublishedAt
	if day.IsZero() {
		day = n.UpdatedAt
	}
	return fmt.Sprintf("tag:%s,%s:notice/%s/%d", base.Hostname(), day.UTC().Format(time.DateOnly),
		url.PathEscape(n.IncidentID), n.Revision)
}

// stamp is an RFC 3339 date-time in UTC, as Atom wants.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func text(s string) atomText { return atomText{Type: "text", Body: clean(s)} }
