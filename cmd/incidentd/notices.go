package main

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/herald-notify/herald/notifier/notice/csaf"
	"github.com/herald-notify/herald/notifier/notice/feed"
)

// csafSuffix marks a notice's CSAF document: /notices/{id}.csaf.json. The
// router takes whole path segments only, so noticePage tells it apart.
const csafSuffix = ".csaf.json"

// noticeFeed serves every revision of every public notice as Atom.
func (a *httpAPI) noticeFeed(w http.ResponseWriter, r *http.Request) {
	revs, err := feed.AllRevisions(r.Context(), a.store)
	if err != nil {
		a.fail(w, err)
		return
	}
	var b bytes.Buffer
	if err := feed.Atom(&b, a.publicURL, revs, time.Now()); err != nil {
		a.fail(w, err)
		return
	}
	a.document(w, feed.ContentType, b.Bytes())
}

// noticeCSAF serves one notice, with its revision history, as a CSAF 2.0
// document (profile csaf_security_incident_response).
func (a *httpAPI) noticeCSAF(w http.ResponseWriter, r *http.Request, id string) {
	revs, err := a.store.NoticeRevisions(r.Context(), id)
	if err != nil {
		a.fail(w, err)
		return
	}
	base := strings.TrimRight(a.publicURL, "/")
	doc, err := csaf.Document(revs, csaf.Publisher{Namespace: base}, base+"/notices/"+url.PathEscape(id))
	if err != nil {
		a.fail(w, err)
		return
	}
	a.document(w, "application/json", doc)
}

// document serves a machine-readable notice format: nothing in it may run.
func (a *httpAPI) document(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body)
}
