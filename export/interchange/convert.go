package interchange

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
)

// Board geometry, as the board's client draws it (web/static/js/model.js).
const (
	laneHeader = 180.0 // the title column at the left of each lane band
	eventR     = 30.0  // an event's radius
	bandPad    = 10.0  // space kept between a shape and its band's edges
	leftPad    = 40.0  // space between the lane header and the first shape
)

// LaneColors are the board's lane colours, given to lanes whose file has
// none (or one too dark to read text on).
var LaneColors = []string{"#dbeafe", "#dcfce7", "#fef9c3", "#fce7f3", "#e0e7ff", "#ffedd5"}

// minSize is the smallest a shape of each kind is made, in board pixels:
// a file's 40-pixel gateway with its label beside it becomes a diamond that
// holds its text.
var minSize = map[string][2]float64{
	board.KindStep: {110, 60}, board.KindDecision: {120, 80}, board.KindNote: {120, 60},
	board.KindFrame: {80, 60}, board.KindGoal: {160, 80}, "action": {160, 80},
}

// defaultSize is the size of a shape the file gives no size for.
var defaultSize = map[string][2]float64{
	board.KindStep: {160, 80}, board.KindDecision: {150, 100}, board.KindNote: {160, 120},
	board.KindFrame: {400, 340}, board.KindGoal: {360, 120}, "action": {360, 120},
	board.KindEvent: {2 * eventR, 2 * eventR},
}

// Convert turns a diagram into board objects with fresh ids. Lanes become
// bands of board.LaneHeight stacked in the order the file shows them (top
// to bottom, or left to right for vertical swimlanes, whose maps are turned
// a quarter so that the flow still runs along the lanes); the file's
// coordinates are fitted into those bands and, when wider than a lane,
// scaled down. Texts are cleaned and shortened to the board's limits.
func Convert(d *Diagram) (*Map, error) {
	if n := len(d.Lanes) + len(d.Shapes) + len(d.Links); n > board.MaxObjects {
		return nil, board.Errorf(board.ETooLarge, "the diagram has %d objects; a board holds at most %d", n, board.MaxObjects)
	}
	c := &converter{d: d, ids: map[string]string{}, laneIdx: map[string]int{}, scale: 1}
	c.makeLanes()
	if !d.Exact {
		c.fit()
	}
	c.makeShapes()
	c.makeLinks()
	title, _ := CleanText(strings.Join(strings.Fields(d.Title), " "), board.MaxTitleLen)
	return &Map{Title: title, Objects: c.objs, Warnings: d.Warnings.List()}, nil
}

type converter struct {
	d       *Diagram
	objs    []*board.Object
	ids     map[string]string // file key to board id
	laneIdx map[string]int    // lane key to band index
	lanes   []*Lane           // in band order
	scale   float64           // file pixels to board pixels
	x0      float64           // the file's x that lands at the lanes' content edge
}

func (c *converter) add(key, kind string, props map[string]any) *board.Object {
	o := &board.Object{ID: uuid.NewString(), Kind: kind, Props: props}
	if key != "" {
		c.ids[key] = o.ID
	}
	c.objs = append(c.objs, o)
	return o
}

// text cleans s for a prop of at most max characters, noting when it had
// to be shortened.
func (c *converter) text(s string, max int) string {
	t, cut := CleanText(s, max)
	if cut {
		c.d.Warnings.Add("texts longer than the board allows were shortened", Name(s, ""))
	}
	return t
}

// makeLanes orders the lanes and makes them.
func (c *converter) makeLanes() {
	ls := slices.Clone(c.d.Lanes)
	if !c.d.Exact && vertical(ls) {
		for _, l := range ls {
			l.Box = transpose(l.Box)
		}
		for _, s := range c.d.Shapes {
			if !s.Placed && s.Box != nil {
				// The map turns; its shapes keep their width and height.
				b := s.Box
				s.Box = &Box{X: b.cy() - b.W/2, Y: b.cx() - b.H/2, W: b.W, H: b.H}
			}
		}
	}
	// Lanes with a place go by their top edge; those without keep the
	// file's order, after them.
	slices.SortStableFunc(ls, func(a, b *Lane) int {
		switch {
		case a.Box == nil && b.Box == nil:
			return 0
		case a.Box == nil:
			return 1
		case b.Box == nil:
			return -1
		}
		return cmpFloat(a.Box.Y, b.Box.Y)
	})
	c.lanes = ls
	for i, l := range ls {
		title := c.text(strings.Join(strings.Fields(l.Title), " "), board.MaxTitleLen)
		if title == "" {
			title = "Bana " + strconv.Itoa(i+1)
		}
		color := LaneColors[i%len(LaneColors)]
		if lightColor(l.Color) {
			color = strings.ToLower(l.Color)
		}
		c.laneIdx[l.Key] = i
		c.add(l.Key, board.KindLane, map[string]any{"title": title, "order": float64(i), "color": color})
	}
}

