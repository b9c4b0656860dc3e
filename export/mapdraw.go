package export

import (
	"fmt"
	"math"
	"strconv"

	"codeberg.org/go-pdf/fpdf"

	"github.com/processkarta/processkarta/board"
)

// drawMap draws everything that falls within the view's clip rectangle.
func (r *renderer) drawMap(v *view) {
	pdf := r.pdf
	pdf.ClipRect(v.clip.x, v.clip.y, v.clip.w, v.clip.h, false)
	vis := v.board().grow(4)
	for _, l := range r.m.lanes {
		if l.band.intersects(vis) {
			r.drawLane(v, l)
		}
	}
	// Frames lie under everything; links go under the shapes, which they
	// only touch, so that no line crosses a shape's or an event's text.
	nFrames := 0
	for _, it := range r.m.items {
		if it.kind != board.KindFrame {
			break
		}
		nFrames++
		if it.bounds().intersects(vis) {
			r.drawItem(v, it)
		}
	}
	for _, l := range r.m.links {
		if segmentBox(l.from.r, l.to.r).intersects(vis) {
			r.drawLink(v, l)
		}
	}
	for _, it := range r.m.items[nFrames:] {
		if it.bounds().intersects(vis) {
			r.drawItem(v, it)
		}
	}
	pdf.ClipEnd()
}

func (r *renderer) fill(c rgb) { r.pdf.SetFillColor(c.r, c.g, c.b) }
func (r *renderer) draw(c rgb) { r.pdf.SetDrawColor(c.r, c.g, c.b) }

// lineW is a border width for the view: thin lines stay visible when the
// map is small and do not grow heavy when it is large.
func lineW(v *view, px float64) float64 { return math.Max(0.12, math.Min(0.8, px*v.s)) }

// textKey names one piece of map text at one scale, so that what the
// pre-pass laid out is drawn without laying it out again.
type textKey struct {
	o    *board.Object
	part int // 0 body, 1 goal header, 2 lane title, 3 link label
	s    float64
}

// fitMap lays out map text, at most once per piece and scale, from px
// board pixels down to minPt points (0: the map's least size).
func (r *renderer) fitMap(k textKey, style, text string, w, h, px, minPt float64) fitted {
	if ft, ok := r.fits[k]; ok {
		return ft
	}
	if minPt == 0 {
		minPt = minTextPt * 0.75
	}
	r.font(style, 10)
	ft := fit(r.pdf, text, w, h, px*k.s/ptMM, minPt)
	r.cut = r.cut || ft.cut
	r.fits[k] = ft
	return ft
}

// prefit lays out all map text at scale s before anything is drawn, so
// the page that explains the map knows whether text had to be cut.
func (r *renderer) prefit(s float64) {
	for _, l := range r.m.lanes {
		r.laneTitleFit(l, s)
	}
	for _, it := range r.m.items {
		r.itemFit(it, s)
		if it.kind == board.KindGoal {
			r.goalHeadFit(it, s)
		}
	}
	for _, l := range r.m.links {
		r.linkFit(l, s)
	}
}

// laneTitleBox is where a lane's title goes in its header column, in mm
// from the band's top-left corner.
func laneTitleBox(l *lane, s float64) rect {
	pad := 12 * s
	return rect{pad, pad, laneHeader*s - 2*pad, l.band.h*s - 2*pad}
}

func (r *renderer) laneTitleFit(l *lane, s float64) fitted {
	b := laneTitleBox(l, s)
	return r.fitMap(textKey{l.o, 2, s}, "B", laneTitle(l, r.lab), b.w, b.h, 16, 0)
}

