package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/herald-notify/herald/templates"
)

// maxExportPages stops a crawl of a site that links without end.
const maxExportPages = 100_000

// noticeExport is one run of `notice export`: it reads the public notice
// site from the API into memory, makes its links work from a static host,
// then writes it out in one swap.
type noticeExport struct {
	site    *site
	timeout time.Duration
	files   map[string][]byte   // static path -> content
	pages   map[string]*url.URL // static path of each HTML page -> the live URL it came from
	seen    map[sitePage]bool
	queue   []sitePage
	ids     []string // notices found, in the order found
	known   map[string]bool
	notes   []string
}

func runNoticeExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("notice export", e)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] == "" {
		return usagef("export needs exactly one DIR")
	}
	dir, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("resolve export directory: %w", err)
	}
	if err := checkReplaceable(dir); err != nil {
		return err // before any fetch: a DIR we may not replace fails fast
	}
	s, err := newSite(e.cfg.api, templates.SupportedLocales())
	if err != nil {
		return err
	}
	x := &noticeExport{site: s, timeout: e.cfg.timeout, files: map[string][]byte{},
		pages: map[string]*url.URL{}, seen: map[sitePage]bool{}, known: map[string]bool{}}
	if err := x.collect(ctx); err != nil {
		return err
	}
	x.rewrite()
	note, err := writeExport(dir, x.files)
	if note != "" {
		x.notes = append(x.notes, note)
	}
	for _, n := range x.notes {
		fmt.Fprintf(e.stderr, "incidentctl notice export: note: %s\n", n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "exported %d notices (%d pages in %d languages) to %s\n",
		len(x.ids), len(x.pages), len(s.locales), dir)
	return nil
}

// collect fetches every index and notice page in every locale (following
// the pages' own links to earlier revisions), then the feed and the CSAF
// documents where the API has them. The notices are those the public
// index links to: /api/v1/incidents would also list incidents without one.
func (x *noticeExport) collect(ctx context.Context) error {
	for _, l := range x.site.locales {
		x.enqueue(sitePage{kind: kindIndex, lang: l})
	}
	for len(x.queue) > 0 {
		if len(x.seen) > maxExportPages {
			return fmt.Errorf("export notices: more than %d pages; the site links without end", maxExportPages)
		}
		p := x.queue[0]
		x.queue = x.queue[1:]
		if err := x.fetchPage(ctx, p); err != nil {
			return err
		}
	}
	return x.fetchExtras(ctx)
}

func (x *noticeExport) enqueue(p sitePage) {
	if !x.seen[p] {
		x.seen[p] = true
		x.queue = append(x.queue, p)
	}
}

// fetchPage stores one HTML page, which must exist, and queues the notice
// pages it links to, in every locale.
func (x *noticeExport) fetchPage(ctx context.Context, p sitePage) error {
	u := x.site.url(p)
	body, err := x.getRequired(ctx, u)
	if err != nil {
		return err
	}
	path, _ := x.site.staticPath(p) // only exportable pages are queued
	x.files[path], x.pages[path] = body, u
	for _, href := range htmlLinks(body) {
		if q, ok := x.site.parse(href, u); ok && q.kind == kindNotice {
			x.discover(q)
		}
	}
	return nil
}

// discover queues a linked notice page in every locale.
func (x *noticeExport) discover(p sitePage) {
	if !exportableID(p.id) {
		x.note("skipped notice %q: its id cannot name a directory on a static host", p.id)
		return
	}
	if !x.known[p.id] {
		x.known[p.id] = true
		x.ids = append(x.ids, p.id)
	}
	for _, rev := range []string{"", p.rev} {
		for _, l := range x.site.locales {
			x.enqueue(sitePage{kind: kindNotice, id: p.id, rev: rev, lang: l})
		}
	}
}

// fetchExtras fetches the Atom feed and each notice's CSAF document. Both
// are newer than the pages: an API that answers 404 has none, and the
// copy goes without them.
func (x *noticeExport) fetchExtras(ctx context.Context) error {
	found, err := x.getOptional(ctx, sitePage{kind: kindFeed})
	if err != nil {
		return err
	}
	if !found {
		x.note("no %s: the API answered 404", feedFile)
	}
	missing := 0
	for _, id := range x.ids {
		found, err := x.getOptional(ctx, sitePage{kind: kindCSAF, id: id})
		if err != nil {
			return err
		}
		if !found {
			missing++
		}
	}
	if missing > 0 {
		x.note("no CSAF document for %d of %d notices: the API answered 404", missing, len(x.ids))
	}
	return nil
}

// getOptional stores p if the API has it, and reports whether it had.
func (x *noticeExport) getOptional(ctx context.Context, p sitePage) (bool, error) {
	u := x.site.url(p)
	body, status, err := x.get(ctx, u)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusNotFound:
		return false, nil
	case status != http.StatusOK:
		return false, fmt.Errorf("get %s: API answered %d %s", u.Redacted(), status, http.StatusText(status))
	}
	path, _ := x.site.staticPath(p)
	x.files[path] = body
	return true, nil
}

func (x *noticeExport) getRequired(ctx context.Context, u *url.URL) ([]byte, error) {
	body, status, err := x.get(ctx, u)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("get %s: API answered %d %s", u.Redacted(), status, http.StatusText(status))
	}
	return body, err
}

// get fetches u within --timeout and returns the body and status.
func (x *noticeExport) get(ctx context.Context, u *url.URL) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, usagef("bad --api URL: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("cannot reach the Herald API at %s: %w", x.site.base.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	if len(body) > maxResponse {
		return nil, 0, fmt.Errorf("read %s: larger than %d MiB", u.Redacted(), maxResponse>>20)
	}
	return body, resp.StatusCode, nil
}

// rewrite points every link between exported files at the copy: the
// language switchers, the index links, revisions, feed and CSAF. Links to
// anything not in the copy stay as they are.
func (x *noticeExport) rewrite() {
	for path, live := range x.pages {
		x.files[path] = rewriteLinks(x.files[path], func(href string) (string, bool) {
			return x.staticHref(path, live, href)
		})
	}
}

func (x *noticeExport) staticHref(from string, live *url.URL, href string) (string, bool) {
	p, ok := x.site.parse(href, live)
	if !ok {
		return "", false
	}
	to, ok := x.site.staticPath(p)
	if _, exported := x.files[to]; !ok || !exported {
		return "", false
	}
	link := relLink(from, to)
	if ref, err := url.Parse(href); err == nil && ref.Fragment != "" {
		link += "#" + ref.EscapedFragment()
	}
	return link, true
}

func (x *noticeExport) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	for _, old := range x.notes {
		if old == n {
			return
		}
	}
	x.notes = append(x.notes, n)
}
