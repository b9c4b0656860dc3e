package export

import "github.com/processkarta/processkarta/board"

// mapTextFloor is how far below its normal size the text of a shape that
// grows may shrink, for a word too long for the shape: as on the canvas
// (TEXT.min / TEXT.body in web/static/js/canvas/draw.js).
const mapTextFloor = 0.9

// growsWithText reports whether a shape of this kind grows to hold its
// whole text, as the canvas draws it, rather than shrinking the text.
func growsWithText(kind string) bool {
	switch kind {
	case board.KindStep, board.KindNote, board.KindDecision, board.KindGoal:
		return true
	}
	return false
}

// growShapes grows steps, notes and goal areas downwards, and decisions
// both ways, until their text fits at the normal size (or, for a word too
// long for the shape, at the floor), as the canvas does; each keeps its
// top-left corner. The map's bounds follow. Sizes are worked out at one
// mm per board pixel: text and shapes scale alike, so the growth holds at
// the scale the map is drawn at.
func (r *renderer) growShapes() {
	const s = 1.0
	// A little slack, so that rounding at the drawing scale cannot cost a line.
	const slack = 0.5
	for _, it := range r.m.items {
		if it.text == "" || !growsWithText(it.kind) {
			continue
		}
		t := textBox(it, s)
		r.font(t.style, 10)
		maxPt := t.px * s / ptMM
		if it.kind == board.KindDecision {
			// The text sits in the middle of the diamond: grow it by steps
			// until the text fits there at the normal size.
			m := measure(r.pdf, it.text)
			for range 40 {
				t = textBox(it, s)
				// Whole words only (no floor to reach): the canvas neither
				// hyphenates nor shrinks while the diamond can grow.
				n := int((t.box.h - slack) / (maxPt * ptMM * lineGap))
				if _, ok := m.wrapAt(t.box.w-slack, maxPt, maxPt, 0, n); ok && n >= 1 {
					break
				}
				it.r.w, it.r.h = it.r.w*1.08, it.r.h*1.08
			}
			continue
		}
		need := textHeight(r.pdf, it.text, t.box.w-slack, maxPt, maxPt*mapTextFloor) + slack
		// A goal area's heading takes part of a short card: two passes
		// settle it.
		for range 2 {
			if t = textBox(it, s); t.box.h < need {
				it.r.h += need - t.box.h
			}
		}
	}
	r.m.setBBox()
}