func (r *renderer) drawLane(v *view, l *lane) {
	pdf := r.pdf
	x, y := v.x(l.band.x), v.y(l.band.y)
	w, h := l.band.w*v.s, l.band.h*v.s
	r.fill(laneFill(l))
	r.draw(l.color.darker(0.2))
	pdf.SetLineWidth(lineW(v, 1))
	pdf.Rect(x, y, w, h, "DF")
	// The header column, as on the board: the administration's name.
	r.fill(l.color)
	pdf.Rect(x, y, laneHeader*v.s, h, "DF")
	if !v.text {
		return
	}
	ft := r.laneTitleFit(l, v.s)
	b := laneTitleBox(l, v.s)
	r.font("B", 10)
	r.color(textOn(l.color))
	drawFitted(pdf, ft, x+b.x, y+b.y, b.w, b.h, false)
}

// textOn returns a text colour that reads on background c.
func textOn(c rgb) rgb {
	if c.luminance() < 0.22 {
		return rgb{255, 255, 255}
	}
	return colInk
}

// itemText is where an item's text goes, in mm from the shape's top-left
// corner, and how it is set.
type itemText struct {
	box   rect
	style string
	px    float64 // the size it starts from, in board pixels
	top   bool    // from the top of the box rather than centred
	left  bool
}

func textBox(it *item, s float64) itemText {
	w, h := it.r.w*s, it.r.h*s
	pad := 8 * s
	t := itemText{box: rect{pad, pad, w - 2*pad, h - 2*pad}, px: boardTextPx}
	switch it.kind {
	case board.KindDecision:
		t.box = rect{w * 0.22, h * 0.22, w * 0.56, h * 0.56}
	case board.KindEvent:
		lb := it.labelBox()
		t.box = rect{(lb.x - it.r.x) * s, (lb.y - it.r.y) * s, lb.w * s, lb.h * s}
		t.top = true
	case board.KindFrame:
		t.box = rect{pad, pad * 0.6, w - 2*pad, math.Min(h-pad, 30*s)}
		t.style, t.px, t.top, t.left = "B", 16, true, true
	case board.KindAction:
		t.box = rect{pad, pad, w - 2*pad, math.Max(h-2*pad-chipH*s, 10*s)}
		t.top, t.left = true, true
	case board.KindGoal:
		head := goalHead(it, s)
		t.box = rect{pad, head + pad/2, w - 2*pad, h - head - pad}
		t.style, t.px = "B", 16
	}
	return t
}

func goalHead(it *item, s float64) float64 { return math.Min(28*s, it.r.h*s/3) }

func (r *renderer) itemFit(it *item, s float64) fitted {
	if it.text == "" {
		return fitted{}
	}
	t := textBox(it, s)
	floor := 0.0
	if growsWithText(it.kind) {
		// The shape has grown to hold its text (growShapes): only a word
		// too long for it shrinks the text, and no further than there.
		floor = t.px * s / ptMM * mapTextFloor
	}
	return r.fitMap(textKey{it.o, 0, s}, t.style, it.text, t.box.w, t.box.h, t.px, floor)
}

func (r *renderer) goalHeadFit(it *item, s float64) fitted {
	txt := fmt.Sprintf("#%d", it.rank)
	if it.votes == 1 {
		txt += " · " + r.lab.oneVote
	} else if it.votes > 1 {
		txt += " · " + fmt.Sprintf(r.lab.votesFmt, it.votes)
	}
	return r.fitMap(textKey{it.o, 1, s}, "B", txt, it.r.w*s-16*s, goalHead(it, s), 12, 0)
}

