package main

import (
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
)

// The live notice site and its static copy.
//
//	live (under {api}/notices/)          static (under DIR/)
//	?lang=L                              index.html, index.L.html
//	{id}?lang=L                          {id}/index.html, {id}/index.L.html
//	{id}?rev=N&lang=L (older revision)   {id}/revN.html, {id}/revN.L.html
//	feed.atom                            feed.atom
//	{id}.csaf.json                       {id}.csaf.json
//
// The first locale (English) has no suffix, so DIR/ and DIR/{id}/ serve it
// on any web server; every page of one notice sits in one directory, so its
// language switcher links are plain sibling file names.

// pageKind is what a resource of the notice site is.
type pageKind int

const (
	kindIndex pageKind = iota
	kindNotice
	kindFeed
	kindCSAF
)

const feedFile = "feed.atom"

// sitePage is one resource of the live notice site.
type sitePage struct {
	kind pageKind
	id   string // notice and CSAF
	rev  string // an earlier revision's number; "" is the current one
	lang string // index and notice pages: a supported locale
}

// site maps between the live notice site and the static copy.
type site struct {
	base    *url.URL // {api}/notices/
	locales []string // the first is the default
}

func newSite(api string, locales []string) (*site, error) {
	u, err := url.Parse(strings.TrimRight(api, "/") + "/notices/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("bad --api URL %q: want http(s)://host[:port]", api)
	}
	u.RawQuery, u.Fragment = "", ""
	return &site{base: u, locales: locales}, nil
}

// url is where the live site serves p.
func (s *site) url(p sitePage) *url.URL {
	u := *s.base
	switch p.kind {
	case kindNotice:
		u.Path += p.id
	case kindFeed:
		u.Path += feedFile
	case kindCSAF:
		u.Path += p.id + ".csaf.json"
	}
	u.RawPath = ""
	if p.kind == kindIndex || p.kind == kindNotice {
		q := url.Values{"lang": {p.lang}}
		if p.rev != "" {
			q.Set("rev", p.rev)
		}
		u.RawQuery = q.Encode()
	}
	return &u
}

var revNumber = regexp.MustCompile(`^[0-9]{1,9}$`)

// parse reads a link found on the live page at from. Only relative links
// to another page or file count: they are the site's own navigation, while an absolute link (the
// notice's official address, outside help) is meant as written.
func (s *site) parse(href string, from *url.URL) (sitePage, bool) {
	href = strings.TrimSpace(href)
	if strings.HasPrefix(href, "#") {
		return sitePage{}, false // a place on the same page, which works as it is
	}
	ref, err := url.Parse(href)
	if err != nil || ref.Scheme != "" || ref.Host != "" || ref.Opaque != "" {
		return sitePage{}, false
	}
	u := from.ResolveReference(ref)
	rest, ok := strings.CutPrefix(u.Path, s.base.Path)
	if !ok || strings.Contains(rest, "/") {
		return sitePage{}, false
	}
	q := u.Query()
	switch {
	case rest == feedFile:
		return sitePage{kind: kindFeed}, true
	case strings.HasSuffix(rest, ".csaf.json"):
		return sitePage{kind: kindCSAF, id: strings.TrimSuffix(rest, ".csaf.json")}, true
	}
	p := sitePage{kind: kindIndex, lang: q.Get("lang")}
	if rest != "" {
		p.kind, p.id, p.rev = kindNotice, rest, q.Get("rev")
	}
	if p.lang == "" {
		p.lang = s.locales[0]
	}
	ok = slices.Contains(s.locales, p.lang) && (p.rev == "" || revNumber.MatchString(p.rev))
	return p, ok
}

// staticPath is where the copy keeps p, relative to DIR; false for an id
// that cannot be a file name there.
func (s *site) staticPath(p sitePage) (string, bool) {
	switch p.kind {
	case kindIndex:
		return s.withLang("index", p.lang), true
	case kindFeed:
		return feedFile, true
	}
	if !exportableID(p.id) {
		return "", false
	}
	if p.kind == kindCSAF {
		return p.id + ".csaf.json", true
	}
	name := "index"
	if p.rev != "" {
		name = "rev" + p.rev
	}
	return p.id + "/" + s.withLang(name, p.lang), true
}

func (s *site) withLang(name, lang string) string {
	if lang == s.locales[0] {
		return name + ".html"
	}
	return name + "." + lang + ".html"
}

// incidentIDPattern is the contract's incident_id pattern.
var incidentIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// exportableID: the id can name a directory of the copy. The contract
// allows ".." and names that would collide with the copy's own files or
// be hidden by web servers that refuse dot files.
func exportableID(id string) bool {
	return incidentIDPattern.MatchString(id) && !strings.HasPrefix(id, ".") &&
		id != feedFile && !strings.HasSuffix(id, ".csaf.json") &&
		!(strings.HasPrefix(id, "index.") && strings.HasSuffix(id, ".html"))
}

// relLink is the link from the copy's file from to its file to, both
// relative to DIR. It always starts with ./ or ../ so an id with a colon is
// never read as a URL scheme.
func relLink(from, to string) string {
	dir := path.Dir(from)
	if dir == "." {
		return "./" + escapePath(to)
	}
	if rest, ok := strings.CutPrefix(to, dir+"/"); ok {
		return "./" + escapePath(rest)
	}
	return strings.Repeat("../", strings.Count(dir, "/")+1) + escapePath(to)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
