package export

import (
	"fmt"
	"math"
	"strconv"

	"codeberg.org/go-pdf/fpdf"
)

// Map pages are A3 landscape; the map fills the area below a title line.
const (
	mapMargin = 14.0
	mapTop    = 25.0
	mapBottom = 277.0 // the area's lower edge; join labels and the footer go below
	mapW      = 420 - 2*mapMargin
	mapH      = mapBottom - mapTop
	overlapMM = 8.0 // tiles repeat this much of their neighbours
	maxCols   = 5   // more tiles than this make the map smaller instead
	maxRows   = 5
	minTextPt = 6.0  // the board's 14 px text is never printed smaller, if the tiles allow
	maxTextPt = 11.0 // nor larger, when a small board would be blown up
)

var (
	minScale = minTextPt * ptMM / boardTextPx // mm per board pixel
	maxScale = maxTextPt * ptMM / boardTextPx
)

// view maps a region of the board onto the page.
type view struct {
	px, py float64 // the board point at the page origin (ox, oy)
	ox, oy float64 // page mm
	s      float64 // mm per board pixel
	clip   rect    // page mm; what lies outside is not drawn
	text   bool    // draw text (the overview leaves it out)
}

func (v *view) x(bx float64) float64 { return v.ox + (bx-v.px)*v.s }
func (v *view) y(by float64) float64 { return v.oy + (by-v.py)*v.s }

// board returns the board region the clip rectangle shows.
func (v *view) board() rect {
	return rect{v.px + (v.clip.x-v.ox)/v.s, v.py + (v.clip.y-v.oy)/v.s, v.clip.w / v.s, v.clip.h / v.s}
}

// pt converts a size in board pixels to points.
func (v *view) pt(px float64) float64 { return px * v.s / ptMM }

// tiling is how the map is split over pages.
type tiling struct {
	cols, rows   int
	s            float64
	coreW, coreH float64 // board pixels per tile, without the overlap
	shrunk       bool    // the text is below minTextPt
	present      [][]bool
}

func name(row, col int) string { return string(rune('A'+row)) + strconv.Itoa(col+1) }

func (m *model) tiling() tiling {
	bb := m.bbox
	fit := math.Min(mapW/bb.w, mapH/bb.h)
	if fit >= minScale {
		return tiling{cols: 1, rows: 1, s: math.Min(fit, maxScale), coreW: bb.w, coreH: bb.h, present: [][]bool{{true}}}
	}
	cw, ch := mapW-2*overlapMM, mapH-2*overlapMM
	t := tiling{cols: int(math.Ceil(bb.w * minScale / cw)), rows: int(math.Ceil(bb.h * minScale / ch))}
	if t.cols > maxCols || t.rows > maxRows {
		t.cols, t.rows = min(t.cols, maxCols), min(t.rows, maxRows)
		t.shrunk = true
	}
	t.s = math.Min(math.Min(float64(t.cols)*cw/bb.w, float64(t.rows)*ch/bb.h), maxScale)
	t.coreW, t.coreH = bb.w/float64(t.cols), bb.h/float64(t.rows)
	t.present = make([][]bool, t.rows)
	for row := range t.present {
		t.present[row] = make([]bool, t.cols)
		for col := range t.present[row] {
			t.present[row][col] = m.occupies(t.core(bb, row, col))
		}
	}
	return t
}

func (t *tiling) core(bb rect, row, col int) rect {
	return rect{bb.x + float64(col)*t.coreW, bb.y + float64(row)*t.coreH, t.coreW, t.coreH}
}

func (t *tiling) has(row, col int) bool {
	return row >= 0 && col >= 0 && row < t.rows && col < t.cols && t.present[row][col]
}

func (t *tiling) count() int {
	n := 0
	for _, r := range t.present {
		for _, p := range r {
			if p {
				n++
			}
		}
	}
	return n
}

// occupies reports whether anything is drawn in board region c; tiles of
// empty board space are left out.
func (m *model) occupies(c rect) bool {
	for _, l := range m.lanes {
		if l.band.intersects(c) {
			return true
		}
	}
	for _, it := range m.items {
		if it.bounds().intersects(c) {
			return true
		}
	}
	for _, l := range m.links {
		if segmentBox(l.from.r, l.to.r).intersects(c) {
			return true
		}
	}
	return false
}

func segmentBox(a, b rect) rect {
	x0, y0 := math.Min(a.cx(), b.cx()), math.Min(a.cy(), b.cy())
	return rect{x0, y0, math.Abs(a.cx()-b.cx()) + 1, math.Abs(a.cy()-b.cy()) + 1}
}

