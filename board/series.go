package board

import (
	"cmp"
	"slices"

	"github.com/google/uuid"
)

// Layout of the goal areas and actions a board takes over from the board it
// continues: one column per goal, in rank order, below whatever the
// template put on the board, with the goal's actions stacked under it.
const (
	seriesGap     = 120.0
	seriesColumn  = 420.0
	seriesGoalW   = 360.0
	seriesGoalH   = 120.0
	seriesActionH = 130.0
)

// Continue adds to st, a new board, the goal areas and actions of prev, the
// board it continues: same titles, texts, ranks, owners, dates and
// statuses, under new ids, with each action still under its goal. It sets
// st.Info.From to prev's id. Both boards must belong to one municipality.
func Continue(st, prev *State, now int64) error {
	if prev.Info.Municipality != st.Info.Municipality {
		return Errorf(EInvalid, "a board continues only a board of its own municipality")
	}
	st.Info.From, st.Info.FromTitle = prev.Info.ID, prev.Info.Title
	goals, actions := goalsAndActions(prev)
	if len(goals) > 0 {
		// The template's own goal areas (and their frames) give way to
		// the ones the series has worked on.
		areas := map[string]bool{}
		for _, o := range st.Objects {
			if o.Kind == KindGoal {
				areas[o.Text("title")] = true
			}
		}
		for id, o := range st.Objects {
			if o.Kind == KindGoal || (o.Kind == KindFrame && areas[o.Text("title")]) {
				delete(st.Objects, id)
			}
		}
	}
	if len(st.Objects)+len(goals)+len(actions) > MaxObjects {
		return Errorf(ETooLarge, "a board holds at most %d objects", MaxObjects)
	}
	top := 0.0
	for _, o := range st.Objects {
		if b, ok := Bounds(o); ok {
			top = max(top, b.Y+b.H+seriesGap)
		}
	}
	if o := st.laneBottom(); o > 0 {
		top = max(top, o+seriesGap)
	}
	add := func(src *Object, props map[string]any) string {
		p := make(map[string]any, len(src.Props))
		for k, v := range src.Props {
			if k != "z" {
				p[k] = v
			}
		}
		for k, v := range props {
			p[k] = v
		}
		id := uuid.NewString()
		st.Objects[id] = &Object{ID: id, Kind: src.Kind, Props: p, CreatedAt: now, UpdatedAt: now}
		return id
	}
	newGoal := map[string]string{}
	column := map[string]int{}
	for i, g := range goals {
		x := float64(i) * seriesColumn
		newGoal[g.ID] = add(g, map[string]any{"x": x, "y": top, "w": seriesGoalW, "h": seriesGoalH})
		column[g.ID] = i
	}
	stacked := map[int]int{}
	for _, a := range actions {
		col, ok := column[a.Text("goal")]
		if !ok {
			col = len(goals) // actions of no goal get a column of their own
		}
		y := top + seriesGoalH + 40 + float64(stacked[col])*(seriesActionH+20)
		stacked[col]++
		props := map[string]any{"x": float64(col) * seriesColumn, "y": y, "w": seriesGoalW, "h": seriesActionH}
		if ng, ok := newGoal[a.Text("goal")]; ok {
			props["goal"] = ng
		} else {
			props["goal"] = nil
		}
		id := add(a, props)
		if props["goal"] == nil {
			delete(st.Objects[id].Props, "goal")
		}
	}
	return nil
}

// laneBottom is where the lanes of st end (0 without lanes).
func (s *State) laneBottom() float64 {
	n := 0
	for _, o := range s.Objects {
		if o.Kind == KindLane {
			n++
		}
	}
	return float64(n) * LaneHeight
}

// Rect is an axis-aligned rectangle in board coordinates.
type Rect struct{ X, Y, W, H float64 }

// Bounds returns the rectangle an object with a position covers; ok is
// false for objects without one (lanes, links, goals kept in a list).
func Bounds(o *Object) (r Rect, ok bool) {
	x, hasX := o.Props["x"].(float64)
	y, hasY := o.Props["y"].(float64)
	if !hasX || !hasY {
		return Rect{}, false
	}
	w, _ := o.Props["w"].(float64)
	h, _ := o.Props["h"].(float64)
	return Rect{x, y, w, h}, true
}

// goalsAndActions returns the goal areas and the actions of st, each in
// the order reports list them.
func goalsAndActions(st *State) (goals, actions []*Object) {
	for _, o := range st.Objects {
		switch o.Kind {
		case KindGoal:
			goals = append(goals, o)
		case KindAction:
			actions = append(actions, o)
		}
	}
	slices.SortFunc(goals, compareGoals)
	slices.SortFunc(actions, compareActions)
	return goals, actions
}

// compareGoals orders goal areas by rank (unranked last), then title, then
// id.
func compareGoals(a, b *Object) int {
	ra, oka := a.Props["rank"].(float64)
	rb, okb := b.Props["rank"].(float64)
	switch {
	case oka && !okb:
		return -1
	case !oka && okb:
		return 1
	case oka && okb && ra != rb:
		return cmp.Compare(ra, rb)
	}
	if c := cmp.Compare(a.Text("title"), b.Text("title")); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// compareActions orders actions by due date (undated last), then title,
// then id.
func compareActions(a, b *Object) int {
	da, db := a.Text("due"), b.Text("due")
	switch {
	case da != "" && db == "":
		return -1
	case da == "" && db != "":
		return 1
	}
	if c := cmp.Compare(da, db); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Text("title"), b.Text("title")); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
