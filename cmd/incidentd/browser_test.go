//go:build linux

package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
	"gopkg.in/yaml.v3"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/templates"
)

// The window a person would read the notice in; the screenshot has its size.
const shotWidth, shotHeight = 1280, 2000

// TestNoticeInBrowser opens the demo's public Security Notice in headless
// Chromium, in English, German and Japanese, and checks what a person sees:
// the page in their language, the incident's title, the section headings,
// a working language switcher, no scripts, and the same page with
// JavaScript switched off. A screenshot per language is kept as an artefact.
func TestNoticeInBrowser(t *testing.T) {
	chromium := findChromium(t)
	d := loadDemo(t)
	h := startHerald(t, t.TempDir(), startProviders(t, d).channels(t), &syncBuffer{})
	h.produce(t, demoID, d.opened, subjectsEvent(t, "evt-demo-subjects-1", demoID, d.subjects))
	// Wait until everyone is final so the notice does not change under us.
	v := h.waitFor(t, demoID, "the public notice", func(v incident.Overview) bool {
		return allToldOrUnreachable(len(d.subjects))(v) && v.Notice != nil
	})
	chromium.checkJavaScriptOff(t)
	artefacts := artefactDir(t)
	for _, lang := range []string{"en", "de", "ja"} {
		t.Run(lang, func(t *testing.T) {
			if lang == "ja" {
				requireFontFor(t, lang)
			}
			pageURL := h.main.HTTPURL() + "/notices/" + demoID + "?lang=" + lang
			checkPolicy(t, pageURL)
			shot := filepath.Join(artefacts, "notice-"+lang+".png")
			seen := parsePage(t, chromium.open(t, pageURL, true, "--screenshot="+shot))
			checkSeen(t, seen, lang, v.Notice.Title)
			noJS := parsePage(t, chromium.open(t, pageURL, false))
			if !slices.Equal(noJS.h1, seen.h1) || !slices.Equal(noJS.h2, seen.h2) {
				t.Errorf("without JavaScript the headings differ:\nwith    %q %q\nwithout %q %q", seen.h1, seen.h2, noJS.h1, noJS.h2)
			}
			followSwitcher(t, pageURL, seen)
			checkScreenshot(t, shot)
		})
	}
}

// checkSeen asserts on what a reader of lang sees on the rendered page.
func checkSeen(t *testing.T, p seenPage, lang, title string) {
	t.Helper()
	if p.lang != lang {
		t.Errorf(`<html lang=%q>, want %q`, p.lang, lang)
	}
	if len(p.h1) != 1 || !strings.Contains(p.h1[0], title) {
		t.Errorf("h1 %q, want one heading naming the incident %q", p.h1, title)
	}
	if want := sectionHeading(t, lang, "what_happened"); len(p.h2) < 2 || !slices.Contains(p.h2, want) {
		t.Errorf("h2 %q, want the sections in %s, among them %q", p.h2, lang, want)
	}
	if p.scripts != 0 || len(p.handlers) != 0 {
		t.Errorf("the page runs code: %d <script>, handler attributes %q", p.scripts, p.handlers)
	}
	if p.current != lang {
		t.Errorf("language switcher marks %q as current, want %q", p.current, lang)
	}
	others := slices.DeleteFunc(templates.SupportedLocales(), func(l string) bool { return l == lang })
	got := make([]string, 0, len(p.switcher))
	for l := range p.switcher {
		got = append(got, l)
	}
	slices.Sort(got)
	slices.Sort(others)
	if !slices.Equal(got, others) {
		t.Errorf("language switcher links to %q, want every other locale %q", got, others)
	}
}

// checkPolicy: the page as served forbids scripts and outside resources.
func checkPolicy(t *testing.T, pageURL string) {
	t.Helper()
	resp, err := http.Get(pageURL)
	if err != nil {
		t.Fatalf("GET notice page: %v", err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "default-src 'none'") ||
		(strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'none'")) {
		t.Errorf("notice page: HTTP %d, Content-Security-Policy %q", resp.StatusCode, csp)
	}
}

// followSwitcher clicks, as it were, one language link: it must lead to the
// same notice in that language, without JavaScript.
func followSwitcher(t *testing.T, pageURL string, p seenPage) {
	t.Helper()
	for _, l := range templates.SupportedLocales() {
		href, ok := p.switcher[l]
		if !ok {
			continue
		}
		base, _ := url.Parse(pageURL)
		ref, err := url.Parse(href)
		if err != nil {
			t.Fatalf("switcher link for %s: %v", l, err)
		}
		target := base.ResolveReference(ref).String()
		resp, err := http.Get(target)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if got := parsePage(t, body.String()); resp.StatusCode != http.StatusOK || got.lang != l || len(got.h1) != 1 {
			t.Errorf("switcher link %q: HTTP %d, lang %q, h1 %q", href, resp.StatusCode, got.lang, got.h1)
		}
		return
	}
	t.Error("the language switcher has no link to follow")
}

// checkScreenshot: the picture decodes, has the window's size and is not
// blank (a page that failed to paint is all white).
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	st, _ := f.Stat()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s (%d bytes) does not decode: %v", path, st.Size(), err)
	}
	b := img.Bounds()
	ink := inkShare(img)
	t.Logf("screenshot %s: %d bytes, %dx%d, %.1f%% ink", path, st.Size(), b.Dx(), b.Dy(), 100*ink)
	if b.Dx() != shotWidth || b.Dy() != shotHeight {
		t.Errorf("screenshot is %dx%d, want the window's %dx%d", b.Dx(), b.Dy(), shotWidth, shotHeight)
	}
	if ink < 0.005 {
		t.Errorf("screenshot is almost blank: %.2f%% of pixels are not white", 100*ink)
	}
}