func (r *renderer) drawItem(v *view, it *item) {
	pdf := r.pdf
	x, y, w, h := v.x(it.r.x), v.y(it.r.y), it.r.w*v.s, it.r.h*v.s
	r.draw(it.line)
	r.fill(it.fill)
	pdf.SetLineWidth(lineW(v, 1.5))
	switch it.kind {
	case board.KindStep:
		pdf.RoundedRect(x, y, w, h, math.Min(10*v.s, math.Min(w, h)/4), "1234", "DF")
	case board.KindDecision:
		pdf.Polygon([]fpdf.PointType{{X: x + w/2, Y: y}, {X: x + w, Y: y + h/2}, {X: x + w/2, Y: y + h}, {X: x, Y: y + h/2}}, "DF")
	case board.KindEvent:
		if it.thick {
			pdf.SetLineWidth(lineW(v, 5))
		}
		pdf.Circle(x+w/2, y+h/2, w/2, "DF")
	case board.KindNote:
		pdf.Rect(x, y, w, h, "DF")
		// A folded corner tells a sticky note from a step at a glance.
		f := math.Min(14*v.s, math.Min(w, h)/4)
		r.fill(it.fill.darker(0.12))
		pdf.Polygon([]fpdf.PointType{{X: x + w - f, Y: y + h}, {X: x + w, Y: y + h - f}, {X: x + w - f, Y: y + h - f}}, "DF")
	case board.KindFrame:
		lw := lineW(v, 2)
		pdf.SetLineWidth(lw)
		pdf.SetDashPattern([]float64{10 * lw, 6 * lw}, 0)
		pdf.Rect(x, y, w, h, "D")
		pdf.SetDashPattern(nil, 0)
	case board.KindAction:
		rad := math.Min(8*v.s, math.Min(w, h)/4)
		pdf.RoundedRect(x, y, w, h, rad, "1234", "DF")
		if v.text {
			r.statusChip(v, it, x, y, w, h)
		}
	case board.KindGoal:
		rad := math.Min(8*v.s, math.Min(w, h)/4)
		pdf.RoundedRect(x, y, w, h, rad, "1234", "DF")
		head := goalHead(it, v.s)
		r.fill(colGoalHead)
		pdf.SetLineWidth(lineW(v, 0.8))
		pdf.RoundedRect(x, y, w, head, rad, "12", "DF")
		if v.text {
			ft := r.goalHeadFit(it, v.s)
			r.font("B", 10)
			r.color(colGoalLine)
			drawFitted(pdf, ft, x+8*v.s, y, w-16*v.s, head, true)
		}
	}
	if it.votes > 0 && it.kind != board.KindGoal && it.kind != board.KindFrame {
		r.voteBadge(v, it, x+w, y)
	}
	if !v.text || it.text == "" {
		return
	}
	t := textBox(it, v.s)
	ft := r.itemFit(it, v.s)
	r.font(t.style, 10)
	r.color(textOn(it.fill))
	if it.kind == board.KindEvent || it.kind == board.KindFrame {
		r.color(colInk)
	}
	bh := t.box.h
	if t.top {
		bh = float64(len(ft.lines)) * ft.size * ptMM * lineGap
	}
	if it.kind == board.KindEvent && len(ft.lines) > 0 {
		// Lines leaving the event would cross its label: a patch of the
		// background keeps the label legible.
		pdf.SetFontSize(ft.size)
		tw := 0.0
		for _, l := range ft.lines {
			tw = math.Max(tw, pdf.GetStringWidth(l))
		}
		r.fill(r.m.background(it.r.cx(), it.labelBox().y+4))
		pdf.Rect(x+w/2-tw/2-0.6, y+t.box.y, tw+1.2, bh, "F")
	}
	drawFitted(pdf, ft, x+t.box.x, y+t.box.y, t.box.w, bh, t.left)
}

// voteBadge puts the number of dots an object got on its top-right corner.
func (r *renderer) voteBadge(v *view, it *item, x, y float64) {
	pdf := r.pdf
	rad := 11 * v.s
	r.fill(colAccent)
	r.draw(rgb{255, 255, 255})
	pdf.SetLineWidth(lineW(v, 1))
	pdf.Circle(x, y, rad, "DF")
	if !v.text {
		return
	}
	s := strconv.Itoa(it.votes)
	r.font("B", v.pt(12))
	if pdf.GetStringWidth(s) > 1.6*rad {
		r.font("B", v.pt(12)*1.6*rad/pdf.GetStringWidth(s))
	}
	r.color(rgb{255, 255, 255})
	sz, _ := pdf.GetFontSize()
	pdf.Text(x-pdf.GetStringWidth(s)/2, y+0.36*sz*ptMM, s)
}

