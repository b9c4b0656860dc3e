package export

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// mapDesc is the process map read as text: the lanes in order with what
// stands in each, from left to right, what stands outside the lanes, and
// the arrows. It is the map's alternative text in the PDF and the map's
// text in the HTML report.
type mapDesc struct {
	lanes   []laneDesc
	outside []string
	arrows  []string
}

type laneDesc struct {
	title string
	items []string
}

// describeMap reads the map; with a region (board pixels) only what lies
// in it, as for one tile of a split map.
func (r *renderer) describeMap(region *rect) mapDesc {
	m, lab := r.m, r.lab
	in := func(b rect) bool { return region == nil || b.intersects(*region) }
	var d mapDesc
	byLane := make([][]*item, len(m.lanes))
	var outside []*item
	for _, it := range m.items {
		if !in(it.bounds()) {
			continue
		}
		li := -1
		for i, l := range m.lanes {
			if c := it.at; c.cy() >= l.band.y && c.cy() < l.band.y+l.band.h && c.cx() >= l.band.x && c.cx() <= l.band.x+l.band.w {
				li = i
				break
			}
		}
		if li < 0 {
			outside = append(outside, it)
		} else {
			byLane[li] = append(byLane[li], it)
		}
	}
	leftToRight := func(a, b *item) int {
		return cmp.Or(cmp.Compare(a.r.x, b.r.x), cmp.Compare(a.r.y, b.r.y), strings.Compare(a.o.ID, b.o.ID))
	}
	for i, l := range m.lanes {
		if !in(l.band) {
			continue
		}
		slices.SortStableFunc(byLane[i], leftToRight)
		ld := laneDesc{title: laneTitle(l, lab)}
		for _, it := range byLane[i] {
			ld.items = append(ld.items, r.itemDesc(it))
		}
		d.lanes = append(d.lanes, ld)
	}
	slices.SortStableFunc(outside, func(a, b *item) int {
		return cmp.Or(cmp.Compare(a.r.y, b.r.y), leftToRight(a, b))
	})
	for _, it := range outside {
		d.outside = append(d.outside, r.itemDesc(it))
	}
	// Arrows are read in the order of where they start: by lane band,
	// then from left to right.
	links := slices.Clone(m.links)
	slices.SortStableFunc(links, func(a, b *link) int {
		return cmp.Or(cmp.Compare(math.Floor(a.from.r.cy()/board.LaneHeight), math.Floor(b.from.r.cy()/board.LaneHeight)),
			cmp.Compare(a.from.r.x, b.from.r.x), cmp.Compare(a.to.r.x, b.to.r.x))
	})
	for _, l := range links {
		if !in(segmentBox(l.from.r, l.to.r)) {
			continue
		}
		a := r.endName(l.from) + " → " + r.endName(l.to)
		if l.label != "" {
			a += " (" + l.label + ")"
		}
		d.arrows = append(d.arrows, a)
	}
	return d
}

// oneLine collapses text to one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// itemDesc names an object on the map by its kind and text.
func (r *renderer) itemDesc(it *item) string {
	kind := it.kindName(r)
	text := oneLine(it.text)
	if it.kind == board.KindGoal && it.rank > 0 {
		kind = fmt.Sprintf("%s %d", kind, it.rank)
	}
	if it.kind == board.KindAction {
		// The card's second line is its owner and due date.
		text = strings.Join(strings.Fields(strings.ReplaceAll(it.text, "\n", " – ")), " ")
		if s := revLabelsFor(r.lab).status[it.status]; s != "" {
			text += " (" + s + ")"
		}
	}
	if text == "" {
		text = r.lab.altNoText
	}
	if it.votes == 1 {
		text += " (" + r.lab.oneVote + ")"
	} else if it.votes > 1 {
		text += " (" + fmt.Sprintf(r.lab.votesFmt, it.votes) + ")"
	}
	return kind + ": " + text
}

func (it *item) kindName(r *renderer) string {
	if it.kind == board.KindEvent && it.thick {
		return r.lab.altKinds["end"]
	}
	return r.lab.altKinds[it.kind]
}

// endName names one end of an arrow: its text, or its kind.
func (r *renderer) endName(it *item) string {
	if it.kind == board.KindLane {
		for _, l := range r.m.lanes {
			if l.item == it {
				return laneTitle(l, r.lab)
			}
		}
	}
	if s := oneLine(strings.SplitN(it.text, "\n", 2)[0]); s != "" {
		return s
	}
	return it.kindName(r)
}

// text returns the description as running text, the map's alternative
// text: "Processkarta med 3 simbanor ... Simbana 1, Bygg: Steg: ...".
func (d mapDesc) text(lab *labels, intro string) string {
	var b strings.Builder
	b.WriteString(intro)
	for i, l := range d.lanes {
		fmt.Fprintf(&b, " %s %d, %s: ", lab.altLane, i+1, l.title)
		if len(l.items) == 0 {
			b.WriteString(lab.altEmptyLane + ".")
			continue
		}
		b.WriteString(strings.Join(l.items, "; ") + ".")
	}
	if len(d.outside) > 0 {
		b.WriteString(" " + d.outsideLabel(lab) + ": " + strings.Join(d.outside, "; ") + ".")
	}
	if len(d.arrows) > 0 {
		b.WriteString(" " + lab.altArrows + ": " + strings.Join(d.arrows, "; ") + ".")
	}
	return b.String()
}

// intro is the sentence that opens the map's description.
func (d mapDesc) intro(lab *labels) string {
	switch len(d.lanes) {
	case 0:
		return lab.altIntroNone
	case 1:
		return lab.altIntroOne
	}
	return fmt.Sprintf(lab.altIntro, len(d.lanes))
}

// outsideLabel names what stands outside the lanes: on a map without
// lanes, everything.
func (d mapDesc) outsideLabel(lab *labels) string {
	if len(d.lanes) == 0 {
		return lab.altOnMap
	}
	return lab.altOutside
}