// drawMapPages writes the map: one page when it fits at a readable size,
// else an overview and the tiles.
func (r *renderer) drawMapPages() {
	t := r.m.tiling()
	bb := r.m.bbox
	area := rect{mapMargin, mapTop, mapW, mapH}
	r.prefit(t.s)
	notes := fmt.Sprintf(r.lab.scaleNote, boardTextPx*t.s/ptMM)
	if t.shrunk {
		notes = r.lab.tooBig + " " + notes
	}
	if r.cut {
		notes += " " + r.lab.truncatedMap
	}
	desc := r.describeMap(nil)
	if t.cols*t.rows == 1 {
		r.addPage(pageA3L)
		r.startSection(tocMap)
		r.pdf.Bookmark(r.mapBookmark(), 0, 0)
		r.mapTitleLine("H2", r.lab.mapTitle, r.title, t, -1, -1)
		v := &view{px: bb.x, py: bb.y, s: t.s, clip: area, text: true}
		v.ox = area.x + (area.w-bb.w*t.s)/2
		v.oy = area.y + (area.h-bb.h*t.s)/2
		r.figure(desc.text(r.lab, desc.intro(r.lab)), func() { r.drawMap(v) })
		r.mapNote(notes)
		return
	}

	// The overview: the whole map without text, with the tiles marked.
	r.addPage(pageA3L)
	r.startSection(tocMap)
	r.pdf.Bookmark(r.mapBookmark(), 0, 0)
	r.pdf.Bookmark(r.lab.overview, 1, 0)
	r.mapTitleLine("H2", r.lab.mapTitle+" – "+r.lab.overview, fmt.Sprintf(r.lab.tileOf, t.count(), t.cols, t.rows), t, -1, -1)
	s := math.Min(area.w/bb.w, area.h/bb.h)
	ov := &view{px: bb.x, py: bb.y, s: s, clip: area}
	ov.ox = area.x + (area.w-bb.w*s)/2
	ov.oy = area.y + (area.h-bb.h*s)/2
	r.figure(desc.text(r.lab, desc.intro(r.lab)), func() {
		r.drawMap(ov)
		r.overviewGrid(ov, &t)
	})
	r.mapNote(r.lab.tileJoin + " " + notes)

	for row := 0; row < t.rows; row++ {
		for col := 0; col < t.cols; col++ {
			if !t.present[row][col] {
				continue
			}
			r.addPage(pageA3L)
			n := name(row, col)
			r.pdf.Bookmark(n, 1, 0)
			r.mapTitleLine("H3", r.lab.mapTitle+" – "+fmt.Sprintf(r.lab.tile, n), r.title, t, row, col)
			core := t.core(bb, row, col)
			v := &view{px: place(core.x, core.w, area.w/t.s, bb.x, bb.w), py: place(core.y, core.h, area.h/t.s, bb.y, bb.h),
				ox: area.x, oy: area.y, s: t.s, clip: area, text: true}
			// Each part is a figure of its own, described by what it
			// shows; the overview's figure describes the whole map.
			shown := v.board()
			part := r.describeMap(&shown)
			r.figure(part.text(r.lab, fmt.Sprintf(r.lab.altTile, n)), func() { r.drawMap(v) })
			r.joinMarks(v, core, &t, row, col)
		}
	}
}

// place returns where a page's view of length view (board pixels) starts
// so that it shows a tile's core (from c, length cl) in the middle, but no
// more empty space beyond the map's bounds (from b, length bl) than it must.
func place(c, cl, view, b, bl float64) float64 {
	if view >= bl {
		return b + bl/2 - view/2
	}
	return math.Max(b, math.Min(c+cl/2-view/2, b+bl-view))
}

// mapNote writes a line of explanation under the map.
func (r *renderer) mapNote(s string) {
	r.font("", 7.5)
	r.color(colMuted)
	r.tag.leaf("P", func() { r.pdf.Text(mapMargin, mapBottom+4.5, fitWidth(r.pdf, s, mapW)) })
}

// figure draws the map as a figure whose alternative text is alt.
func (r *renderer) figure(alt string, draw func()) {
	e := r.tag.push("Figure")
	e.alt = alt
	r.tag.mark(e)
	draw()
	r.tag.pop()
}

// mapTitleLine writes a map page's title, a note under it and, for tiles,
// a key showing where the tile lies.
func (r *renderer) mapTitleLine(typ, title, note string, t tiling, row, col int) {
	pdf := r.pdf
	r.font("B", 13)
	r.color(colInk)
	r.tag.leaf(typ, func() { pdf.Text(mapMargin, 13, title) })
	r.font("", 8.5)
	r.color(colMuted)
	sub := r.title
	if note != "" {
		sub = note
	}
	keyW := 0.0
	if t.cols*t.rows > 1 {
		keyW = float64(t.cols)*5 + 20
	}
	r.tag.leaf("P", func() { pdf.Text(mapMargin, 19, fitWidth(pdf, sub, mapW-keyW-4)) })
	if keyW == 0 {
		return
	}
	// The key: one small square per tile, this one filled.
	const cell = 4.0
	x0 := 420 - mapMargin - float64(t.cols)*(cell+1)
	y0 := 6.0
	cellH := math.Min(cell, 16/float64(t.rows))
	pdf.SetLineWidth(0.2)
	for rr := 0; rr < t.rows; rr++ {
		for cc := 0; cc < t.cols; cc++ {
			x, y := x0+float64(cc)*(cell+1), y0+float64(rr)*(cellH+1)
			style := "D"
			switch {
			case rr == row && cc == col:
				pdf.SetFillColor(colAccent.r, colAccent.g, colAccent.b)
				style = "DF"
			case t.present[rr][cc]:
				pdf.SetFillColor(0xe2, 0xe8, 0xf0)
				style = "DF"
			}
			pdf.SetDrawColor(colMuted.r, colMuted.g, colMuted.b)
			pdf.Rect(x, y, cell, cellH, style)
		}
	}
}

