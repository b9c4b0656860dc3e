package interchange

import (
	"cmp"
	"math"
	"slices"

	"github.com/processkarta/processkarta/board"
)

// KindAction is the strategy work's action (åtgärd). It is named here, not
// taken from the board package, so that these converters carry actions
// wherever the board knows them.
const KindAction = "action"

// Lanes returns the board's lanes in the order the board shows them: by
// order, then by id.
func Lanes(st *board.State) []*board.Object {
	var ls []*board.Object
	for _, o := range st.Objects {
		if o.Kind == board.KindLane {
			ls = append(ls, o)
		}
	}
	slices.SortFunc(ls, func(a, b *board.Object) int {
		if c := cmp.Compare(a.Num("order"), b.Num("order")); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return ls
}

// BoardBox is where an object is drawn on the board, with the client's
// default sizes for a missing w or h. Lanes, links and objects without a
// position have none.
func BoardBox(o *board.Object) (Box, bool) {
	_, hasX := o.Props["x"]
	_, hasY := o.Props["y"]
	if !hasX || !hasY {
		return Box{}, false
	}
	x, y := o.Num("x"), o.Num("y")
	if o.Kind == board.KindEvent {
		return Box{x - eventR, y - eventR, 2 * eventR, 2 * eventR}, true
	}
	d, ok := defaultSize[o.Kind]
	if !ok {
		d = [2]float64{100, 60}
	}
	w, h := d[0], d[1]
	if v := o.Num("w"); v > 0 {
		w = v
	}
	if v := o.Num("h"); v > 0 {
		h = v
	}
	return Box{x, y, w, h}, true
}

// Point is a point on the board.
type Point struct{ X, Y float64 }

// EdgePoint is where the ray from the centre of an object's box towards
// (tx, ty) leaves its outline (a circle, a diamond or a rectangle), as the
// board draws arrows.
func EdgePoint(kind string, b Box, tx, ty float64) Point {
	cx, cy := b.cx(), b.cy()
	dx, dy := tx-cx, ty-cy
	if dx == 0 && dy == 0 {
		return Point{cx, cy}
	}
	var k float64
	switch kind {
	case board.KindEvent:
		k = (b.W / 2) / math.Hypot(dx, dy)
	case board.KindDecision:
		k = 1 / (math.Abs(dx)/(b.W/2) + math.Abs(dy)/(b.H/2))
	default:
		kx, ky := math.Inf(1), math.Inf(1)
		if dx != 0 {
			kx = (b.W / 2) / math.Abs(dx)
		}
		if dy != 0 {
			ky = (b.H / 2) / math.Abs(dy)
		}
		k = math.Min(kx, ky)
	}
	return Point{math.Round(cx + dx*k), math.Round(cy + dy*k)}
}

// Waypoints are the two ends of an arrow between boxes a and b.
func Waypoints(ka string, a Box, kb string, b Box) [2]Point {
	return [2]Point{EdgePoint(ka, a, b.cx(), b.cy()), EdgePoint(kb, b, a.cx(), a.cy())}
}
