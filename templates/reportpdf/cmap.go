package reportpdf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// glyphCoverage is the set of characters a TrueType font can draw as fpdf
// will draw them: fpdf maps text through the font's first Unicode
// (platform 3 encoding 1, or platform 0) cmap subtable in format 4, so
// only that table counts, and only the Basic Multilingual Plane. A
// character mapped to glyph 0 (.notdef) is not covered.
type glyphCoverage struct{ bits [0x10000 / 64]uint64 }

func (c *glyphCoverage) has(r rune) bool {
	return r >= 0 && r < 0xFFFF && c.bits[r/64]&(1<<(r%64)) != 0
}

func (c *glyphCoverage) add(r rune) { c.bits[r/64] |= 1 << (r % 64) }

// readCoverage checks that data is a TrueType font fpdf can embed and
// returns the characters it covers.
func readCoverage(data []byte) (*glyphCoverage, error) {
	if len(data) < 12 {
		return nil, errors.New("too short for a font file")
	}
	switch tag := string(data[:4]); tag {
	case "\x00\x01\x00\x00", "true":
	case "OTTO":
		return nil, errors.New("an OpenType font with CFF (PostScript) outlines; the PDF writer embeds TrueType outlines only (a .ttf, not a CFF .otf)")
	case "ttcf":
		return nil, errors.New("a font collection (.ttc); the PDF writer embeds a single TrueType font (.ttf)")
	default:
		return nil, fmt.Errorf("not a TrueType font (starts with %q)", tag)
	}
	tables, err := tableDirectory(data)
	if err != nil {
		return nil, err
	}
	for _, need := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap", "post"} {
		if _, ok := tables[need]; !ok {
			return nil, fmt.Errorf("no %q table (TrueType outlines need it)", need)
		}
	}
	maxp := tables["maxp"]
	if len(maxp) < 6 {
		return nil, errors.New("maxp table too short")
	}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	sub, err := unicodeSubtable(tables["cmap"])
	if err != nil {
		return nil, err
	}
	return readFormat4(sub, numGlyphs)
}

// tableDirectory maps each table tag to its bytes.
func tableDirectory(data []byte) (map[string][]byte, error) {
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("table directory runs past the end of the file")
	}
	tables := make(map[string][]byte, n)
	for i := range n {
		rec := data[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q runs past the end of the file", rec[:4])
		}
		tables[string(rec[:4])] = data[off : off+length]
	}
	return tables, nil
}

// unicodeSubtable picks the cmap subtable fpdf uses: the first encoding
// record for Unicode (3,1 or platform 0) whose subtable is in format 4.
func unicodeSubtable(cmap []byte) ([]byte, error) {
	if len(cmap) < 4 {
		return nil, errors.New("cmap table too short")
	}
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	if len(cmap) < 4+8*n {
		return nil, errors.New("cmap encoding records run past the table")
	}
	for i := range n {
		rec := cmap[4+8*i:]
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		off := int(binary.BigEndian.Uint32(rec[4:]))
		if !(platform == 3 && encoding == 1) && platform != 0 {
			continue
		}
		if off+4 <= len(cmap) && binary.BigEndian.Uint16(cmap[off:]) == 4 {
			return cmap[off:], nil
		}
	}
	return nil, errors.New("no Unicode cmap subtable in format 4, which the PDF writer needs")
}

// readFormat4 reads a segment-mapping cmap subtable.
func readFormat4(sub []byte, numGlyphs int) (*glyphCoverage, error) {
	if len(sub) < 14 {
		return nil, errors.New("cmap format 4 subtable too short")
	}
	length := min(int(binary.BigEndian.Uint16(sub[2:])), len(sub))
	segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
	ends, starts, deltas, rangeOffsets := 14, 16+2*segs, 16+4*segs, 16+6*segs
	if rangeOffsets+2*segs > length {
		return nil, errors.New("cmap format 4 segments run past the subtable")
	}
	u16 := func(at int) int { return int(binary.BigEndian.Uint16(sub[at:])) }
	cov, any := &glyphCoverage{}, false
	for s := range segs {
		start, end := u16(starts+2*s), u16(ends+2*s)
		delta, ro := u16(deltas+2*s), u16(rangeOffsets+2*s)
		for c := start; c <= end && c < 0xFFFF; c++ {
			var gid int
			if ro == 0 {
				gid = (c + delta) & 0xFFFF
			} else if at := rangeOffsets + 2*s + ro + 2*(c-start); at+2 <= length {
				if gid = u16(at); gid != 0 {
					gid = (gid + delta) & 0xFFFF
				}
			}
			if gid != 0 && gid < numGlyphs {
				cov.add(rune(c))
				any = true
			}
		}
	}
	if !any {
		return nil, errors.New("the Unicode cmap maps no character to a glyph")
	}
	return cov, nil
}