// clipT returns how far along the ray from the centre of shape it towards
// (dx, dy) its outline lies, as a fraction of (dx, dy).
func clipT(it *item, dx, dy float64) float64 {
	adx, ady := math.Abs(dx), math.Abs(dy)
	hw, hh := it.r.w/2, it.r.h/2
	switch it.shape {
	case shapeCircle:
		return hw / math.Hypot(dx, dy)
	case shapeDiamond:
		return 1 / (adx/hw + ady/hh)
	}
	t := math.Inf(1)
	if adx > 0 {
		t = hw / adx
	}
	if ady > 0 {
		t = math.Min(t, hh/ady)
	}
	return t
}

func (r *renderer) drawLink(v *view, l *link) {
	pdf := r.pdf
	ax, ay := l.from.r.cx(), l.from.r.cy()
	bx, by := l.to.r.cx(), l.to.r.cy()
	dx, dy := bx-ax, by-ay
	dist := math.Hypot(dx, dy)
	if dist < 1 {
		return
	}
	t0 := clipT(l.from, dx, dy)
	t1 := 1 - clipT(l.to, -dx, -dy)
	if t1-t0 <= 0.001 {
		return // the shapes overlap: there is no line to draw between them
	}
	sx, sy := v.x(ax+dx*t0), v.y(ay+dy*t0)
	ex, ey := v.x(ax+dx*t1), v.y(ay+dy*t1)
	ux, uy := dx/dist, dy/dist
	head := math.Min(12*v.s, math.Hypot(ex-sx, ey-sy)*0.6)
	hw := head * 0.45
	bxm, bym := ex-ux*head, ey-uy*head
	r.draw(colLink)
	r.fill(colLink)
	pdf.SetLineWidth(lineW(v, 1.6))
	pdf.Line(sx, sy, bxm, bym)
	pdf.Polygon([]fpdf.PointType{{X: ex, Y: ey}, {X: bxm - uy*hw, Y: bym + ux*hw}, {X: bxm + uy*hw, Y: bym - ux*hw}}, "F")
	if !v.text || l.label == "" {
		return
	}
	ft := r.linkFit(l, v.s)
	if len(ft.lines) == 0 {
		return
	}
	r.font("", 10)
	pdf.SetFontSize(ft.size)
	tw := 0.0
	for _, s := range ft.lines {
		tw = math.Max(tw, pdf.GetStringWidth(s))
	}
	th := float64(len(ft.lines)) * ft.size * ptMM * lineGap
	mx, my := (sx+bxm)/2, (sy+bym)/2
	p := 1.2 * v.s * 2
	r.fill(rgb{255, 255, 255})
	pdf.Rect(mx-tw/2-p, my-th/2-p/2, tw+2*p, th+p, "F")
	r.color(colMuted)
	drawFitted(pdf, ft, mx-tw/2, my-th/2, tw, th, false)
}

// linkLen is the length in board pixels of the visible part of a link, or
// 0 when its shapes overlap.
func linkSpan(l *link) float64 {
	ax, ay := l.from.r.cx(), l.from.r.cy()
	dx, dy := l.to.r.cx()-ax, l.to.r.cy()-ay
	dist := math.Hypot(dx, dy)
	if dist < 1 {
		return 0
	}
	t0, t1 := clipT(l.from, dx, dy), 1-clipT(l.to, -dx, -dy)
	return math.Max(0, (t1-t0)*dist)
}

func (r *renderer) linkFit(l *link, s float64) fitted {
	if l.label == "" {
		return fitted{}
	}
	maxW := math.Min(170, math.Max(60, linkSpan(l)*0.9)) * s
	return r.fitMap(textKey{l.o, 3, s}, "", l.label, maxW, 40*s, 12, 0)
}