// inkShare is the share of pixels that are not (near) white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(b.Dx()*b.Dy())
}

// sectionHeading reads a section heading from the wording file, falling
// back to English as the catalog does for a key a locale leaves out.
func sectionHeading(t *testing.T, lang, key string) string {
	t.Helper()
	for _, l := range []string{lang, "en"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "templates", "i18n", l+".yaml"))
		if err != nil {
			t.Fatalf("wording for %s: %v", l, err)
		}
		var cat struct {
			Section map[string]string `yaml:"section"`
		}
		if err := yaml.Unmarshal(raw, &cat); err != nil {
			t.Fatalf("wording for %s: %v", l, err)
		}
		if s := cat.Section[key]; s != "" {
			return s
		}
	}
	t.Fatalf("no section.%s heading in the wording", key)
	return ""
}

// seenPage is what a person sees of a notice page, read from its DOM.
type seenPage struct {
	lang     string
	h1, h2   []string
	scripts  int
	handlers []string          // on* attributes: code that runs on events
	switcher map[string]string // hreflang -> href of the language links
	current  string            // lang of the entry marked aria-current
}

func parsePage(t *testing.T, src string) seenPage {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	p := seenPage{switcher: map[string]string{}}
	var walk func(n *html.Node, inNav bool)
	walk = func(n *html.Node, inNav bool) {
		if n.Type == html.ElementNode {
			p.see(n, inNav)
			inNav = inNav || n.Data == "nav"
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inNav)
		}
	}
	walk(doc, false)
	return p
}

func (p *seenPage) see(n *html.Node, inNav bool) {
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, "on") {
			p.handlers = append(p.handlers, n.Data+"."+a.Key)
		}
	}
	switch n.Data {
	case "html":
		p.lang = attr(n, "lang")
	case "h1":
		p.h1 = append(p.h1, textOf(n))
	case "h2":
		p.h2 = append(p.h2, textOf(n))
	case "script":
		p.scripts++
	case "a":
		if l := attr(n, "hreflang"); inNav && l != "" {
			p.switcher[l] = attr(n, "href")
		}
	}
	if inNav && attr(n, "aria-current") == "page" {
		p.current = attr(n, "lang")
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is an element's text as read, with whitespace collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// chromium is a headless Chromium on this machine.
type chromium struct{ path string }

// findChromium skips the test without Chromium, unless CI requires it.
func findChromium(t *testing.T) chromium {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return chromium{path: p}
		}
	}
	if os.Getenv("HERALD_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("chromium not on PATH and HERALD_REQUIRE_CHROMIUM=1 (apt-get install chromium)")
	}
	t.Skip("chromium not on PATH")
	return chromium{}
}

// open loads pageURL and returns the DOM after rendering. --no-sandbox
// because CI runs as root, where Chromium's sandbox refuses to start; the
// page is our own, served on loopback.
func (c chromium) open(t *testing.T, pageURL string, javaScript bool, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	if !javaScript {
		blockJavaScript(t, filepath.Join(dir, "profile"))
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		"--window-size=" + strconv.Itoa(shotWidth) + "," + strconv.Itoa(shotHeight), "--dump-dom"}, extra...)
	cmd := exec.CommandContext(ctx, c.path, append(args, pageURL)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium forks renderers: on a hang, end the whole group it leads.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	t.Logf("chromium, JavaScript %s %s: %v", map[bool]string{true: "on", false: "off"}[javaScript],
		strings.Join(extra, " "), time.Since(start).Round(time.Millisecond))
	if err != nil || stdout.Len() == 0 {
		t.Fatalf("chromium on %s: %v (ctx %v)\n%s", pageURL, err, ctx.Err(), tail(stderr.String(), 2000))
	}
	return stdout.String()
}

// blockJavaScript sets the profile's content setting that blocks scripts on
// every site. Headless Chromium ignores --disable-javascript, and
// --blink-settings=scriptEnabled=false also stops --dump-dom.
func blockJavaScript(t *testing.T, profile string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(profile, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	prefs := `{"profile":{"default_content_setting_values":{"javascript":2}}}`
	if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkJavaScriptOff proves the JavaScript-off run really has none: a page
// whose script would rewrite its heading keeps the heading it was sent.
func (c chromium) checkJavaScriptOff(t *testing.T) {
	t.Helper()
	canary := "data:text/html," + url.PathEscape(`<h1>sent</h1><script>document.querySelector("h1").textContent="scripted"</script>`)
	if on := parsePage(t, c.open(t, canary, true)).h1; !slices.Equal(on, []string{"scripted"}) {
		t.Fatalf("JavaScript on: h1 %q, want the script's", on)
	}
	if off := parsePage(t, c.open(t, canary, false)).h1; !slices.Equal(off, []string{"sent"}) {
		t.Fatalf("JavaScript off: h1 %q, want the one sent: scripts still ran", off)
	}
}

// requireFontFor: without a font for lang the screenshot shows empty boxes
// where the words should be, though the DOM is right.
func requireFontFor(t *testing.T, lang string) {
	t.Helper()
	out, err := exec.Command("fc-list", ":lang="+lang, "family").Output()
	if err == nil && len(bytes.TrimSpace(out)) > 0 {
		return
	}
	if os.Getenv("HERALD_REQUIRE_CHROMIUM") == "1" {
		t.Fatalf("no font for %s (fc-list: %v); apt-get install fonts-droid-fallback", lang, err)
	}
	t.Logf("no font for %s: its screenshot will show boxes instead of text", lang)
}

// artefactDir is where screenshots go: $HERALD_TEST_ARTEFACTS when CI wants
// to keep them, else a temporary folder.
func artefactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HERALD_TEST_ARTEFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("HERALD_TEST_ARTEFACTS: %v", err)
	}
	return dir
}
