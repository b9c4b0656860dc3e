// Package interchangetest builds the boards the interchange tests convert,
// and compares boards by what a conversion must keep.
package interchangetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// Builder makes a board object by object through the board's validation.
type Builder struct {
	t  testing.TB
	St *board.State
}

// NewBuilder starts an empty process map.
func NewBuilder(t testing.TB, title string) *Builder {
	t.Helper()
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Title: title, Municipality: "1480", Template: board.TemplateProcessMap}, 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	st.Objects = map[string]*board.Object{}
	return &Builder{t: t, St: st}
}

// Add creates an object and returns its id.
func (b *Builder) Add(kind string, props map[string]any) string {
	b.t.Helper()
	id := uuid.NewString()
	p := &board.Participant{ID: "test", Role: board.RoleFacilitator}
	c, err := b.St.PrepareOps(p, "", []board.Op{{Op: board.OpCreate, ID: id, Kind: kind, Props: props}}, 1_700_000_000_000)
	if err != nil {
		b.t.Fatalf("create %s %v: %v", kind, props, err)
	}
	b.St.Apply(c)
	return id
}

// Sample is a process map with every kind of object the converters know:
// three lanes, steps, a decision, start and end events, a note with an
// arrow to a step, a frame, a goal area with an arrow to a step and, where
// the board knows them, an action for the goal. Texts have Swedish letters,
// line breaks and characters XML escapes.
func Sample(t testing.TB) *board.State {
	b := NewBuilder(t, "Energi & klimat: <nuläge> 2026")
	lh := board.LaneHeight
	l1 := b.Add(board.KindLane, map[string]any{"title": "Miljöförvaltningen", "order": 0.0, "color": "#dbeafe"})
	l2 := b.Add(board.KindLane, map[string]any{"title": "Fastighetskontoret", "order": 1.0, "color": "#dcfce7"})
	l3 := b.Add(board.KindLane, map[string]any{"title": "Kommunstyrelsen", "order": 2.0})
	start := b.Add(board.KindEvent, map[string]any{"text": "Start", "variant": "start", "lane": l1, "x": 260.0, "y": lh / 2})
	s1 := b.Add(board.KindStep, map[string]any{"text": "Ta fram\nunderlag", "lane": l1, "x": 360.0, "y": 60.0, "w": 160.0, "h": 80.0})
	s2 := b.Add(board.KindStep, map[string]any{"text": "Remiss: \"åtgärder\" & <kostnader>", "lane": l2, "x": 620.0, "y": lh + 60, "color": "#fee2e2"})
	d := b.Add(board.KindDecision, map[string]any{"text": "Budget räcker?", "lane": l2, "x": 880.0, "y": lh + 50, "w": 150.0, "h": 100.0})
	s3 := b.Add(board.KindStep, map[string]any{"text": "Beslut i KS", "lane": l3, "x": 1120.0, "y": 2*lh + 60, "w": 160.0, "h": 80.0})
	end := b.Add(board.KindEvent, map[string]any{"text": "Slut", "variant": "end", "lane": l3, "x": 1420.0, "y": 2*lh + lh/2})
	note := b.Add(board.KindNote, map[string]any{"text": "Hinder: ingen tid för samråd", "color": "#fef08a", "x": 400.0, "y": 3*lh + 40, "w": 160.0, "h": 120.0})
	b.Add(board.KindLink, map[string]any{"from": start, "to": s1})
	b.Add(board.KindLink, map[string]any{"from": s1, "to": s2, "label": "skickas"})
	b.Add(board.KindLink, map[string]any{"from": s2, "to": d})
	b.Add(board.KindLink, map[string]any{"from": d, "to": s3, "label": "ja"})
	b.Add(board.KindLink, map[string]any{"from": d, "to": s1, "label": "nej"})
	b.Add(board.KindLink, map[string]any{"from": s3, "to": end})
	b.Add(board.KindLink, map[string]any{"from": note, "to": s2})
	b.Add(board.KindFrame, map[string]any{"title": "Målområden", "x": 1800.0, "y": 3*lh + 20, "w": 420.0, "h": 200.0})
	goal := b.Add(board.KindGoal, map[string]any{"title": "Fossilfri fordonsflotta", "description": "Alla kommunens bilar\nfossilfria", "target": "100 % år 2030",
		"indicator": "Andel fossilfria fordon", "owner": "Fastighetskontoret", "rank": 1.0, "x": 1820.0, "y": 3*lh + 60, "w": 360.0, "h": 120.0})
	b.Add(board.KindLink, map[string]any{"from": goal, "to": s3, "label": "styr"})
	if board.ValidKind(interchange.KindAction) {
		b.Add(interchange.KindAction, map[string]any{"title": "Byt 40 bilar till el", "description": "Upphandling 2027", "goal": goal, "owner": "Fastighetskontoret",
			"responsible": "Fordonsansvarig", "due": "2027-06-30", "status": "planned", "x": 1820.0, "y": 3*lh + 220, "w": 360.0, "h": 120.0})
	}
	return b.St
}