// fitWidth returns s, cut with an ellipsis if it is wider than w mm.
func fitWidth(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	return cutToWidth(pdf, s, w)
}

// overviewGrid marks the tiles on the overview with their names.
func (r *renderer) overviewGrid(v *view, t *tiling) {
	pdf := r.pdf
	bb := r.m.bbox
	x0, y0, x1, y1 := v.x(bb.x), v.y(bb.y), v.x(bb.x+bb.w), v.y(bb.y+bb.h)
	pdf.SetDrawColor(colAccent.r, colAccent.g, colAccent.b)
	pdf.SetLineWidth(0.35)
	pdf.SetDashPattern([]float64{3, 2}, 0)
	pdf.Rect(x0, y0, x1-x0, y1-y0, "D")
	for col := 1; col < t.cols; col++ {
		x := v.x(bb.x + float64(col)*t.coreW)
		pdf.Line(x, y0, x, y1)
	}
	for row := 1; row < t.rows; row++ {
		y := v.y(bb.y + float64(row)*t.coreH)
		pdf.Line(x0, y, x1, y)
	}
	pdf.SetDashPattern(nil, 0)
	r.font("B", 16)
	for row := 0; row < t.rows; row++ {
		for col := 0; col < t.cols; col++ {
			if !t.present[row][col] {
				continue
			}
			c := t.core(bb, row, col)
			cx, cy := v.x(c.cx()), v.y(c.cy())
			n := name(row, col)
			tw := pdf.GetStringWidth(n)
			r.fill(colAccent)
			pdf.Rect(cx-tw/2-3, cy-5, tw+6, 10, "F")
			r.color(rgb{255, 255, 255})
			pdf.Text(cx-tw/2, cy+2.2, n)
		}
	}
}

// joinMarks draws, for every side of a tile that has a neighbour, a dashed
// line where the pages join, crop marks at the corners and the neighbour's
// name in the margin.
func (r *renderer) joinMarks(v *view, core rect, t *tiling, row, col int) {
	pdf := r.pdf
	x0, y0 := v.x(core.x), v.y(core.y)
	x1, y1 := v.x(core.x+core.w), v.y(core.y+core.h)
	pdf.SetDrawColor(colAccent.r, colAccent.g, colAccent.b)
	pdf.SetLineWidth(0.25)
	pdf.SetDashPattern([]float64{2, 1.5}, 0)
	top, bottom := mapTop, mapBottom
	left, right := mapMargin, 420-mapMargin
	if t.has(row, col-1) {
		pdf.Line(x0, top, x0, bottom)
	}
	if t.has(row, col+1) {
		pdf.Line(x1, top, x1, bottom)
	}
	if t.has(row-1, col) {
		pdf.Line(left, y0, right, y0)
	}
	if t.has(row+1, col) {
		pdf.Line(left, y1, right, y1)
	}
	pdf.SetDashPattern(nil, 0)
	// Crop marks: short crosses at the corners of the tile's own part.
	pdf.SetDrawColor(colInk.r, colInk.g, colInk.b)
	pdf.SetLineWidth(0.2)
	for _, p := range [][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}} {
		pdf.Line(p[0]-3, p[1], p[0]+3, p[1])
		pdf.Line(p[0], p[1]-3, p[0], p[1]+3)
	}
	r.font("B", 9)
	r.color(colAccent)
	here := name(row, col)
	label := func(nr, nc int, arrow string, x, y float64, align byte) {
		if !t.has(nr, nc) {
			return
		}
		s := here + " " + arrow + " " + name(nr, nc)
		w := pdf.GetStringWidth(s)
		switch align {
		case 'R':
			x -= w
		case 'C':
			x -= w / 2
		}
		pdf.Text(x, y, s)
	}
	midX := (math.Max(x0, left) + math.Min(x1, right)) / 2
	label(row, col+1, "→", right, bottom+4.5, 'R')
	label(row, col-1, "←", left, bottom+4.5, 'L')
	label(row-1, col, "↑", midX, top-1.5, 'C')
	label(row+1, col, "↓", midX, bottom+4.5, 'C')
}
