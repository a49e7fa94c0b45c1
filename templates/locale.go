package templates

import (
	"strings"

	"golang.org/x/text/language"
)

// locales are the languages Herald writes notices in, as BCP 47 tags. The
// first is the fallback when nothing better matches. zh-CN is Simplified
// Chinese.
var locales = []string{"en", "de", "fr", "es", "pt-BR", "zh-CN", "ja"}

// SupportedLocales lists the locales notices are written in, English first.
func SupportedLocales() []string { return append([]string(nil), locales...) }

var matcher = func() language.Matcher {
	tags := make([]language.Tag, len(locales))
	for i, l := range locales {
		tags[i] = language.MustParse(l)
	}
	return language.NewMatcher(tags)
}()

// Negotiate picks the supported locale for a person: their own locale if we
// write in that language (de-AT -> de, pt-PT -> pt-BR, zh-SG -> zh-CN,
// ja-JP -> ja), else the main language of their jurisdiction (an ISO 3166
// country, optionally with a subdivision as in "US-CA": CN -> zh-CN,
// JP -> ja), else English.
//
// A reader of Traditional Chinese (zh-TW, zh-HK, zh-Hant; jurisdictions
// TW, HK, MO) gets English, not Simplified Chinese: until Herald has
// Traditional wording, a notice about their data goes out in the language
// it is first written in rather than in a script they did not ask for.
// x/text rates such cross-script matches Low; only High or Exact count.
func Negotiate(locale, jurisdiction string) string {
	if l, ok := match(locale); ok {
		return l
	}
	if region := countryOf(jurisdiction); region != "" {
		if l, ok := match("und-" + region); ok {
			return l
		}
	}
	return locales[0]
}

// match maps one tag onto the supported set; "und-DE" uses CLDR's likely
// language of the region. Only High or Exact matches count (see
// Negotiate on Low).
func match(tag string) (string, bool) {
	if strings.TrimSpace(tag) == "" {
		return "", false
	}
	t, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	if err != nil {
		return "", false
	}
	_, i, conf := matcher.Match(t)
	if conf < language.High {
		return "", false
	}
	return locales[i], true
}

// countryOf returns the upper-case country code of a jurisdiction such as
// "DE" or "US-CA", or "" if it does not look like one.
func countryOf(jurisdiction string) string {
	c, _, _ := strings.Cut(strings.TrimSpace(jurisdiction), "-")
	if len(c) != 2 {
		return ""
	}
	return strings.ToUpper(c)
}
