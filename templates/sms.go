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
// GSM-7 alphabet (else it is sent as UCS-2, at 70/67 characters a segment).
func SMSSegments(text string) (segments int, gsm7 bool) {
	if n, ok := gsmLength(text); ok {
		return parts(n, gsmSingle, gsmPart), true
	}
	return parts(len(utf16.Encode([]rune(text))), ucs2Single, ucs2Part), false
}

func parts(n, single, part int) int {
	switch {
	case n == 0:
		return 0
	case n <= single:
		return 1
	}
	return (n + part - 1) / part
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

// smsOver says how many characters text is beyond its segment budget in
// its encoding.
func smsOver(text string) int {
	if n, ok := gsmLength(text); ok {
		return n - smsMaxGSMSegments*gsmPart
	}
	return len(utf16.Encode([]rune(text))) - smsMaxUCS2Segments*ucs2Part
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
