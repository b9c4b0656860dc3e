package export

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
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
// Unicode cmap maps to a glyph other than .notdef. U+FFFF is a noncharacter
// and stays unmarked.
func cmapCoverage(ttf []byte, set *[0x10000 / 64]uint64) error {
	f, err := sfnt.Parse(ttf)
	if err != nil {
		return fmt.Errorf("export: malformed TrueType font: %w", err)
	}
	var buf sfnt.Buffer
	for c := rune(0); c < 0xffff; c++ {
		g, err := f.GlyphIndex(&buf, c)
		if err != nil {
			return fmt.Errorf("export: malformed TrueType font: %w", err)
		}
		if g != 0 {
			set[c/64] |= 1 << (uint(c) % 64)
		}
	}
	return nil
}