// vertical reports whether the lanes stand side by side as columns.
func vertical(ls []*Lane) bool {
	var boxes []*Box
	for _, l := range ls {
		if l.Box != nil {
			boxes = append(boxes, l.Box)
		}
	}
	if len(boxes) == 0 {
		return false
	}
	if len(boxes) == 1 {
		return boxes[0].H > 1.5*boxes[0].W
	}
	side, stacked := 0, 0
	for i := range boxes {
		for j := i + 1; j < len(boxes); j++ {
			a, b := boxes[i], boxes[j]
			ox := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
			oy := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
			switch {
			case oy > 0 && ox <= 0.5*math.Min(a.W, b.W):
				side++
			case ox > 0:
				stacked++
			}
		}
	}
	return side > stacked
}

func transpose(b *Box) *Box {
	if b == nil {
		return nil
	}
	return &Box{X: b.Y, Y: b.X, W: b.H, H: b.W}
}

// fit works out the horizontal scale and offset: the lanes' content starts
// right of the board's lane header, a map wider than a lane is scaled down
// to fit (but never below 40%, where text would no longer fit) and a small
// one up by as much as half again (BPMN modellers draw smaller than the
// board, whose text is larger).
func (c *converter) fit() {
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, s := range c.d.Shapes {
		if s.Box != nil && !s.Placed {
			minX = math.Min(minX, s.Box.X)
			maxX = math.Max(maxX, s.Box.X+s.Box.W)
		}
	}
	for _, l := range c.lanes {
		if l.Box != nil {
			minX = math.Min(minX, l.Box.X+l.Header)
		}
	}
	if math.IsInf(minX, 1) {
		return
	}
	c.x0 = minX
	if len(c.lanes) > 0 && maxX > minX {
		c.scale = clamp((board.LaneWidth-laneHeader-2*leftPad)/(maxX-minX), 0.4, 1.5)
	}
}

// boardX maps a file x to the board.
func (c *converter) boardX(x float64) float64 {
	if len(c.lanes) == 0 {
		return leftPad + (x-c.x0)*c.scale
	}
	return laneHeader + leftPad + (x-c.x0)*c.scale
}

// laneOf finds the band a shape lies in: its own lane, else the lane whose
// box holds its centre, else -1.
func (c *converter) laneOf(s *Shape) int {
	if i, ok := c.laneIdx[s.Lane]; ok && s.Lane != "" {
		return i
	}
	if s.Box == nil || s.Placed {
		return -1
	}
	for i, l := range c.lanes {
		if l.Box != nil && l.Box.contains(s.Box.cx(), s.Box.cy()) {
			return i
		}
	}
	return -1
}

// extent is the vertical span of the lanes that have a place in the file.
func (c *converter) extent() (top, bottom float64, ok bool) {
	for _, l := range c.lanes {
		if l.Box == nil {
			continue
		}
		if !ok || l.Box.Y < top {
			top = l.Box.Y
		}
		if !ok || l.Box.Y+l.Box.H > bottom {
			bottom = l.Box.Y + l.Box.H
		}
		ok = true
	}
	return top, bottom, ok
}

// makeShapes makes the nodes, in the file's order.
func (c *converter) makeShapes() {
	top, bottom, placedLanes := c.extent()
	bands := float64(len(c.lanes))
	minY := math.Inf(1)
	for _, s := range c.d.Shapes {
		if s.Box != nil && !s.Placed {
			minY = math.Min(minY, s.Box.Y)
		}
	}
	slots := map[int]float64{} // the next free x per band, for shapes the file has no place for
	unplaced := 0
	for _, s := range c.d.Shapes {
		kind := s.Kind
		props := map[string]any{}
		for k, v := range s.Props {
			props[k] = v
		}
		switch kind {
		case board.KindFrame, board.KindGoal, "action":
			if t := c.text(strings.Join(strings.Fields(s.Text), " "), board.MaxTitleLen); t != "" {
				props["title"] = t
			} else if kind != board.KindFrame {
				props["title"] = "—"
			}
		default:
			if t := c.text(s.Text, board.MaxTextLen); t != "" {
				props["text"] = t
			}
		}
		if kind == board.KindEvent {
			props["variant"] = s.Variant
		}
		if lightColor(s.Color) && (kind == board.KindStep || kind == board.KindNote) {
			props["color"] = strings.ToLower(s.Color)
		}
		band := c.laneOf(s)
		if band >= 0 && (kind == board.KindStep || kind == board.KindDecision || kind == board.KindEvent) {
			props["lane"] = c.lanes[band].Key // made an id below
		}
		if !s.Placed {
			c.place(s, props, band, placement{top, bottom, placedLanes, bands, minY}, slots, &unplaced)
		}
		c.add(s.Key, kind, props)
	}
	if unplaced > 0 {
		c.d.Warnings.Add("the file has no diagram layout for some elements; they were placed in a row in their lane", "")
	}
	// References by key become ids now that every object has one; a
	// reference to something not made goes.
	for _, o := range c.objs {
		for k, v := range o.Props {
			if s, ok := v.(string); ok && refProps[k] {
				if id, ok := c.ids[s]; ok {
					o.Props[k] = id
				} else {
					delete(o.Props, k)
				}
			}
		}
	}
}

