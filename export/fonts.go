package export

import (
	"embed"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The fonts are DejaVu Sans from Debian's fonts-dejavu-core package (see
// fonts/LICENSE); the profile is sRGB from icc-profiles-free (icc/LICENSE).
//
//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf icc/sRGB.icc
var assets embed.FS

const (
	fontRegular = "fonts/DejaVuSans.ttf"
	fontBold    = "fonts/DejaVuSans-Bold.ttf"
	iccProfile  = "icc/sRGB.icc"
)

type fontData struct {
	regular, bold, icc []byte
	// covered marks the BMP code points that both fonts have a glyph for.
	// Text is mapped onto it before drawing, because PDF/A forbids showing
	// .notdef and fpdf's CID map only spans the BMP.
	covered [0x10000 / 64]uint64
}

var loadFonts = sync.OnceValues(func() (*fontData, error) {
	d := &fontData{}
	var err error
	if d.regular, err = assets.ReadFile(fontRegular); err != nil {
		return nil, err
	}
	if d.bold, err = assets.ReadFile(fontBold); err != nil {
		return nil, err
	}
	if d.icc, err = assets.ReadFile(iccProfile); err != nil {
		return nil, err
	}
	var r, b [0x10000 / 64]uint64
	if err := cmapCoverage(d.regular, &r); err != nil {
		return nil, err
	}
	if err := cmapCoverage(d.bold, &b); err != nil {
		return nil, err
	}
	for i := range d.covered {
		d.covered[i] = r[i] & b[i]
	}
	return d, nil
})

func (d *fontData) has(r rune) bool {
	return r >= 0 && r < 0x10000 && d.covered[r/64]&(1<<(uint(r)%64)) != 0
}

// clean returns s with what the fonts cannot show replaced: control
// characters become spaces (newlines are kept when keepNL), other missing
// characters U+FFFD, or '?' should the font lack that too.
func (d *fontData) clean(s string, keepNL bool) string {
	ok := true
	for _, r := range s {
		if !d.has(r) || r < 0x20 || r == 0xad || r == 0x200b {
			ok = false
			break
		}
	}
	if ok && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && keepNL:
			b.WriteRune('\n')
		case r == '\r' || r == 0xad || r == 0x200b:
			// dropped: \r\n is one line break; soft hyphens and zero-width
			// spaces would print as marks, as fpdf does not break at them
		case r < 0x20 || r == 0x7f || unicode.IsControl(r):
			b.WriteByte(' ')
		case d.has(r):
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r) || r == 0x200b || r == 0x200d || r == 0xfe0f:
			// combining marks and joiners the font lacks add nothing visible
		case d.has(0xfffd):
			b.WriteRune(0xfffd)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// cmapCoverage marks in set the BMP code points that a TrueType font's
// Unicode cmap maps to a glyph other than .notdef.
func cmapCoverage(ttf []byte, set *[0x10000 / 64]uint64) error {
	bad := errors.New("export: malformed TrueType font")
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[off:])), true
	}
	n, ok := u16(4)
	if !ok {
		return bad
	}
	cmap := -1
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return bad
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return bad
	}
	nsub, ok := u16(cmap + 2)
	if !ok {
		return bad
	}
	sub := -1
	for i := 0; i < nsub; i++ {
		rec := cmap + 4 + 8*i
		pid, _ := u16(rec)
		eid, _ := u16(rec + 2)
		off, ok := u32(rec + 4)
		if !ok {
			return bad
		}
		if f, _ := u16(cmap + off); f == 4 && (pid == 3 && eid == 1 || pid == 0) {
			sub = cmap + off
		}
	}
	if sub < 0 {
		return bad
	}
	segX2, ok := u16(sub + 6)
	if !ok {
		return bad
	}
	ends, starts := sub+14, sub+16+segX2
	deltas, ranges := starts+segX2, starts+2*segX2
	for i := 0; i < segX2/2; i++ {
		end, ok1 := u16(ends + 2*i)
		start, ok2 := u16(starts + 2*i)
		delta, ok3 := u16(deltas + 2*i)
		ro, ok4 := u16(ranges + 2*i)
		if !(ok1 && ok2 && ok3 && ok4) {
			return bad
		}
		for c := start; c <= end && c < 0xffff; c++ {
			g := 0
			if ro == 0 {
				g = (c + delta) & 0xffff
			} else {
				gi, ok := u16(ranges + 2*i + ro + 2*(c-start))
				if !ok {
					return bad
				}
				if gi != 0 {
					g = (gi + delta) & 0xffff
				}
			}
			if g != 0 {
				set[c/64] |= 1 << (uint(c) % 64)
			}
		}
	}
	return nil
}