// Count is how many objects of each kind (events by variant) a board has.
func Count(st *board.State) map[string]int {
	n := map[string]int{}
	for _, o := range st.Objects {
		k := o.Kind
		if k == board.KindEvent {
			k += ":" + o.Text("variant")
		}
		n[k]++
	}
	return n
}

// Shape is what a conversion must keep of a board: each lane's title and
// position among the lanes, each node's kind, text and lane, and each
// arrow's ends and label. It is a sorted list of lines, comparable with
// slices.Equal and readable in a failure message.
func Shape(st *board.State, kinds ...string) []string {
	keep := func(k string) bool { return len(kinds) == 0 || slices.Contains(kinds, k) }
	laneIdx := map[string]int{}
	for i, l := range interchange.Lanes(st) {
		laneIdx[l.ID] = i
	}
	label := func(o *board.Object) string {
		if o == nil {
			return "?"
		}
		t := o.Text("text")
		if o.Kind == board.KindFrame || o.Kind == board.KindGoal || o.Kind == interchange.KindAction {
			t = o.Text("title")
		}
		k := o.Kind
		if k == board.KindEvent {
			k += ":" + o.Text("variant")
		}
		lane := ""
		if l, ok := o.Props["lane"].(string); ok {
			lane = fmt.Sprintf(" in lane %d", laneIdx[l])
		}
		return fmt.Sprintf("%s %q%s", k, t, lane)
	}
	var out []string
	for _, o := range st.Objects {
		if !keep(o.Kind) {
			continue
		}
		switch o.Kind {
		case board.KindLane:
			out = append(out, fmt.Sprintf("lane %d %q", laneIdx[o.ID], o.Text("title")))
		case board.KindLink:
			out = append(out, fmt.Sprintf("link %s -> %s %q", label(st.Objects[o.Text("from")]), label(st.Objects[o.Text("to")]), o.Text("label")))
		default:
			out = append(out, label(o))
		}
	}
	slices.SortFunc(out, cmp.Compare)
	return out
}

// Diff says how two shapes differ, for a failure message.
func Diff(want, got []string) string {
	var b strings.Builder
	for _, s := range want {
		if !slices.Contains(got, s) {
			fmt.Fprintf(&b, "  missing: %s\n", s)
		}
	}
	for _, s := range got {
		if !slices.Contains(want, s) {
			fmt.Fprintf(&b, "  extra:   %s\n", s)
		}
	}
	return b.String()
}

// Only returns the one object of kind on a board, or nil if it has none.
func Only(t testing.TB, st *board.State, kind string) *board.Object {
	t.Helper()
	var found *board.Object
	for _, o := range st.Objects {
		if o.Kind == kind {
			if found != nil {
				t.Fatalf("more than one %s", kind)
			}
			found = o
		}
	}
	return found
}

// SamePlaces checks that the positioned objects of a and b are at the same
// coordinates and of the same sizes, object by object with the same kind
// and text.
func SamePlaces(t testing.TB, a, b *board.State) {
	t.Helper()
	places := func(st *board.State) map[string][]string {
		m := map[string][]string{}
		for _, o := range st.Objects {
			if bx, ok := interchange.BoardBox(o); ok {
				k := fmt.Sprintf("%s %q", o.Kind, o.Text("text")+o.Text("title"))
				m[k] = append(m[k], fmt.Sprintf("%+v", bx))
			}
		}
		for _, v := range m {
			slices.Sort(v)
		}
		return m
	}
	pa, pb := places(a), places(b)
	for k, v := range pa {
		if !slices.Equal(v, pb[k]) {
			t.Errorf("%s: at %v, want %v", k, pb[k], v)
		}
	}
}
