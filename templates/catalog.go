package templates

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// catalog holds one locale's fixed wording, read from i18n/<locale>.yaml.
// Keys are dotted paths ("email.subject"); values may hold {placeholders}.
// A locale's missing keys fall back to English, so a half-finished
// translation still renders (the catalog test lists what is missing).
type catalog struct {
	lang    string
	months  []string
	strings map[string]string
}

// loadCatalogs reads i18n/<locale>.yaml for every supported locale.
func loadCatalogs(fsys fs.FS) (map[string]*catalog, error) {
	cats := make(map[string]*catalog, len(locales))
	for _, l := range locales {
		c, err := readCatalog(fsys, l)
		if err != nil {
			return nil, err
		}
		cats[l] = c
	}
	base := cats[locales[0]]
	if len(base.months) != 12 {
		return nil, fmt.Errorf("read catalog %s: want 12 months, got %d", base.lang, len(base.months))
	}
	for _, c := range cats {
		c.inherit(base)
	}
	return cats, nil
}

func readCatalog(fsys fs.FS, locale string) (*catalog, error) {
	name := path.Join("i18n", locale+".yaml")
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("parse catalog %s: %w", name, err)
	}
	c := &catalog{lang: locale, strings: map[string]string{}}
	for k, v := range raw {
		if k == "months" {
			if c.months, err = stringList(v); err != nil {
				return nil, fmt.Errorf("parse catalog %s: months: %w", name, err)
			}
			continue
		}
		if err := flatten(c.strings, k, v); err != nil {
			return nil, fmt.Errorf("parse catalog %s: %w", name, err)
		}
	}
	return c, nil
}

// flatten turns nested YAML maps into dotted keys.
func flatten(dst map[string]string, key string, v any) error {
	switch v := v.(type) {
	case string:
		dst[key] = v
	case map[string]any:
		for k, sub := range v {
			if err := flatten(dst, key+"."+k, sub); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: want text, got %T", key, v)
	}
	return nil
}

func stringList(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %T", v)
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, fmt.Errorf("item %d: want text, got %T", i, it)
		}
		out[i] = s
	}
	return out, nil
}

// inherit fills keys this catalog lacks from base.
func (c *catalog) inherit(base *catalog) {
	if len(c.months) != 12 {
		c.months = base.months
	}
	for k, v := range base.strings {
		if _, ok := c.strings[k]; !ok {
			c.strings[k] = v
		}
	}
}

// keys lists the catalog's keys, sorted (for tests).
func (c *catalog) keys() []string {
	ks := make([]string, 0, len(c.strings))
	for k := range c.strings {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// text returns the string for key with {name} placeholders replaced by the
// pairs in kv ("name", value, ...).
func (c *catalog) text(key string, kv ...string) (string, error) {
	s, ok := c.strings[key]
	if !ok {
		return "", fmt.Errorf("look up %s/%s: no such text", c.lang, key)
	}
	if len(kv)%2 != 0 {
		return "", fmt.Errorf("look up %s/%s: odd placeholder list", c.lang, key)
	}
	if len(kv) == 0 {
		return s, nil
	}
	pairs := make([]string, len(kv))
	for i := 0; i < len(kv); i += 2 {
		pairs[i], pairs[i+1] = "{"+kv[i]+"}", kv[i+1]
	}
	return strings.NewReplacer(pairs...).Replace(s), nil
}

// line translates a phrase code such as "impact.credentials" or
// "advice.password"; anything else (text written by the response team) is
// returned as it is.
func (c *catalog) line(s string) string {
	if !strings.HasPrefix(s, "impact.") && !strings.HasPrefix(s, "advice.") {
		return s
	}
	if t, ok := c.strings[s]; ok {
		return t
	}
	return s
}

// lines translates every entry of a list (see line).
func (c *catalog) lines(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = c.line(s)
	}
	return out
}

// dateTime formats t in UTC in the catalog's style; "" for nil.
func (c *catalog) dateTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return c.format("date.datetime", t.UTC())
}

// date formats the day of t in UTC; "" for a zero time.
func (c *catalog) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.format("date.date", t.UTC())
}

func (c *catalog) format(key string, t time.Time) string {
	s, err := c.text(key,
		"day", strconv.Itoa(t.Day()),
		"month", c.months[t.Month()-1],
		"year", strconv.Itoa(t.Year()),
		"time", t.Format("15:04"))
	if err != nil {
		return t.Format("2006-01-02 15:04 UTC")
	}
	return s
}
