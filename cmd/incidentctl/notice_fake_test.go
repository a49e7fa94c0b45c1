package main

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/herald-notify/herald/templates"
)

// fakeNoticeSite serves public notice pages linked the way incidentd's
// templates link them (relative ?lang= switchers, ./{id}?lang= items,
// ./?lang= back to the index, ?rev=N&lang= history, ./feed.atom,
// ./{id}.csaf.json), so the export is tested without the daemon.
type fakeNoticeSite struct {
	mu         sync.Mutex
	revisions  map[string]int // notice id -> current revision
	order      []string       // ids as the index lists them
	feed       bool
	csaf       map[string]bool // id -> served; a page links to its id's CSAF if the id is here at all
	extraLinks []string        // more index hrefs, as written
	generation int             // changes the pages' text between runs
	fail       string          // "path?query" answered 500
	requests   int
}

func newFakeNoticeSite(t *testing.T, f *fakeNoticeSite) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeNoticeSite) set(change func(*fakeNoticeSite)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeNoticeSite) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.fail != "" && r.URL.Path+"?"+r.URL.RawQuery == f.fail {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/notices/")
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	}
	switch {
	case !ok:
		http.NotFound(w, r)
	case rest == "":
		f.index(w, lang)
	case rest == "feed.atom" && f.feed:
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprintf(w, `<feed xmlns="http://www.w3.org/2005/Atom"><id>feed-%d</id></feed>`, f.generation)
	case strings.HasSuffix(rest, ".csaf.json") && f.csaf[strings.TrimSuffix(rest, ".csaf.json")]:
		fmt.Fprintf(w, `{"document": {"tracking": {"id": %q}}}`, strings.TrimSuffix(rest, ".csaf.json"))
	case f.revisions[rest] > 0:
		f.notice(w, rest, r.URL.Query().Get("rev"), lang)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeNoticeSite) index(w http.ResponseWriter, lang string) {
	var b strings.Builder
	f.pageStart(&b, "index", "", lang, "")
	for _, id := range f.order {
		fmt.Fprintf(&b, "<li><a href=\"./%s?lang=%s\">Notice %s</a></li>\n", url.PathEscape(id), lang, html.EscapeString(id))
	}
	for _, h := range f.extraLinks {
		fmt.Fprintf(&b, "<li><a href=\"%s\">extra</a></li>\n", html.EscapeString(h))
	}
	b.WriteString("</ul>\n<p><a href=\"https://example.org/privacy\">Privacy</a> <a href=\"mailto:dpo@example.org\">DPO</a></p>\n</body></html>\n")
	fmt.Fprint(w, b.String())
}

func (f *fakeNoticeSite) notice(w http.ResponseWriter, id, rev, lang string) {
	current := f.revisions[id]
	if rev == strconv.Itoa(current) {
		rev = ""
	}
	if n, err := strconv.Atoi(rev); rev != "" && (err != nil || n < 1 || n > current) {
		http.Error(w, "no such revision", http.StatusNotFound)
		return
	}
	query := ""
	if rev != "" {
		query = "rev=" + rev + "&amp;"
	}
	var b strings.Builder
	f.pageStart(&b, id, rev, lang, query)
	fmt.Fprintf(&b, "<p><a href=\"#advice\">Advice</a></p>\n")
	if _, linked := f.csaf[id]; linked {
		fmt.Fprintf(&b, "<p><a href=\"./%s.csaf.json\">CSAF</a></p>\n", url.PathEscape(id))
	}
	b.WriteString("<ol class=\"history\">\n")
	for n := current; n >= 1; n-- {
		href := "?rev=" + strconv.Itoa(n) + "&amp;lang=" + lang
		if n == current {
			href = "?lang=" + lang
		}
		fmt.Fprintf(&b, "<li><a href=\"%s\">Revision %d</a></li>\n", href, n)
	}
	fmt.Fprintf(&b, "</ol>\n<h2 id=\"advice\">Advice</h2>\n<footer><a href=\"./?lang=%s\">All notices</a></footer>\n</body></html>\n", lang)
	fmt.Fprint(w, b.String())
}

// pageStart writes the head, a line that says which page this is, and the
// language switcher.
func (f *fakeNoticeSite) pageStart(b *strings.Builder, what, rev, lang, query string) {
	fmt.Fprintf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><title>T</title>\n", lang)
	b.WriteString("<link rel=\"alternate\" type=\"application/atom+xml\" href=\"./feed.atom\">\n<style>a{color:#0b57d0}</style></head>\n<body><nav><ul>\n")
	for _, l := range templates.SupportedLocales() {
		if l == lang {
			fmt.Fprintf(b, "<li><strong lang=\"%s\">%s</strong></li>\n", l, l)
			continue
		}
		fmt.Fprintf(b, "<li><a href=\"?%slang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a></li>\n", query, l, l, l, l)
	}
	fmt.Fprintf(b, "</ul></nav>\n<p class=\"which\">page %s rev %s lang %s gen %d</p>\n<ul>\n", what, rev, lang, f.generation)
}
