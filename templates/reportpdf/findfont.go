package reportpdf

import (
	"io"
	"os"
	"slices"
	"strings"
)

// fontGroups are well-known places of Unicode TrueType fonts the PDF
// writer can embed, by the packages that install them, one group per set
// of scripts. Only single .ttf files with TrueType outlines qualify, not
// the CFF .otf or .ttc collections of fonts-noto-cjk, fonts-wqy-* or
// fonts-arphic-*.
var fontGroups = [][]string{
	{ // Latin, Greek, Cyrillic
		"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",      // Debian, Ubuntu: fonts-dejavu-core
		"/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",    // Fedora, RHEL: dejavu-sans-fonts
		"/usr/share/fonts/dejavu/DejaVuSans.ttf",               // Alpine: font-dejavu
		"/usr/share/fonts/TTF/DejaVuSans.ttf",                  // Arch: ttf-dejavu
		"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",  // Debian, Ubuntu: fonts-noto-core
		"/usr/share/fonts/truetype/freefont/FreeSans.ttf",      // Debian, Ubuntu: fonts-freefont-ttf
		"/System/Library/Fonts/Supplemental/Arial Unicode.ttf", // macOS
	},
	{ // Chinese, Japanese
		"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",          // Debian, Ubuntu: fonts-droid-fallback
		"/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf", // Fedora: google-droid-sans-fonts
		"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",                  // Debian, Ubuntu: fonts-ipafont-gothic (Japanese only)
		"/System/Library/Fonts/Supplemental/Arial Unicode.ttf",               // macOS
	},
	{ // Korean (Droid Sans Fallback has no Hangul syllables)
		"/usr/share/fonts/truetype/nanum/NanumGothic.ttf",      // Debian, Ubuntu: fonts-nanum
		"/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",   // Debian, Ubuntu: fonts-unfonts-core
		"/System/Library/Fonts/Supplemental/Arial Unicode.ttf", // macOS
	},
}

// FindFont looks for Unicode fonts at well-known system paths and returns
// them as the list NewRenderer takes: the first font found for Latin,
// Greek and Cyrillic, then for Chinese and Japanese, then for Korean,
// joined by the OS path-list separator (":" on Unix); "" if there is
// none. On Debian, fonts-dejavu-core and fonts-droid-fallback (about 5 MB
// together) give
//
//	/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf
//
// and fonts-nanum adds Korean. FindFont only checks that the files exist
// and start as TrueType fonts; NewRenderer loads and checks them.
func FindFont() string {
	var found []string
	for _, group := range fontGroups {
		for _, path := range group {
			if isTrueType(path) {
				if !slices.Contains(found, path) {
					found = append(found, path)
				}
				break
			}
		}
	}
	return strings.Join(found, string(os.PathListSeparator))
}

// isTrueType: path is a file that starts with a TrueType font's tag.
func isTrueType(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	tag := make([]byte, 4)
	if _, err := io.ReadFull(f, tag); err != nil {
		return false
	}
	return string(tag) == "\x00\x01\x00\x00" || string(tag) == "true"
}
