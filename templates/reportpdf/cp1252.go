package reportpdf

import (
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

// cp1252 converts UTF-8 text to the Windows-1252 bytes the PDF core fonts
// read. A character that encoding lacks prints as '?', and control
// characters as a space, so no input can corrupt the page.
func cp1252(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			c, ok := charmap.Windows1252.EncodeRune(r)
			if !ok {
				c = '?'
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}
