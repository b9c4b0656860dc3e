package export

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"codeberg.org/go-pdf/fpdf"
	"github.com/processkarta/processkarta/export/hyphen"
)

const (
	ptMM      = 25.4 / 72 // millimetres per point
	lineGap   = 1.22      // line height as a multiple of the font size
	ellipsis  = "…"
	sizeSteps = 0.9 // each try at fitting shrinks the text by this factor
)

// compareText orders titles the Swedish way (x/text/collate with Swedish
// rules: å, ä, ö after z, other accents and case secondary), then
// byte-wise, so that the order is total.
func compareText(a, b string) int {
	svMu.Lock()
	c := svCollator.CompareString(a, b)
	svMu.Unlock()
	if c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// svCollator is not safe for concurrent use; svMu guards it.
var (
	svMu       sync.Mutex
	svCollator = collate.New(language.Swedish)
)

// word is a run of text without spaces and its width in glyph units (a
// thousandth of the font size), so one measurement serves every size.
type word struct {
	s string
	w int
}

// measured is text split into paragraphs of words, measured in one font.
type measured struct {
	paras [][]word
	space int
	pdf   *fpdf.Fpdf
	broke bool // the last wrap had to break a word between characters
	split bool // the last wrap hyphenated a compound
}

// measure splits s at newlines and spaces and measures each word in the
// current font.
func measure(pdf *fpdf.Fpdf, s string) *measured {
	m := &measured{space: pdf.GetStringSymbolWidth(" "), pdf: pdf}
	for _, p := range strings.Split(s, "\n") {
		var ws []word
		for _, f := range strings.Fields(p) {
			ws = append(ws, word{f, pdf.GetStringSymbolWidth(f)})
		}
		m.paras = append(m.paras, ws)
	}
	// Trailing empty paragraphs would only add blank lines.
	for len(m.paras) > 0 && len(m.paras[len(m.paras)-1]) == 0 {
		m.paras = m.paras[:len(m.paras)-1]
	}
	return m
}

// wrap breaks the text into lines at most max glyph units wide. A word
// wider than a line is hyphenated when split is set (at a compound's
// joint, else between syllables: see joint), else, or when that is not
// enough, broken between characters. It stops after limit lines (0: no limit), as fitting only
// needs to know that the text is too long.
func (m *measured) wrap(max float64, limit int, split bool) []string {
	var lines []string
	m.broke, m.split = false, false
	full := func() bool { return limit > 0 && len(lines) > limit }
	hyphenW := m.pdf.GetStringSymbolWidth("-")
	for _, p := range m.paras {
		var cur strings.Builder
		cw := 0
		flush := func() {
			lines = append(lines, cur.String())
			cur.Reset()
			cw = 0
		}
		if len(p) == 0 {
			lines = append(lines, "")
		}
		for _, w := range p {
			if full() {
				return lines
			}
			if cw > 0 && float64(cw+m.space+w.w) <= max {
				cur.WriteByte(' ')
				cur.WriteString(w.s)
				cw += m.space + w.w
				continue
			}
			if cw > 0 {
				flush()
			}
			rest, rw := w.s, w.w
			for split && float64(rw) > max {
				i := m.joint(rest, max-float64(hyphenW))
				if i <= 0 {
					break
				}
				m.split = true
				cur.WriteString(rest[:i] + hyphen.Hyphen(rest, utf8.RuneCountInString(rest[:i])))
				flush()
				if full() {
					return lines
				}
				rest = rest[i:]
				rw = m.pdf.GetStringSymbolWidth(rest)
			}
			if float64(rw) <= max {
				cur.WriteString(rest)
				cw = rw
				continue
			}
			// Break what is left of a long word by characters.
			m.broke = true
			for _, r := range rest {
				rw := m.pdf.GetStringSymbolWidth(string(r))
				if cw > 0 && float64(cw+rw) > max {
					flush()
					if full() {
						return lines
					}
				}
				cur.WriteRune(r)
				cw += rw
			}
		}
		if cw > 0 {
			flush()
		}
	}
	return lines
}

// joint returns the byte index of the last place in word where it may be
// hyphenated with a prefix at most max glyph units wide, or 0: a compound's
// joint if one fits, else a break between syllables. The places come from
// export/hyphen, the rules the canvas uses too.
func (m *measured) joint(word string, max float64) int {
	br := hyphen.Swedish.Word(word)
	best := func(at []int) int {
		runes := []rune(word)
		for k := len(at) - 1; k >= 0; k-- {
			i := len(string(runes[:at[k]]))
			if float64(m.pdf.GetStringSymbolWidth(word[:i])) <= max {
				return i
			}
		}
		return 0
	}
	if i := best(br.Joints); i > 0 {
		return i
	}
	return best(br.Syllables)
}

// fitted is text laid out in a box.
type fitted struct {
	lines []string
	size  float64 // font size in points
	cut   bool    // text was left out
}

// fit wraps s to fit a box w×h mm at the largest size from maxPt down to
// minPt at which no word has to be broken; what still does not fit at minPt
// is cut with an ellipsis. The font (family and style) must be set.
func fit(pdf *fpdf.Fpdf, s string, w, h, maxPt, minPt float64) fitted {
	if w <= 0 || h <= 0 || strings.TrimSpace(s) == "" {
		return fitted{}
	}
	m := measure(pdf, s)
	size := maxPt
	for {
		sizeMM := size * ptMM
		maxLines := int(h / (sizeMM * lineGap))
		if maxLines < 1 && size <= minPt {
			maxLines = 1 // at least one line shows, even if it overflows
		}
		if maxLines >= 1 {
			lines, ok := m.wrapAt(w, size, maxPt, minPt, maxLines)
			if ok {
				return fitted{lines: lines, size: size}
			}
			if size <= minPt {
				lines = lines[:min(len(lines), maxLines)]
				pdf.SetFontSize(size)
				lines[len(lines)-1] = cutToWidth(pdf, lines[len(lines)-1], w)
				return fitted{lines: lines, size: size, cut: true}
			}
		}
		size = max(minPt, size*sizeSteps)
	}
}

// wrapAt wraps the text w mm wide at size (points) as fit prefers, and
// reports whether that will do: whole words in at most maxLines lines (0:
// any number). Shrinking a little reads better than a hyphen; a hyphen at
// a compound's joint, once the text has shrunk by a fifth or reached
// minPt, reads better than tiny text; a word broken anywhere only at
// minPt. The lines are those of the last try.
func (m *measured) wrapAt(w, size, maxPt, minPt float64, maxLines int) ([]string, bool) {
	width := w * 1000 / (size * ptMM)
	fits := func(lines []string) bool { return maxLines == 0 || len(lines) <= maxLines }
	lines := m.wrap(width, maxLines, false)
	if fits(lines) && !m.broke {
		return lines, true
	}
	if size <= maxPt*0.8 || size <= minPt {
		lines = m.wrap(width, maxLines, true)
		if fits(lines) && (!m.broke || size <= minPt) {
			return lines, true
		}
	}
	return lines, false
}

// textHeight is the height in mm that s needs, w mm wide, for fit to
// show all of it at the size it would choose with room enough below: the
// largest from maxPt down to minPt at which no word has to be broken.
// The font (family and style) must be set.
func textHeight(pdf *fpdf.Fpdf, s string, w, maxPt, minPt float64) float64 {
	if w <= 0 || strings.TrimSpace(s) == "" {
		return 0
	}
	m := measure(pdf, s)
	for size := maxPt; ; size = max(minPt, size*sizeSteps) {
		if lines, ok := m.wrapAt(w, size, maxPt, minPt, 0); ok || size <= minPt {
			return float64(len(lines)) * size * ptMM * lineGap
		}
	}
}

// cutToWidth shortens s until s + "…" is at most w mm wide at the current
// font size.
func cutToWidth(pdf *fpdf.Fpdf, s string, w float64) string {
	for s != "" && pdf.GetStringWidth(s+ellipsis) > w {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return strings.TrimRight(s, " ") + ellipsis
}

// drawFitted draws laid-out text centred in the box (x, y, w, h) mm, or
// left-aligned at x when left is set.
func drawFitted(pdf *fpdf.Fpdf, ft fitted, x, y, w, h float64, left bool) {
	if len(ft.lines) == 0 {
		return
	}
	pdf.SetFontSize(ft.size)
	sizeMM := ft.size * ptMM
	lh := sizeMM * lineGap
	top := y + (h-lh*float64(len(ft.lines)))/2
	for i, l := range ft.lines {
		lx := x
		if !left {
			lx = x + (w-pdf.GetStringWidth(l))/2
		}
		// The baseline sits about 0.8 of the size below the line's top
		// plus half the leading.
		pdf.Text(lx, top+float64(i)*lh+(lh-sizeMM)/2+0.8*sizeMM, spaced(ft.lines, i))
	}
}

// spaced returns line i of lines as it is written: with a space after it
// when another line follows, so that the text read from the page (copied,
// or read aloud from the tags) keeps its words apart. A line that ends in
// a hyphen goes on with its word. The space is invisible and is written
// after the line has been placed.
func spaced(lines []string, i int) string {
	if i == len(lines)-1 || strings.HasSuffix(lines[i], "-") {
		return lines[i]
	}
	return lines[i] + " "
}
