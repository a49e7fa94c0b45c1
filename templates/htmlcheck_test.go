package templates

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// parsed is an HTML document read back with a real parser, so checks look
// at what a browser would see rather than at template source.
type parsed struct {
	root *html.Node
}

func parseHTML(t *testing.T, doc string) parsed {
	t.Helper()
	n, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	return parsed{root: n}
}

func (p parsed) walk(fn func(*html.Node)) {
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		fn(n)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(p.root)
}

// text is the visible text, whitespace collapsed.
func (p parsed) text() string {
	var b strings.Builder
	p.walk(func(n *html.Node) {
		if n.Type == html.TextNode && (n.Parent == nil || n.Parent.Data != "style") {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
	})
	return oneLine(b.String())
}

func (p parsed) elements(tag string) []*html.Node {
	var out []*html.Node
	p.walk(func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
	})
	return out
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// checkSelfContained fails on scripts, event handlers, javascript: links
// and anything loaded from elsewhere (src, stylesheets, url() in CSS).
func checkSelfContained(t *testing.T, p parsed) {
	t.Helper()
	if s := p.elements("script"); len(s) > 0 {
		t.Errorf("page has %d <script> elements", len(s))
	}
	p.walk(func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("<%s> has event handler %s", n.Data, a.Key)
			case a.Key == "src" || a.Key == "srcset":
				t.Errorf("<%s> loads %s=%q", n.Data, a.Key, a.Val)
			case a.Key == "href" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
				t.Errorf("<%s> links to %q", n.Data, a.Val)
			case a.Key == "style" && strings.Contains(a.Val, "url("):
				t.Errorf("<%s> style loads a resource: %q", n.Data, a.Val)
			}
		}
		if n.Data == "link" {
			t.Errorf("page has a <link> element")
		}
	})
	for _, st := range p.elements("style") {
		if st.FirstChild != nil && (strings.Contains(st.FirstChild.Data, "url(") || strings.Contains(st.FirstChild.Data, "@import")) {
			t.Errorf("<style> loads a resource")
		}
	}
}

// headings lists h1..h6 levels in document order.
func (p parsed) headings() []int {
	var out []int
	p.walk(func(n *html.Node) {
		if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
			out = append(out, int(n.Data[1]-'0'))
		}
	})
	return out
}

// checkHeadingOrder wants one h1 first and no skipped level.
func checkHeadingOrder(t *testing.T, p parsed) {
	t.Helper()
	hs := p.headings()
	if len(hs) == 0 || hs[0] != 1 {
		t.Fatalf("headings %v: want an h1 first", hs)
	}
	for i := 1; i < len(hs); i++ {
		if hs[i] == 1 || hs[i] > hs[i-1]+1 {
			t.Errorf("headings %v: level %d after %d", hs, hs[i], hs[i-1])
		}
	}
}
