package main

import (
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/herald-notify/herald/templates"
)

// TestNoticeExport copies two notices (one with an earlier revision), the
// feed and one CSAF document, then serves the copy from a plain file
// server and follows every link on every page.
func TestNoticeExport(t *testing.T) {
	f := &fakeNoticeSite{revisions: map[string]int{"INC-1": 2, "INC-2": 1}, order: []string{"INC-2", "INC-1"},
		feed: true, csaf: map[string]bool{"INC-1": true}}
	srv := newFakeNoticeSite(t, f)
	dir := filepath.Join(t.TempDir(), "public", "notices") // its parent does not exist yet
	r := exportNotices(t, srv.URL, dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "exported 2 notices") {
		t.Errorf("stdout = %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "no CSAF document for 1 of 2 notices") {
		t.Errorf("stderr = %q, want a note on the missing CSAF document", r.stderr)
	}
	tree := readTree(t, dir)
	want := expectedPages(f)
	for path, which := range want {
		if got := whichPage(tree[path]); got != which {
			t.Errorf("%s holds %q, want %q", path, got, which)
		}
	}
	for _, extra := range []string{"feed.atom", "INC-1.csaf.json", exportMarker} {
		if _, ok := tree[extra]; !ok {
			t.Errorf("%s missing", extra)
		}
	}
	if len(tree) != len(want)+3 {
		t.Errorf("export has %d files, want %d pages and 3 more: %v", len(tree), len(want), slices.Sorted(maps.Keys(tree)))
	}

	checkLinks(t, tree, "INC-1/index.de.html", "./index.html", "./index.fr.html", "./index.pt-BR.html",
		"../index.de.html", "./rev1.de.html", "../INC-1.csaf.json", "../feed.atom", "#advice")
	checkLinks(t, tree, "INC-1/rev1.de.html", "./rev1.html", "./rev1.zh-CN.html", "./index.de.html")
	checkLinks(t, tree, "index.ja.html", "./index.html", "./INC-1/index.ja.html", "./INC-2/index.ja.html",
		"./feed.atom", "https://example.org/privacy", "mailto:dpo@example.org")
	checkLinks(t, tree, "INC-2/index.html", "./index.es.html", "../index.html")

	followed := followAllLinks(t, dir, tree)
	if min := len(want) * len(templates.SupportedLocales()); followed < min {
		t.Errorf("followed %d links, want at least %d", followed, min)
	}
}

// TestNoticeExportFailureKeepsThePreviousCopy: a fetch that fails midway
// leaves the earlier export byte for byte; the next good run replaces it
// whole, dropping what the site no longer has.
func TestNoticeExportFailureKeepsThePreviousCopy(t *testing.T) {
	f := &fakeNoticeSite{revisions: map[string]int{"INC-1": 1, "INC-2": 1}, order: []string{"INC-1", "INC-2"}, feed: true}
	srv := newFakeNoticeSite(t, f)
	parent := t.TempDir()
	dir := filepath.Join(parent, "notices")
	if r := exportNotices(t, srv.URL, dir); r.code != 0 {
		t.Fatalf("first export: exit %d: %s", r.code, r.stderr)
	}
	before := readTree(t, dir)

	f.set(func(f *fakeNoticeSite) { f.generation, f.fail = 1, "/notices/INC-2?lang=fr" })
	r := exportNotices(t, srv.URL, dir)
	if r.code != 1 || !strings.Contains(r.stderr, "500") {
		t.Fatalf("exit %d, stderr %q; want 1 naming the 500", r.code, r.stderr)
	}
	if after := readTree(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed export changed DIR")
	}
	onlyEntry(t, parent, "notices")

	f.set(func(f *fakeNoticeSite) {
		f.fail, f.order = "", []string{"INC-1"}
		delete(f.revisions, "INC-2")
	})
	if r := exportNotices(t, srv.URL, dir); r.code != 0 {
		t.Fatalf("third export: exit %d: %s", r.code, r.stderr)
	}
	tree := readTree(t, dir)
	if _, ok := tree["INC-2/index.html"]; ok {
		t.Error("a notice the site no longer has survived the new export")
	}
	if got := whichPage(tree["INC-1/index.fr.html"]); got != "page INC-1 rev  lang fr gen 1" {
		t.Errorf("INC-1/index.fr.html holds %q, want generation 1", got)
	}
	onlyEntry(t, parent, "notices")

	srv.Close()
	before = tree
	if r := exportNotices(t, srv.URL, dir); r.code != 1 || !strings.Contains(r.stderr, "cannot reach the Herald API") {
		t.Errorf("API down: exit %d, stderr %q", r.code, r.stderr)
	}
	if !reflect.DeepEqual(readTree(t, dir), before) {
		t.Error("an export against an API that is down changed DIR")
	}
}

// TestNoticeExportRefusesAForeignDirectory never replaces a directory it
// did not write, and asks the API nothing.
func TestNoticeExportRefusesAForeignDirectory(t *testing.T) {
	f := &fakeNoticeSite{revisions: map[string]int{"INC-1": 1}, order: []string{"INC-1"}}
	srv := newFakeNoticeSite(t, f)
	home := t.TempDir()
	precious := filepath.Join(home, "thesis.txt")
	if err := os.WriteFile(precious, []byte("four years of work"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{home, precious} {
		r := exportNotices(t, srv.URL, dir)
		if r.code != 2 || !strings.Contains(r.stderr, "DIR") {
			t.Errorf("%s: exit %d, stderr %q; want 2 naming DIR", dir, r.code, r.stderr)
		}
	}
	if b, err := os.ReadFile(precious); err != nil || string(b) != "four years of work" {
		t.Errorf("the directory's file was touched: %q %v", b, err)
	}
	if f.requests != 0 {
		t.Errorf("made %d requests before refusing", f.requests)
	}
	empty := filepath.Join(home, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := exportNotices(t, srv.URL, empty); r.code != 0 {
		t.Errorf("an empty directory: exit %d: %s", r.code, r.stderr)
	}
}

// TestNoticeExportWithoutFeedOrCSAF: an API that has neither yet (404)
// gives a copy without them, a note for each, and links to them left as
// they were rather than pointed at files that do not exist.
func TestNoticeExportWithoutFeedOrCSAF(t *testing.T) {
	f := &fakeNoticeSite{revisions: map[string]int{"INC-1": 1, "INC-2": 1}, order: []string{"INC-1", "INC-2"},
		csaf: map[string]bool{"INC-1": false}} // linked, not served
	srv := newFakeNoticeSite(t, f)
	dir := filepath.Join(t.TempDir(), "notices")
	r := exportNotices(t, srv.URL, dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, note := range []string{"no feed.atom: the API answered 404", "no CSAF document for 2 of 2 notices"} {
		if !strings.Contains(r.stderr, note) {
			t.Errorf("stderr %q lacks the note %q", r.stderr, note)
		}
	}
	tree := readTree(t, dir)
	for _, absent := range []string{"feed.atom", "INC-1.csaf.json", "INC-2.csaf.json"} {
		if _, ok := tree[absent]; ok {
			t.Errorf("%s exported from a 404", absent)
		}
	}
	checkLinks(t, tree, "INC-1/index.html", "./feed.atom", "./INC-1.csaf.json", "../index.html")
}

// TestNoticeExportSkipsIDsUnfitForAStaticHost: ids the contract allows but
// that cannot name a directory of the copy are skipped with a note, and
// nothing is written outside DIR.
func TestNoticeExportSkipsIDsUnfitForAStaticHost(t *testing.T) {
	f := &fakeNoticeSite{revisions: map[string]int{"INC-1": 1, ".hidden": 1, "..": 1}, order: []string{"INC-1", ".hidden"},
		extraLinks: []string{"./%2E%2E?lang=en"}}
	srv := newFakeNoticeSite(t, f)
	parent := t.TempDir()
	dir := filepath.Join(parent, "notices")
	r := exportNotices(t, srv.URL, dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, id := range []string{`".hidden"`, `".."`} {
		if !strings.Contains(r.stderr, "skipped notice "+id) {
			t.Errorf("stderr %q does not note the skipped id %s", r.stderr, id)
		}
	}
	if !strings.Contains(r.stdout, "exported 1 notices") {
		t.Errorf("stdout = %q", r.stdout)
	}
	for path := range readTree(t, dir) {
		if strings.HasPrefix(path, ".hidden") {
			t.Errorf("exported %s", path)
		}
	}
	onlyEntry(t, parent, "notices")
}

func exportNotices(t *testing.T, api, dir string) result {
	t.Helper()
	return runCLI(t, "", "notice", "export", dir, "--api", api)
}

// expectedPages lists the copy's page files and the page each must hold,
// written out independently of the code under test.
func expectedPages(f *fakeNoticeSite) map[string]string {
	want := map[string]string{}
	for _, l := range templates.SupportedLocales() {
		suffix := "." + l + ".html"
		if l == "en" {
			suffix = ".html"
		}
		want["index"+suffix] = "page index rev  lang " + l + " gen 0"
		for id, current := range f.revisions {
			want[id+"/index"+suffix] = "page " + id + " rev  lang " + l + " gen 0"
			for n := 1; n < current; n++ {
				want[id+"/rev"+strconv.Itoa(n)+suffix] = fmt.Sprintf("page %s rev %d lang %s gen 0", id, n, l)
			}
		}
	}
	return want
}

var whichLine = regexp.MustCompile(`<p class="which">([^<]*)</p>`)

func whichPage(html string) string {
	if m := whichLine.FindStringSubmatch(html); m != nil {
		return m[1]
	}
	return ""
}

// checkLinks fails unless page links to each of want.
func checkLinks(t *testing.T, tree map[string]string, page string, want ...string) {
	t.Helper()
	links := htmlLinks([]byte(tree[page]))
	for _, w := range want {
		if !slices.Contains(links, w) {
			t.Errorf("%s does not link to %q; its links: %q", page, w, links)
		}
	}
}

// followAllLinks serves dir as a static host would and fetches every
// relative link of every page; it returns how many it followed.
func followAllLinks(t *testing.T, dir string, tree map[string]string) int {
	t.Helper()
	static := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer static.Close()
	n := 0
	for path, body := range tree {
		if !strings.HasSuffix(path, ".html") {
			continue
		}
		page, _ := url.Parse(static.URL + "/" + path)
		for _, href := range htmlLinks([]byte(body)) {
			ref, err := url.Parse(href)
			if err != nil || ref.Scheme != "" || strings.HasPrefix(href, "#") {
				continue
			}
			u := page.ResolveReference(ref)
			resp, err := http.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s links to %s: the static host answers %d", path, href, resp.StatusCode)
			}
			n++
		}
	}
	return n
}

// readTree returns every file under dir by its slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// onlyEntry fails unless dir holds just name: no temporary or old export
// is left beside it.
func onlyEntry(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want only %s", dir, names, name)
	}
}

// TestWriteExportFailureKeepsThePreviousCopy: a write that fails halfway
// (here a file where a directory must go) leaves DIR as it was and no
// temporary directory behind.
func TestWriteExportFailureKeepsThePreviousCopy(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "notices")
	if _, err := writeExport(dir, map[string][]byte{"index.html": []byte("v1")}); err != nil {
		t.Fatal(err)
	}
	_, err := writeExport(dir, map[string][]byte{"index.html": []byte("v2"), "INC-1": []byte("x"), "INC-1/index.html": []byte("y")})
	if err == nil {
		t.Fatal("writing a file where a directory must go succeeded")
	}
	if got := readTree(t, dir); got["index.html"] != "v1" || len(got) != 2 {
		t.Errorf("after a failed write DIR holds %v", got)
	}
	onlyEntry(t, parent, "notices")
}
