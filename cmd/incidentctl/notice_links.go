package main

import (
	"bytes"
	"io"

	"golang.org/x/net/html"
)

// linkAttrs are the attributes that point at another page or file.
var linkAttrs = map[string]bool{"href": true, "src": true}

// htmlLinks returns the href and src values of page, unescaped.
func htmlLinks(page []byte) []string {
	var out []string
	eachTag(page, func(tok *html.Token) bool {
		for _, a := range tok.Attr {
			if linkAttrs[a.Key] {
				out = append(out, a.Val)
			}
		}
		return false
	})
	return out
}

// rewriteLinks returns page with every href and src that newHref maps
// replaced. Everything else is kept byte for byte: only the tags whose
// links change are written anew.
func rewriteLinks(page []byte, newHref func(string) (string, bool)) []byte {
	return eachTag(page, func(tok *html.Token) bool {
		changed := false
		for i, a := range tok.Attr {
			if !linkAttrs[a.Key] {
				continue
			}
			if v, ok := newHref(a.Val); ok && v != a.Val {
				tok.Attr[i].Val, changed = v, true
			}
		}
		return changed
	})
}

// eachTag calls visit on every start tag of page and returns the page with
// the tags visit reports changed re-encoded.
func eachTag(page []byte, visit func(*html.Token) bool) []byte {
	var out bytes.Buffer
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF { // cannot happen reading from memory; keep the rest as is
				out.Write(z.Raw())
			}
			return out.Bytes()
		}
		// Token lower-cases the tag in the tokenizer's buffer: copy the raw
		// bytes first.
		raw := append([]byte(nil), z.Raw()...)
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			tok := z.Token()
			if visit(&tok) {
				out.WriteString(tok.String())
				continue
			}
		}
		out.Write(raw)
	}
}
