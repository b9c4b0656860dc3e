package board

import (
	"slices"
	"testing"
)

func TestTemplates(t *testing.T) {
	if _, err := NewBoard(Info{Template: "kanban"}, testNow); ErrorCode(err) != EInvalid {
		t.Fatalf("unknown template: %v", err)
	}
	for _, tpl := range []string{TemplateBlank, TemplateProcessMap, TemplateGoalWorkshop} {
		st, err := NewBoard(Info{ID: "b", Template: tpl}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if st.Seq != 0 || st.Settings.Phase != TemplatePhases(tpl)[0] || len(TemplatePhases(tpl)) < 3 || TemplatePhases(tpl)[len(TemplatePhases(tpl))-1] != "Klart" {
			t.Fatalf("%s: seq %d, phase %q", tpl, st.Seq, st.Settings.Phase)
		}
		if st.Settings.Voting.Open || st.Settings.Voting.Dots != 3 || st.Settings.Voting.Kinds == nil {
			t.Fatalf("%s: voting %+v", tpl, st.Settings.Voting)
		}
		if err := checkObjects(st); err != nil {
			t.Fatalf("%s: %v", tpl, err)
		}
		for _, o := range st.Objects {
			if o.CreatedAt != testNow || o.UpdatedAt != testNow {
				t.Fatalf("%s: object times %+v", tpl, o)
			}
		}
		if !ValidTemplate(tpl) {
			t.Fatal(tpl)
		}
	}
	if ValidTemplate("x") || TemplatePhases("x") != nil {
		t.Fatal("unknown template is valid")
	}
	blank, _ := NewBoard(Info{Template: TemplateBlank}, testNow)
	if len(blank.Objects) != 0 {
		t.Fatal("a blank board has objects")
	}
}

func TestProcessMapTemplate(t *testing.T) {
	st, _ := NewBoard(Info{Template: TemplateProcessMap}, testNow)
	var lanes []*Object
	var events []*Object
	for _, o := range st.Objects {
		switch o.Kind {
		case KindLane:
			lanes = append(lanes, o)
		case KindEvent:
			events = append(events, o)
		default:
			t.Fatalf("unexpected %s", o.Kind)
		}
	}
	slices.SortFunc(lanes, func(a, b *Object) int { return int(a.Num("order") - b.Num("order")) })
	if len(lanes) != len(ProcessMapLanes) {
		t.Fatalf("%d lanes", len(lanes))
	}
	for i, l := range lanes {
		if l.Text("title") != ProcessMapLanes[i] || l.Num("order") != float64(i) || !validColor(l.Text("color")) {
			t.Fatalf("lane %d: %+v", i, l.Props)
		}
	}
	if len(events) != 2 {
		t.Fatalf("%d events", len(events))
	}
	for _, e := range events {
		switch e.Text("variant") {
		case "start":
			if e.Text("lane") != lanes[0].ID || e.Num("y") < 0 || e.Num("y") > LaneHeight {
				t.Fatalf("start event %+v", e.Props)
			}
		case "end":
			last := float64(len(lanes) - 1)
			if e.Text("lane") != lanes[len(lanes)-1].ID || e.Num("y") < last*LaneHeight || e.Num("y") > (last+1)*LaneHeight || e.Num("x") > LaneWidth {
				t.Fatalf("end event %+v", e.Props)
			}
		default:
			t.Fatalf("event %+v", e.Props)
		}
	}
	if !slices.Equal(st.Settings.Voting.Kinds, []string{KindNote, KindStep}) {
		t.Fatalf("voting kinds %v", st.Settings.Voting.Kinds)
	}
}

func TestGoalWorkshopTemplate(t *testing.T) {
	st, _ := NewBoard(Info{Template: TemplateGoalWorkshop}, testNow)
	frames := map[string]*Object{}
	var goals []*Object
	for _, o := range st.Objects {
		switch o.Kind {
		case KindFrame:
			frames[o.Text("title")] = o
		case KindGoal:
			goals = append(goals, o)
		default:
			t.Fatalf("unexpected %s", o.Kind)
		}
	}
	if len(frames) != len(GoalAreas) || len(goals) != len(GoalAreas) {
		t.Fatalf("%d frames, %d goals", len(frames), len(goals))
	}
	ranks := map[float64]bool{}
	for _, g := range goals {
		f := frames[g.Text("title")]
		if f == nil {
			t.Fatalf("goal %q has no frame", g.Text("title"))
		}
		// The goal lies inside its goal area's frame.
		if g.Num("x") < f.Num("x") || g.Num("y") < f.Num("y") || g.Num("x")+g.Num("w") > f.Num("x")+f.Num("w") || g.Num("y")+g.Num("h") > f.Num("y")+f.Num("h") {
			t.Fatalf("goal %q outside its frame", g.Text("title"))
		}
		ranks[g.Num("rank")] = true
	}
	for i := range GoalAreas {
		if !ranks[float64(i+1)] {
			t.Fatalf("no goal of rank %d", i+1)
		}
	}
	if !slices.Equal(st.Settings.Voting.Kinds, []string{KindGoal}) {
		t.Fatalf("voting kinds %v", st.Settings.Voting.Kinds)
	}
	// Frames do not overlap.
	var fs []*Object
	for _, f := range frames {
		fs = append(fs, f)
	}
	for i, a := range fs {
		for _, b := range fs[i+1:] {
			if a.Num("x") < b.Num("x")+b.Num("w") && b.Num("x") < a.Num("x")+a.Num("w") && a.Num("y") < b.Num("y")+b.Num("h") && b.Num("y") < a.Num("y")+a.Num("h") {
				t.Fatalf("frames %q and %q overlap", a.Text("title"), b.Text("title"))
			}
		}
	}
}

func TestKindsAndSCB(t *testing.T) {
	for _, k := range Kinds {
		if !ValidKind(k) || len(KindProps(k)) == 0 || !slices.IsSorted(KindProps(k)) || !slices.Contains(KindProps(k), "z") {
			t.Fatalf("kind %s: %v", k, KindProps(k))
		}
	}
	if ValidKind("circle") {
		t.Fatal("circle")
	}
	if n := len(SCBMunicipalities()); n != 290 {
		t.Fatalf("%d municipalities", n)
	}
	if m, ok := LookupSCB("1480"); !ok || m.Name != "Göteborg" {
		t.Fatalf("1480: %+v", m)
	}
	if _, ok := LookupSCB("9999"); ok {
		t.Fatal("9999")
	}
}
