package export

import (
	"fmt"
	"strconv"

	"codeberg.org/go-pdf/fpdf"
)

type pageKind int

const (
	pageA4P pageKind = iota // text: header, notes, participants
	pageA4L                 // the goal table
	pageA3L                 // the map
)

const (
	marginA4 = 18.0
	footerH  = 14.0 // room kept at the bottom of every page for the footer
	nbAlias  = "{nb}"
)

// pageSize returns the width and height in mm of a page kind.
func (k pageKind) size() (float64, float64) {
	switch k {
	case pageA4L:
		return 297, 210
	case pageA3L:
		return 420, 297
	}
	return 210, 297
}

func (r *renderer) addPage(k pageKind) {
	r.kind = k
	// Marked content ends with its page: fpdf writes the footer of the
	// page before and then starts the next, where it opens again.
	r.tag.close()
	switch k {
	case pageA4P:
		r.pdf.AddPageFormat("P", fpdf.SizeType{Wd: 210, Ht: 297})
	case pageA4L:
		r.pdf.AddPageFormat("L", fpdf.SizeType{Wd: 210, Ht: 297})
	case pageA3L:
		r.pdf.AddPageFormat("L", fpdf.SizeType{Wd: 297, Ht: 420})
	}
	r.tag.resume()
	r.y = marginA4
}

// bottom is the lowest y text may reach on the current page.
func (r *renderer) bottom() float64 {
	_, h := r.kind.size()
	return h - marginA4 - footerH + 8
}

// width is the text width of the current page.
func (r *renderer) width() float64 {
	w, _ := r.kind.size()
	return w - 2*marginA4
}

// need starts a new page of the same kind unless h mm fit below r.y, and
// reports whether it did.
func (r *renderer) need(h float64) bool {
	if r.y+h <= r.bottom() {
		return false
	}
	r.addPage(r.kind)
	return true
}

// font selects the regular face, or the bold one when style is "B".
func (r *renderer) font(style string, pt float64) {
	if style == "B" {
		r.pdf.SetFont(boldKey, "", pt)
	} else {
		r.pdf.SetFont(regularKey, "", pt)
	}
}

func (r *renderer) color(c rgb) { r.pdf.SetTextColor(c.r, c.g, c.b) }

func (r *renderer) footer() { r.tag.pagination(r.drawFooter) }

func (r *renderer) drawFooter() {
	pdf := r.pdf
	w, h := pdf.GetPageSize()
	left, right := marginA4, w-marginA4
	if w > 400 {
		left, right = mapMargin, w-mapMargin
	}
	y := h - 7
	pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
	pdf.SetLineWidth(0.2)
	pdf.Line(left, y-4.5, right, y-4.5)
	r.font("", 7.5)
	r.color(colMuted)
	n := pdf.PageNo()
	// The total is an alias replaced when the document closes; its width is
	// taken as that of this page's number, exact on the last page.
	pageText := fmt.Sprintf(r.lab.page, n, nbAlias)
	wText := pdf.GetStringWidth(fmt.Sprintf(r.lab.page, n, strconv.Itoa(n)))
	short := r.short
	if max := right - left - wText - 10; pdf.GetStringWidth(short) > max {
		short = cutToWidth(pdf, short, max)
	}
	pdf.Text(left, y, short)
	pdf.Text(right-wText, y, pageText)
}

// drawLines writes laid-out text from r.y down, left-aligned at x.
func (r *renderer) drawLines(ft fitted, x, w float64, centre bool) {
	if len(ft.lines) == 0 {
		return
	}
	lh := ft.size * ptMM * lineGap
	h := lh * float64(len(ft.lines))
	drawFitted(r.pdf, ft, x, r.y, w, h, !centre)
	r.y += h
}

// para writes a paragraph that may run over pages.
func (r *renderer) para(s string, pt float64, style string, c rgb) {
	r.paraAt(s, pt, style, c, marginA4, r.width())
}

func (r *renderer) paraAt(s string, pt float64, style string, c rgb, x, w float64) {
	r.tag.leaf("P", func() { r.lines(s, pt, style, c, x, w) })
}

// lines writes wrapped text from r.y down, over pages if need be, as the
// content of whatever is marked.
func (r *renderer) lines(s string, pt float64, style string, c rgb, x, w float64) {
	r.font(style, pt)
	lines := measure(r.pdf, s).wrap(w*1000/(pt*ptMM), 0, true)
	lh := pt * ptMM * lineGap
	for i := range lines {
		if r.need(lh) {
			r.font(style, pt)
		}
		r.color(c)
		r.pdf.Text(x, r.y+0.8*pt*ptMM+(lh-pt*ptMM)/2, spaced(lines, i))
		r.y += lh
	}
}

