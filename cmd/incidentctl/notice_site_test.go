package main

import (
	"net/url"
	"strings"
	"testing"
)

func TestSiteParse(t *testing.T) {
	s, err := newSite("https://herald.example/api/", []string{"en", "de", "pt-BR"})
	if err != nil {
		t.Fatal(err)
	}
	index, _ := url.Parse("https://herald.example/api/notices/?lang=de")
	notice, _ := url.Parse("https://herald.example/api/notices/INC:7?lang=de")
	cases := []struct {
		from *url.URL
		href string
		want *sitePage // nil: not a link into the copy
	}{
		{index, "?lang=pt-BR", &sitePage{kind: kindIndex, lang: "pt-BR"}},
		{index, "./INC:7?lang=de", &sitePage{kind: kindNotice, id: "INC:7", lang: "de"}},
		{index, "./feed.atom", &sitePage{kind: kindFeed}},
		{notice, "./?lang=de", &sitePage{kind: kindIndex, lang: "de"}},
		{notice, "?rev=2&lang=en", &sitePage{kind: kindNotice, id: "INC:7", rev: "2", lang: "en"}},
		{notice, "./INC:7.csaf.json", &sitePage{kind: kindCSAF, id: "INC:7"}},
		{notice, "./INC-8", &sitePage{kind: kindNotice, id: "INC-8", lang: "en"}},
		{notice, "?lang=fr", nil},                                 // not a locale of the copy
		{notice, "?rev=two&lang=de", nil},                         // not a revision number
		{notice, "#advice", nil},                                  // same page
		{notice, "../reports/INC:7/1", nil},                       // outside the notices
		{notice, "./INC-8/more", nil},                             // deeper than a notice
		{notice, "https://herald.example/api/notices/INC-8", nil}, // absolute: meant as written
		{notice, "//herald.example/api/notices/INC-8", nil},
		{notice, "mailto:dpo@example.org", nil},
	}
	for _, c := range cases {
		got, ok := s.parse(c.href, c.from)
		switch {
		case c.want == nil && ok:
			t.Errorf("parse(%q from %s) = %+v, want no page", c.href, c.from, got)
		case c.want != nil && (!ok || got != *c.want):
			t.Errorf("parse(%q from %s) = %+v %v, want %+v", c.href, c.from, got, ok, *c.want)
		}
	}
	for _, bad := range []string{"ftp://h", "herald.example:8080", "http://"} {
		if _, err := newSite(bad, s.locales); err == nil || !strings.Contains(err.Error(), "--api") {
			t.Errorf("newSite(%q) = %v, want an error naming --api", bad, err)
		}
	}
}

func TestSiteStaticPath(t *testing.T) {
	s := &site{locales: []string{"en", "zh-CN"}}
	cases := []struct {
		p    sitePage
		want string // "" = not exportable
	}{
		{sitePage{kind: kindIndex, lang: "en"}, "index.html"},
		{sitePage{kind: kindIndex, lang: "zh-CN"}, "index.zh-CN.html"},
		{sitePage{kind: kindNotice, id: "INC-1", lang: "en"}, "INC-1/index.html"},
		{sitePage{kind: kindNotice, id: "INC-1", rev: "3", lang: "zh-CN"}, "INC-1/rev3.zh-CN.html"},
		{sitePage{kind: kindCSAF, id: "INC-1"}, "INC-1.csaf.json"},
		{sitePage{kind: kindFeed}, "feed.atom"},
		{sitePage{kind: kindNotice, id: "..", lang: "en"}, ""},
		{sitePage{kind: kindNotice, id: ".well-known", lang: "en"}, ""},
		{sitePage{kind: kindNotice, id: "index.de.html", lang: "en"}, ""},
		{sitePage{kind: kindNotice, id: "feed.atom", lang: "en"}, ""},
		{sitePage{kind: kindNotice, id: "a/b", lang: "en"}, ""},
		{sitePage{kind: kindCSAF, id: "x.csaf.json"}, ""},
	}
	for _, c := range cases {
		got, ok := s.staticPath(c.p)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("staticPath(%+v) = %q %v, want %q", c.p, got, ok, c.want)
		}
	}
}

func TestRelLink(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{"index.html", "index.de.html", "./index.de.html"},
		{"index.html", "INC-1/index.ja.html", "./INC-1/index.ja.html"},
		{"INC-1/index.html", "index.de.html", "../index.de.html"},
		{"INC-1/rev1.html", "INC-1/index.fr.html", "./index.fr.html"},
		{"INC-1/index.html", "INC-2/index.html", "../INC-2/index.html"},
		{"INC:1/index.html", "INC:1.csaf.json", "../INC:1.csaf.json"},
		{"index.html", "INC 1/index.html", "./INC%201/index.html"},
	}
	for _, c := range cases {
		if got := relLink(c.from, c.to); got != c.want {
			t.Errorf("relLink(%q, %q) = %q, want %q", c.from, c.to, got, c.want)
		}
		// The link must lead back to the file when resolved as a browser would.
		from, _ := url.Parse("https://static.example/n/" + c.from)
		ref, err := url.Parse(c.want)
		if err != nil || ref.Scheme != "" {
			t.Errorf("%q is not a relative link: scheme %q, %v", c.want, ref.Scheme, err)
			continue
		}
		if got := from.ResolveReference(ref).Path; got != "/n/"+c.to {
			t.Errorf("%q from %s resolves to %s, want /n/%s", c.want, c.from, got, c.to)
		}
	}
}

// TestRewriteLinksKeepsTheRest: only the tags whose links change are
// written anew; the rest of the page, odd markup included, is kept byte
// for byte.
func TestRewriteLinksKeepsTheRest(t *testing.T) {
	page := "<!DOCTYPE html>\n<HTML lang=en><!-- a <a href=\"x\"> in a comment -->\n" +
		"<style>a[href=\"?lang=de\"]{color:red}</style>\n" +
		"<P>Fish &amp; chips &lt;3</P><A HREF='?lang=de' class=x>Deutsch</A>\n" +
		"<a href=\"./INC-1?lang=de&amp;x=1\" title=\"a &quot;b&quot;\">n</a><img src=\"logo.png\" alt=''/>\n"
	if got := string(rewriteLinks([]byte(page), func(string) (string, bool) { return "", false })); got != page {
		t.Errorf("a rewrite that maps nothing changed the page:\n%s", got)
	}
	got := string(rewriteLinks([]byte(page), func(href string) (string, bool) {
		if href == "./INC-1?lang=de&x=1" { // the value arrives unescaped
			return "./INC-1/index.de.html", true
		}
		return "", false
	}))
	want := strings.Replace(page, `<a href="./INC-1?lang=de&amp;x=1" title="a &quot;b&quot;">`,
		`<a href="./INC-1/index.de.html" title="a &#34;b&#34;">`, 1)
	if got != want {
		t.Errorf("rewritten page:\n%s\nwant:\n%s", got, want)
	}
	links := htmlLinks([]byte(page))
	if strings.Join(links, " ") != "?lang=de ./INC-1?lang=de&x=1 logo.png" {
		t.Errorf("links = %q: want the three in tags, none from the comment or the style", links)
	}
}
