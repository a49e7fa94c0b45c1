package templates

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// GSM 03.38: the default alphabet (one septet each) and its extension
// table (an escape plus one septet each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

var gsmSeptets = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// Segment sizes: a single message, and each part of a concatenated one
// (the user data header takes the rest).
const (
	gsmSingle, gsmPart   = 160, 153
	ucs2Single, ucs2Part = 70, 67
)

// SMSSegments says how many segments text takes and whether it fits the
// GSM-7 alphabet (else it is sent as UCS-2, at 70/67 UTF-16 code units a
// segment: a character outside the Basic Multilingual Plane, such as an
// emoji, takes two). A character is never split across two parts, so an
// escaped GSM-7 character or a surrogate pair at a boundary moves whole
// into the next part, as handsets and SMS centres split them.
func SMSSegments(text string) (segments int, gsm7 bool) {
	if _, ok := gsmLength(text); ok {
		return pack(text, gsmSingle, gsmPart, func(r rune) int { return gsmSeptets[r] }), true
	}
	return pack(text, ucs2Single, ucs2Part, utf16.RuneLen), false
}

// pack counts segments of text whose characters are width(r) units long:
// one if the whole fits a single message, else parts filled in order.
func pack(text string, single, part int, width func(rune) int) int {
	total := 0
	for _, r := range text {
		total += width(r)
	}
	switch {
	case total == 0:
		return 0
	case total <= single:
		return 1
	}
	segs, used := 1, 0
	for _, r := range text {
		w := width(r)
		if used+w > part {
			segs, used = segs+1, 0
		}
		used += w
	}
	return segs
}

// gsmLength counts septets, or reports that text is not GSM-7.
func gsmLength(text string) (int, bool) {
	n := 0
	for _, r := range text {
		w, ok := gsmSeptets[r]
		if !ok {
			return 0, false
		}
		n += w
	}
	return n, true
}

// denseSMS are the locales whose wording is always UCS-2 and says in 134
// characters what Latin scripts say in 306: they keep to two segments,
// and a cut title ends in "…" (one code unit; "..." is for GSM-7).
var denseSMS = map[string]bool{"zh-CN": true, "ja": true}

// smsBudget is how many UCS-2 segments an SMS in locale may take, and the
// ellipsis that ends a shortened title.
func smsBudget(locale string) (ucs2Segments int, ellipsis string) {
	if denseSMS[locale] {
		return smsMaxDenseSegments, "…"
	}
	return smsMaxUCS2Segments, "..."
}

// smsOver says how many characters text is beyond its segment budget in
// its encoding (GSM-7: always smsMaxGSMSegments). It is 1 when the text
// would fit but a character straddling a boundary needs one more part.
func smsOver(text string, ucs2Segments int) int {
	limit, part := ucs2Segments, ucs2Part
	n, gsm := gsmLength(text)
	if gsm {
		limit, part = smsMaxGSMSegments, gsmPart
	} else {
		n = len(utf16.Encode([]rune(text)))
	}
	over := n - limit*part
	if segs, _ := SMSSegments(text); over <= 0 && segs > limit {
		return 1
	}
	return over
}

// smsText puts text on one line and, where only accents stand in the way
// (ç, ã, á, ê), folds it into the GSM-7 alphabet, as Brazilian and Spanish
// senders commonly do: 306 characters in two segments instead of 134.
// Text in another script stays as it is and goes out as UCS-2.
func smsText(text string) string {
	text = oneLine(text)
	if _, ok := gsmLength(text); ok {
		return text
	}
	if folded, ok := foldGSM(text); ok {
		return folded
	}
	return text
}

// gsmLookalikes maps typographic punctuation to its plain GSM-7 form.
var gsmLookalikes = strings.NewReplacer(
	"‘", "'", "’", "'", "ʼ", "'", "“", "\"", "”", "\"", "„", "\"", "«", "\"", "»", "\"",
	"–", "-", "—", "-", "…", "...", "\u00a0", " ", "\u202f", " ",
)

// foldGSM replaces each character outside GSM-7 by its decomposition
// without accents (NFKD); it fails if anything is still outside.
func foldGSM(text string) (string, bool) {
	var b strings.Builder
	for _, r := range gsmLookalikes.Replace(text) {
		if _, ok := gsmSeptets[r]; ok {
			b.WriteRune(r)
			continue
		}
		for _, d := range norm.NFKD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if _, ok := gsmSeptets[d]; !ok {
				return "", false
			}
			b.WriteRune(d)
		}
	}
	return b.String(), true
}