// heading writes a heading of structure type typ (H1, H2, H3).
func (r *renderer) heading(typ, s string, pt float64) {
	r.need(pt*ptMM*lineGap*2 + 12)
	r.font("B", pt)
	r.color(colInk)
	r.tag.leaf(typ, func() {
		r.drawLines(fit(r.pdf, s, r.width(), 30, pt, pt*0.7), marginA4, r.width(), false)
	})
	r.y += 1.5
}

// keyValues writes label: value rows in two columns, tagged as a table
// whose labels are row headers.
func (r *renderer) keyValues(rows [][2]string, labelW float64) {
	w := r.width()
	r.tag.push("Table")
	for _, kv := range rows {
		r.font("", 10)
		ft := fit(r.pdf, kv[1], w-labelW, 60, 10, 7)
		lh := 10 * ptMM * lineGap
		h := max(lh, float64(len(ft.lines))*ft.size*ptMM*lineGap)
		r.need(h + 1.5)
		r.tag.push("TR")
		th := r.tag.leaf("TH", func() {
			r.font("", 9)
			r.color(colMuted)
			r.pdf.Text(marginA4, r.y+0.8*9*ptMM+(lh-9*ptMM)/2, kv[0])
		})
		th.scope = "Row"
		r.tag.leaf("TD", func() {
			r.font("", 10)
			r.color(colInk)
			drawFitted(r.pdf, ft, marginA4+labelW, r.y, w-labelW, h, true)
		})
		r.tag.pop()
		r.y += h + 1.5
		r.pdf.SetDrawColor(0xe5, 0xe7, 0xeb)
		r.pdf.SetLineWidth(0.15)
		r.pdf.Line(marginA4, r.y-0.8, marginA4+w, r.y-0.8)
	}
	r.tag.pop()
}

// countGrid writes label and number pairs in boxes, four to a row, tagged
// as a list.
func (r *renderer) countGrid(items [][2]string) {
	const perRow, gap, h = 4, 3.0, 15.0
	w := r.width()
	bw := (w - gap*(perRow-1)) / perRow
	r.tag.push("L")
	for i, it := range items {
		if i%perRow == 0 {
			if i > 0 {
				r.y += h + gap
			}
			r.need(h)
		}
		x := marginA4 + float64(i%perRow)*(bw+gap)
		r.pdf.SetFillColor(0xf1, 0xf5, 0xf9)
		r.pdf.Rect(x, r.y, bw, h, "F")
		r.tag.push("LI")
		r.tag.leaf("LBody", func() {
			r.font("B", 14)
			r.color(colInk)
			r.pdf.Text(x+3, r.y+7, it[1]+" ")
			r.font("", 8)
			r.color(colMuted)
			r.pdf.Text(x+3, r.y+12, it[0])
		})
		r.tag.pop()
	}
	r.tag.pop()
	r.y += h + 4
}

// sectionPage starts a section on a new page of kind k: its bookmark, its
// heading and a line of introduction. A section of the contents (tocGoals,
// ...) notes its page; -1 for none.
func (r *renderer) sectionPage(k pageKind, section int, title, intro string) {
	r.addPage(k)
	if section >= 0 {
		r.startSection(section)
	}
	r.pdf.Bookmark(title, 0, r.y)
	r.heading("H2", title, 14)
	r.para(intro, 9, "", colMuted)
}

// columns makes left-aligned columns of these titles and widths (mm).
func columns(titles []string, widths ...float64) []column {
	cols := make([]column, len(widths))
	for i, w := range widths {
		cols[i] = column{title: titles[i], w: w, align: 'L'}
	}
	return cols
}

// column is a table column: its header, width in mm and alignment.
type column struct {
	title string
	w     float64
	align byte // 'L' or 'C'
}