type placement struct {
	top, bottom float64 // the lanes' span in the file
	placedLanes bool    // whether any lane has a place in the file
	bands       float64 // the number of lane bands
	minY        float64 // the topmost shape in the file
}

// place gives a shape its board coordinates (and size).
func (c *converter) place(s *Shape, props map[string]any, band int, p placement, slots map[int]float64, unplaced *int) {
	kind := s.Kind
	w, h := defaultSize[kind][0], defaultSize[kind][1]
	if s.Box != nil && s.Box.W > 0 && s.Box.H > 0 {
		w, h = s.Box.W*c.scale, s.Box.H*c.scale
	}
	if m, ok := minSize[kind]; ok && !c.d.Exact {
		w, h = math.Max(w, m[0]), math.Max(h, m[1])
	}
	var cx, cy float64
	switch {
	case s.Box == nil:
		*unplaced++
		b := max(band, 0)
		x := slots[b]
		if x == 0 {
			x = laneHeader + leftPad
			if len(c.lanes) == 0 {
				x = leftPad
			}
		}
		w, h = math.Min(w, 200), math.Min(h, board.LaneHeight-2*bandPad)
		slots[b] = x + w + 60
		cx, cy = x+w/2, (float64(b)+0.5)*board.LaneHeight
		if band < 0 && len(c.lanes) > 0 {
			cy = (p.bands + 0.5) * board.LaneHeight
		}
	case c.d.Exact:
		cx, cy = s.Box.cx(), s.Box.cy()
	default:
		cx = c.boardX(s.Box.cx())
		switch {
		case band >= 0 && c.lanes[band].Box != nil:
			lb := c.lanes[band].Box
			t := (s.Box.cy() - lb.Y) / lb.H
			h = math.Min(h, board.LaneHeight-2*bandPad)
			half := h / 2
			if kind == board.KindEvent {
				half = eventR
			}
			top := float64(band) * board.LaneHeight
			cy = clamp((float64(band)+t)*board.LaneHeight, top+bandPad+half, top+board.LaneHeight-bandPad-half)
		case !p.placedLanes:
			cy = bandPad + (s.Box.cy()-p.minY)*c.scale + h/2
		case s.Box.cy() < p.top:
			cy = (s.Box.cy() - p.top) * c.scale
		default:
			cy = p.bands*board.LaneHeight + (s.Box.cy()-p.bottom)*c.scale
		}
	}
	if kind == board.KindEvent {
		props["x"], props["y"] = round(cx), round(cy)
		return
	}
	w, h = clamp(math.Round(w), 1, 20000), clamp(math.Round(h), 1, 20000)
	props["x"], props["y"] = round(cx-w/2), round(cy-h/2)
	props["w"], props["h"] = w, h
}

// makeLinks makes the arrows whose ends both became objects.
func (c *converter) makeLinks() {
	for _, l := range c.d.Links {
		from, okf := c.ids[l.From]
		to, okt := c.ids[l.To]
		_, laneFrom := c.laneIdx[l.From]
		_, laneTo := c.laneIdx[l.To]
		name := Name(l.Label, l.Key)
		switch {
		case !okf || !okt:
			c.d.Warnings.Add("arrows to or from something that has no counterpart on a board were left out", name)
			continue
		case laneFrom || laneTo:
			c.d.Warnings.Add("arrows to or from a whole lane were left out", name)
			continue
		case from == to:
			c.d.Warnings.Add("arrows from a shape to itself were left out", name)
			continue
		}
		props := map[string]any{"from": from, "to": to}
		if t := c.text(strings.Join(strings.Fields(l.Label), " "), board.MaxTitleLen); t != "" {
			props["label"] = t
		}
		c.add(l.Key, board.KindLink, props)
	}
}

func clamp(v, lo, hi float64) float64 {
	if hi < lo {
		return (lo + hi) / 2
	}
	return math.Max(lo, math.Min(hi, v))
}

// round keeps coordinates whole and within the board's limits.
func round(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return clamp(math.Round(v), -board.MaxCoord, board.MaxCoord)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// lightColor reports whether s is a #rrggbb colour light enough for the
// board's dark text.
func lightColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return false
	}
	lin := func(c uint64) float64 {
		f := float64(c) / 255
		if f <= 0.03928 {
			return f / 12.92
		}
		return math.Pow((f+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(v>>16&0xff)+0.7152*lin(v>>8&0xff)+0.0722*lin(v&0xff) > 0.45
}
