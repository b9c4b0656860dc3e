package export

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// Default sizes, in board pixels, for shapes whose w or h is missing.
const (
	stepW, stepH         = 160.0, 80.0
	decisionW, decisionH = 140.0, 100.0
	noteW, noteH         = 160.0, 120.0
	goalW, goalH         = 360.0, 120.0 // as the board's client draws a goal card
	frameW, frameH       = 400.0, 300.0
	eventR               = 28.0
	eventLabelW          = 150.0 // events carry their text below the circle
	laneHeader           = 180.0 // the title column at the left of each lane band, as the board draws it
	boardTextPx          = 14.0  // the board's body text size
	mapPad               = 24.0  // space kept around the map's content
)

type rgb struct{ r, g, b int }

func parseColor(s string, def rgb) rgb {
	if len(s) != 7 || s[0] != '#' {
		return def
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return def
	}
	return rgb{int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)}
}

// luminance is the relative luminance of c, 0 to 1, to pick a text colour
// that reads on it.
func (c rgb) luminance() float64 {
	lin := func(v int) float64 {
		f := float64(v) / 255
		if f <= 0.03928 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// darker mixes c towards black by f (0 to 1).
func (c rgb) darker(f float64) rgb {
	m := func(v int) int { return int(float64(v) * (1 - f)) }
	return rgb{m(c.r), m(c.g), m(c.b)}
}

// lighter mixes c towards white by f (0 to 1).
func (c rgb) lighter(f float64) rgb {
	m := func(v int) int { return v + int(float64(255-v)*f) }
	return rgb{m(c.r), m(c.g), m(c.b)}
}

var (
	colInk      = rgb{0x1f, 0x29, 0x37}
	colMuted    = rgb{0x4b, 0x55, 0x63}
	colRule     = rgb{0xcb, 0xd5, 0xe1}
	colStep     = rgb{0xff, 0xff, 0xff}
	colStepLine = rgb{0x33, 0x41, 0x55}
	colDecision = rgb{0xff, 0xf7, 0xed}
	colDecLine  = rgb{0xc2, 0x41, 0x0c}
	colStart    = rgb{0xdc, 0xfc, 0xe7}
	colStartLn  = rgb{0x15, 0x80, 0x3d}
	colEnd      = rgb{0xfe, 0xe2, 0xe2}
	colEndLn    = rgb{0xb9, 0x1c, 0x1c}
	colNote     = rgb{0xfe, 0xf0, 0x8a}
	colFrame    = rgb{0x64, 0x74, 0x8b}
	colGoal     = rgb{0xff, 0xff, 0xff}
	colGoalLine = rgb{0x1d, 0x4e, 0xd8}
	colGoalHead = rgb{0xdb, 0xea, 0xfe}
	colLink     = rgb{0x33, 0x41, 0x55}
	colAccent   = rgb{0x1d, 0x4e, 0xd8}
	laneDefault = []rgb{{0xdb, 0xea, 0xfe}, {0xdc, 0xfc, 0xe7}, {0xfe, 0xf9, 0xc3}, {0xfc, 0xe7, 0xf3}, {0xe0, 0xe7, 0xff}, {0xff, 0xed, 0xd5}}
)

type rect struct{ x, y, w, h float64 }

func (r rect) cx() float64 { return r.x + r.w/2 }
func (r rect) cy() float64 { return r.y + r.h/2 }

func (r rect) union(o rect) rect {
	x0, y0 := math.Min(r.x, o.x), math.Min(r.y, o.y)
	x1, y1 := math.Max(r.x+r.w, o.x+o.w), math.Max(r.y+r.h, o.y+o.h)
	return rect{x0, y0, x1 - x0, y1 - y0}
}

func (r rect) intersects(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

func (r rect) grow(d float64) rect { return rect{r.x - d, r.y - d, r.w + 2*d, r.h + 2*d} }

type shapeKind int

const (
	shapeRect shapeKind = iota
	shapeRound
	shapeDiamond
	shapeCircle
)

// item is an object with a place on the map.
type item struct {
	o     *board.Object
	kind  string
	shape shapeKind
	r     rect // the shape's box in board pixels, grown to hold its text (growShapes)
	at    rect // the box as stored, which decides the lane the shape stands in
	text  string
	fill  rgb
	line  rgb
	thick bool // an end event's border
	z     string
	votes int
	rank  int // a goal's place in the ranking, 1-based; 0 if not a goal
	// status is an action's status, for its chip.
	status string
}

// label returns the box the item's text goes in.
func (it *item) labelBox() rect {
	if it.kind == board.KindEvent {
		return rect{it.r.cx() - eventLabelW/2, it.r.y + it.r.h + 4, eventLabelW, 48}
	}
	return it.r
}

// bounds is the area the item covers, its label included.
func (it *item) bounds() rect {
	if it.kind == board.KindEvent && it.text != "" {
		return it.r.union(it.labelBox())
	}
	return it.r
}

type lane struct {
	o     *board.Object
	title string
	color rgb
	band  rect
	item  *item // for links that point at a lane
}

type link struct {
	o        *board.Object
	from, to *item
	label    string
}

type goalRow struct {
	o                                     *board.Object
	title, desc, target, indicator, owner string
	rank                                  float64
	hasRank                               bool
	votes                                 int
	byPos                                 map[string]int
	place                                 int
}

type noteRow struct {
	it   *item
	lane int // index into lanes, -1 for none
}

// model is the board reduced to what the document shows, in the order it
// shows it.
type model struct {
	// anonymous: a vote whose counts by position leave out groups of
	// fewer than three voters (shown as a dash, not as 0).
	anonymous bool
	lanes     []*lane
	items     []*item // drawn on the map, back to front
	links     []*link
	goals     []*goalRow
	notes     []noteRow
	bbox      rect
	counts    [6]int // steps, decisions, events, notes, links, goals
	empty     bool
}

// num returns a finite number prop clamped to the board's range, and
// whether it was there; Render may meet states that were never validated
// (an imported document), so it trusts nothing.
func num(o *board.Object, name string) (float64, bool) {
	f, ok := o.Props[name].(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return math.Max(-board.MaxCoord, math.Min(board.MaxCoord, f)), true
}

func size(o *board.Object, name string, def float64) float64 {
	if f, ok := num(o, name); ok && f > 0 {
		return f
	}
	return def
}

func buildModel(st *board.State, fd *fontData) *model {
	m := &model{}
	objs := st.SortedObjects()
	m.empty = len(objs) == 0
	tallies, byPos := st.Tallies()
	m.anonymous = st.Settings.Voting.Anonymous
	text := func(o *board.Object, name string) string { return fd.clean(o.Text(name), true) }
	line := func(o *board.Object, name string) string {
		return strings.Join(strings.Fields(fd.clean(o.Text(name), false)), " ")
	}

	for _, o := range objs {
		if o.Kind == board.KindLane {
			l := &lane{o: o, title: line(o, "title")}
			m.lanes = append(m.lanes, l)
		}
	}
	slices.SortStableFunc(m.lanes, func(a, b *lane) int {
		ao, _ := num(a.o, "order")
		bo, _ := num(b.o, "order")
		// The board's client orders lanes the same way.
		return cmp.Or(cmp.Compare(ao, bo), strings.Compare(a.o.ID, b.o.ID))
	})
	byID := map[string]*item{}
	for i, l := range m.lanes {
		l.color = parseColor(l.o.Text("color"), laneDefault[i%len(laneDefault)])
		l.band = rect{0, float64(i) * board.LaneHeight, board.LaneWidth, board.LaneHeight}
		l.item = &item{o: l.o, kind: board.KindLane, shape: shapeRect, r: l.band}
		byID[l.o.ID] = l.item
	}

	var frames, others []*item
	for _, o := range objs {
		it := &item{o: o, kind: o.Kind, z: o.Text("z"), votes: tallies[o.ID]}
		x, hasX := num(o, "x")
		y, hasY := num(o, "y")
		switch o.Kind {
		case board.KindStep:
			m.counts[0]++
			it.shape, it.text = shapeRound, text(o, "text")
			it.r = rect{x, y, size(o, "w", stepW), size(o, "h", stepH)}
			it.fill = parseColor(o.Text("color"), colStep)
			it.line = colStepLine
		case board.KindDecision:
			m.counts[1]++
			it.shape, it.text = shapeDiamond, text(o, "text")
			it.r = rect{x, y, size(o, "w", decisionW), size(o, "h", decisionH)}
			it.fill, it.line = colDecision, colDecLine
		case board.KindEvent:
			m.counts[2]++
			// An event's x and y are its centre (the templates put it
			// there); boxes have theirs at the top-left corner.
			it.shape, it.text = shapeCircle, text(o, "text")
			it.r = rect{x - eventR, y - eventR, 2 * eventR, 2 * eventR}
			if o.Text("variant") == "end" {
				it.fill, it.line, it.thick = colEnd, colEndLn, true
			} else {
				it.fill, it.line = colStart, colStartLn
			}
		case board.KindNote:
			m.counts[3]++
			it.shape, it.text = shapeRect, text(o, "text")
			it.r = rect{x, y, size(o, "w", noteW), size(o, "h", noteH)}
			it.fill = parseColor(o.Text("color"), colNote)
			it.line = it.fill.darker(0.25)
		case board.KindFrame:
			it.shape, it.text = shapeRect, line(o, "title")
			it.r = rect{x, y, size(o, "w", frameW), size(o, "h", frameH)}
			it.line = colFrame
		case board.KindAction:
			it.shape, it.text = shapeRound, actionText(o, line)
			it.r = rect{x, y, size(o, "w", actionW), size(o, "h", actionH)}
			it.fill, it.line = colAction, colActionLine
			it.status = o.Text("status")
			if it.status == "" {
				it.status = board.StatusPlanned
			}
		case board.KindGoal:
			m.counts[5]++
			g := &goalRow{o: o, title: line(o, "title"), desc: text(o, "description"), target: text(o, "target"),
				indicator: text(o, "indicator"), owner: line(o, "owner"), votes: tallies[o.ID], byPos: byPos[o.ID]}
			g.rank, g.hasRank = num(o, "rank")
			m.goals = append(m.goals, g)
			if !hasX || !hasY {
				continue // a goal without a place is only in the table
			}
			it.shape, it.text = shapeRound, g.title
			it.r = rect{x, y, size(o, "w", goalW), size(o, "h", goalH)}
			it.fill, it.line = colGoal, colGoalLine
		default:
			continue
		}
		it.at = it.r
		byID[o.ID] = it
		if o.Kind == board.KindFrame {
			frames = append(frames, it)
		} else {
			others = append(others, it)
		}
	}
	kindRank := map[string]int{board.KindGoal: 0, board.KindStep: 1, board.KindDecision: 1, board.KindEvent: 1, board.KindNote: 2}
	order := func(a, b *item) int {
		return cmp.Or(strings.Compare(a.z, b.z), cmp.Compare(kindRank[a.kind], kindRank[b.kind]), strings.Compare(a.o.ID, b.o.ID))
	}
	slices.SortStableFunc(frames, order)
	slices.SortStableFunc(others, order)
	m.items = append(frames, others...)

	for _, o := range objs {
		if o.Kind != board.KindLink {
			continue
		}
		m.counts[4]++
		from, to := byID[o.Text("from")], byID[o.Text("to")]
		if from == nil || to == nil || from == to {
			continue // an end without a place on the map
		}
		m.links = append(m.links, &link{o: o, from: from, to: to, label: line(o, "label")})
	}
	// An action is drawn linked to its goal area.
	for _, it := range m.items {
		if it.kind != board.KindAction {
			continue
		}
		if g := byID[it.o.Text("goal")]; g != nil && g != it {
			m.links = append(m.links, &link{o: it.o, from: it, to: g})
		}
	}

	m.rankGoals()
	for _, g := range m.goals {
		if it := byID[g.o.ID]; it != nil {
			it.rank = g.place
		}
	}

	for _, it := range m.items {
		if it.kind != board.KindNote {
			continue
		}
		li := -1
		if y := it.r.y; y >= 0 {
			if i := int(y / board.LaneHeight); i < len(m.lanes) {
				li = i
			}
		}
		m.notes = append(m.notes, noteRow{it: it, lane: li})
	}
	slices.SortStableFunc(m.notes, func(a, b noteRow) int {
		al, bl := a.lane, b.lane
		if al < 0 {
			al = len(m.lanes)
		}
		if bl < 0 {
			bl = len(m.lanes)
		}
		return cmp.Or(cmp.Compare(al, bl), cmp.Compare(a.it.r.y, b.it.r.y), cmp.Compare(a.it.r.x, b.it.r.x), strings.Compare(a.it.o.ID, b.it.o.ID))
	})

	m.setBBox()
	return m
}

// setBBox sets the map's bounds: its lanes and shapes with room around.
func (m *model) setBBox() {
	first := true
	add := func(r rect) {
		if first {
			m.bbox, first = r, false
		} else {
			m.bbox = m.bbox.union(r)
		}
	}
	if len(m.lanes) > 0 {
		add(rect{0, 0, board.LaneWidth, float64(len(m.lanes)) * board.LaneHeight})
	}
	for _, it := range m.items {
		add(it.bounds())
	}
	if !first {
		m.bbox = m.bbox.grow(mapPad)
	}
}

// rankGoals sorts the goal areas into the facilitator's final order: by
// rank where given, then votes, then title; unranked goals follow.
func (m *model) rankGoals() {
	slices.SortStableFunc(m.goals, func(a, b *goalRow) int {
		if a.hasRank != b.hasRank {
			if a.hasRank {
				return -1
			}
			return 1
		}
		if a.hasRank {
			if c := cmp.Compare(a.rank, b.rank); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(b.votes, a.votes), compareText(a.title, b.title), strings.Compare(a.o.ID, b.o.ID))
	})
	for i, g := range m.goals {
		g.place = i + 1
	}
}

// mapHasContent reports whether there is anything to draw.
func (m *model) mapHasContent() bool { return len(m.lanes) > 0 || len(m.items) > 0 }

// background is the colour the map shows at board point (x, y) when
// nothing but lanes lies there.
func (m *model) background(x, y float64) rgb {
	for _, l := range m.lanes {
		if x >= l.band.x+laneHeader && x <= l.band.x+l.band.w && y >= l.band.y && y < l.band.y+l.band.h {
			return laneFill(l)
		}
	}
	return rgb{255, 255, 255}
}

// laneFill is the colour of a lane's band; its header column has the lane's
// own colour.
func laneFill(l *lane) rgb { return l.color.lighter(0.45) }