// table writes rows under a header that repeats on every page; a row too
// tall for a page runs on to the next.
func (r *renderer) table(cols []column, rows [][]string, boldFirst int, pt float64) {
	const pad = 1.4
	pdf := r.pdf
	lh := pt * ptMM * lineGap
	// Headers shrink rather than break a word; they are short.
	headH := 0.0
	var heads []fitted
	for _, c := range cols {
		r.font("B", pt-0.5)
		ft := fit(pdf, c.title, c.w-2*pad, 3*lh, pt-0.5, 5)
		heads = append(heads, ft)
		headH = max(headH, float64(len(ft.lines))*ft.size*ptMM*lineGap)
	}
	headH += 2 * pad
	// The header row is tagged where it first stands; its repetitions on
	// later pages are artifacts, as a reader hears it once.
	table := r.tag.push("Table")
	var ths []*structElem
	header := func() {
		r.tag.artifact()
		x := marginA4
		pdf.SetFillColor(0xe2, 0xe8, 0xf0)
		pdf.Rect(x, r.y, r.width(), headH, "F")
		r.font("B", pt-0.5)
		r.color(colInk)
		first := ths == nil
		if first {
			tr := r.tag.child(table, "TR")
			for range cols {
				th := r.tag.child(tr, "TH")
				th.scope = "Column"
				ths = append(ths, th)
			}
		}
		for i, c := range cols {
			if first {
				r.tag.mark(ths[i])
			}
			drawFitted(pdf, heads[i], x+pad, r.y+pad, c.w-2*pad, headH-2*pad, c.align == 'L')
			x += c.w
		}
		r.tag.artifact()
		r.y += headH
	}
	r.need(headH + lh + 2*pad)
	header()
	type cell struct {
		lines []string
		size  float64 // points; smaller than pt when a word is wider than the column
		lh    float64
		done  int
	}
	for ri, row := range rows {
		cells := make([]cell, len(cols))
		// Bold first columns name their row: they are row headers.
		tr := r.tag.child(table, "TR")
		tags := make([]*structElem, len(cols))
		for i := range cols {
			if i < boldFirst {
				tags[i] = r.tag.child(tr, "TH")
				tags[i].scope = "Row"
			} else {
				tags[i] = r.tag.child(tr, "TD")
			}
		}
		for i, c := range cols {
			r.font(style(i, boldFirst), pt)
			m := measure(pdf, row[i])
			size := pt
			lines := m.wrap((c.w-2*pad)*1000/(size*ptMM), 0, true)
			// A long word that cannot be hyphenated at a compound's joint
			// rather shrinks a little than breaks anywhere.
			for m.broke && size > pt*0.75 {
				size = max(pt*0.75, size*0.93)
				lines = m.wrap((c.w-2*pad)*1000/(size*ptMM), 0, true)
			}
			cells[i] = cell{lines: lines, size: size, lh: size * ptMM * lineGap}
		}
		left := func() (need float64) {
			for _, c := range cells {
				need = max(need, float64(len(c.lines)-c.done)*c.lh)
			}
			return need
		}
		for first := true; first || left() > 0; first = false {
			need := left()
			avail := r.bottom() - r.y - 2*pad
			if avail < min(need, 3*lh) {
				r.addPage(r.kind)
				header()
				continue
			}
			take := min(avail, need)
			h := 0.0
			ks := make([]int, len(cells))
			for i, c := range cells {
				ks[i] = min(len(c.lines)-c.done, int(take/c.lh+1e-9))
				h = max(h, float64(ks[i])*c.lh)
			}
			h = max(h, lh) + 2*pad
			if ri%2 == 1 {
				pdf.SetFillColor(0xf8, 0xfa, 0xfc)
				pdf.Rect(marginA4, r.y, r.width(), h, "F")
			}
			x := marginA4
			for i, col := range cols {
				c := &cells[i]
				if ks[i] > 0 {
					r.tag.mark(tags[i])
				}
				r.font(style(i, boldFirst), c.size)
				r.color(colInk)
				sizeMM := c.size * ptMM
				for j := 0; j < ks[i]; j++ {
					l := c.lines[c.done+j]
					lx := x + pad
					if col.align == 'C' {
						lx = x + (col.w-pdf.GetStringWidth(l))/2
					}
					pdf.Text(lx, r.y+pad+float64(j)*c.lh+(c.lh-sizeMM)/2+0.8*sizeMM, spaced(c.lines, c.done+j))
				}
				c.done += ks[i]
				x += col.w
			}
			r.tag.artifact()
			r.y += h
			pdf.SetDrawColor(colRule.r, colRule.g, colRule.b)
			pdf.SetLineWidth(0.15)
			pdf.Line(marginA4, r.y, marginA4+r.width(), r.y)
		}
	}
	r.tag.pop()
	r.y += 3
}

// style is the font style of column i when the first n are bold.
func style(i, n int) string {
	if i < n {
		return "B"
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
