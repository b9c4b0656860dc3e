package board

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func action(goal string, props map[string]any) Op {
	p := map[string]any{"title": "Byt till LED", "x": 0.0, "y": 0.0}
	if goal != "" {
		p["goal"] = goal
	}
	for k, v := range props {
		p[k] = v
	}
	return create(KindAction, p)
}

func TestActionValidation(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	g := create(KindGoal, map[string]any{"title": "Energieffektivisering", "rank": 1.0})
	n := note(0)
	tb.ops(t, tb.fac, g, n)

	full := action(g.ID, map[string]any{"description": "Alla skolor", "owner": "Fastighetskontoret",
		"responsible": "Enhetschef drift", "due": "2027-02-28", "status": StatusOngoing, "w": 300.0, "h": 120.0})
	tb.ops(t, tb.part, full)
	if o := tb.st.Objects[full.ID]; o.Text("goal") != g.ID || o.Text("due") != "2027-02-28" || o.Text("status") != StatusOngoing {
		t.Fatalf("stored action %v", o.Props)
	}
	for _, s := range Statuses {
		tb.ops(t, tb.part, action("", map[string]any{"status": s}))
	}
	tb.ops(t, tb.part, action("", map[string]any{"due": "2028-02-29"})) // a leap day

	rejects := []struct {
		name  string
		props map[string]any
		want  string // in the message
	}{
		{"no such day", map[string]any{"due": "2027-02-30"}, "real date"},
		{"not a leap year", map[string]any{"due": "2027-02-29"}, "real date"},
		{"month 13", map[string]any{"due": "2027-13-01"}, "real date"},
		{"short form", map[string]any{"due": "2027-2-1"}, "real date"},
		{"Swedish form", map[string]any{"due": "28/2 2027"}, "real date"},
		{"a time", map[string]any{"due": "2027-02-28T10:00:00Z"}, "real date"},
		{"far future", map[string]any{"due": "9999-01-01"}, "real date"},
		{"a number", map[string]any{"due": 20270228.0}, "real date"},
		{"bad status", map[string]any{"status": "started"}, `"planned", "ongoing" or "done"`},
		{"status in Swedish", map[string]any{"status": "pågår"}, `"planned", "ongoing" or "done"`},
		{"empty status", map[string]any{"status": ""}, `"planned", "ongoing" or "done"`},
		{"unknown goal", map[string]any{"goal": uuid.NewString()}, "not a goal on this board"},
		{"goal is a note", map[string]any{"goal": n.ID}, "not a goal on this board"},
		{"goal not an id", map[string]any{"goal": "Energi"}, "object id"},
		{"long responsible", map[string]any{"responsible": long(MaxTitleLen + 1)}, "at most 200"},
		{"a lane", map[string]any{"lane": uuid.NewString()}, `no prop "lane"`},
	}
	for _, r := range rejects {
		op := action("", r.props)
		before := mustJSON(t, tb.st)
		_, err := tb.st.PrepareOps(tb.part, "b", []Op{op}, testNow)
		if ErrorCode(err) != EInvalid || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v, want invalid with %q", r.name, err, r.want)
		}
		if mustJSON(t, tb.st) != before {
			t.Fatalf("%s: a rejected batch changed the state", r.name)
		}
	}
	// A title is required, and cannot be unset.
	tb.fail(t, EInvalid, tb.part, create(KindAction, map[string]any{"x": 0.0, "y": 0.0}))
	tb.fail(t, EInvalid, tb.part, update(full.ID, map[string]any{"title": nil}))
	// Updates are checked the same way; unsetting the goal is fine.
	tb.fail(t, EInvalid, tb.part, update(full.ID, map[string]any{"due": "2027-04-31"}))
	tb.fail(t, EInvalid, tb.part, update(full.ID, map[string]any{"goal": n.ID}))
	tb.ops(t, tb.part, update(full.ID, map[string]any{"goal": nil, "status": StatusDone}))
	// A goal created earlier in the same batch may be referred to.
	g2 := create(KindGoal, map[string]any{"title": "Transporter"})
	tb.ops(t, tb.part, g2, action(g2.ID, nil))
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

func TestDeletingAGoalUnlinksItsActions(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	g := create(KindGoal, map[string]any{"title": "Förnybar energi"})
	a1, a2 := action(g.ID, nil), action(g.ID, nil)
	tb.ops(t, tb.fac, g, a1, a2)
	c := tb.ops(t, tb.fac, del(g.ID))
	if len(c.Ops) != 3 || c.Ops[2].Op != OpDelete {
		t.Fatalf("cascade %s", mustJSON(t, c.Ops))
	}
	for _, op := range c.Ops[:2] {
		if v, has := op.Props["goal"]; op.Op != OpUpdate || !has || v != nil || len(op.Props) != 1 {
			t.Fatalf("cascade op %s", mustJSON(t, op))
		}
	}
	for _, id := range []string{a1.ID, a2.ID} {
		if o := tb.st.Objects[id]; o == nil || o.Props["goal"] != nil {
			t.Fatalf("action %s after its goal was deleted: %v", id, o)
		}
	}
}

func TestContinue(t *testing.T) {
	prev := newTestBoard(t, TemplateGoalWorkshop)
	var goals []*Object
	for _, o := range prev.st.Objects {
		if o.Kind == KindGoal {
			goals = append(goals, o)
		}
	}
	// Rank them in reverse, and give the top one an action.
	for _, g := range goals {
		prev.ops(t, prev.fac, update(g.ID, map[string]any{"rank": 7 - g.Num("rank"), "target": "mål " + g.Text("title")}))
	}
	top := goals[len(goals)-1]
	for _, g := range goals {
		if g.Num("rank") == 1 {
			top = g
		}
	}
	a := action(top.ID, map[string]any{"owner": "Tekniska", "due": "2027-06-30", "status": StatusPlanned})
	loose := action("", map[string]any{"title": "Utbilda"})
	prev.ops(t, prev.part, a, loose)

	next, err := NewBoard(Info{ID: uuid.NewString(), Municipality: "1480", Template: TemplateProcessMap}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	template := len(next.Objects)
	if err := Continue(next, prev.st, testNow); err != nil {
		t.Fatal(err)
	}
	if next.Info.From != prev.st.Info.ID || len(next.Objects) != template+len(goals)+2 {
		t.Fatalf("from %q, %d objects", next.Info.From, len(next.Objects))
	}
	ps, ns := Summarize(prev.st, 0), Summarize(next, 0)
	if len(ns.Goals) != len(ps.Goals) || len(ns.Actions) != 2 {
		t.Fatalf("summary of the continued board: %s", mustJSON(t, ns))
	}
	newIDs := map[string]bool{}
	for i, g := range ns.Goals {
		p := ps.Goals[i]
		if g.Title != p.Title || *g.Rank != *p.Rank || g.Target != p.Target || g.ID == p.ID {
			t.Fatalf("goal %d: %+v, was %+v", i, g, p)
		}
		newIDs[g.ID] = true
	}
	for _, a := range ns.Actions {
		o := next.Objects[a.ID]
		if prev.st.Objects[a.ID] != nil {
			t.Fatal("an action kept its id")
		}
		switch a.Title {
		case "Byt till LED":
			if !newIDs[a.Goal] || next.Objects[a.Goal].Text("title") != top.Text("title") || a.Due != "2027-06-30" || a.Owner != "Tekniska" {
				t.Fatalf("action %+v", a)
			}
			// Listed under its goal.
			g := next.Objects[a.Goal]
			if o.Num("x") != g.Num("x") || o.Num("y") <= g.Num("y") {
				t.Fatalf("action at %v,%v, goal at %v,%v", o.Num("x"), o.Num("y"), g.Num("x"), g.Num("y"))
			}
		case "Utbilda":
			if a.Goal != "" {
				t.Fatalf("loose action %+v", a)
			}
		}
		// Below the template's lanes.
		if o.Num("y") < next.laneBottom() {
			t.Fatalf("action at y %v overlaps the lanes", o.Num("y"))
		}
	}
	if err := checkObjects(next); err != nil {
		t.Fatal(err)
	}
	// A goal workshop continued by a goal workshop has the goals once.
	again, err := NewBoard(Info{ID: uuid.NewString(), Municipality: "1480", Template: TemplateGoalWorkshop}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := Continue(again, prev.st, testNow); err != nil {
		t.Fatal(err)
	}
	if s := Summarize(again, 0); len(s.Goals) != len(goals) || len(again.Objects) != len(goals)+2 {
		t.Fatalf("goal workshop from a goal workshop: %d goals, %d objects", len(s.Goals), len(again.Objects))
	}
	other := newTestBoard(t, TemplateBlank)
	other.st.Info.Municipality = "0180"
	if err := Continue(other.st, prev.st, testNow); ErrorCode(err) != EInvalid {
		t.Fatalf("continuing another municipality's board: %v", err)
	}
}

func TestSummary(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	g1 := create(KindGoal, map[string]any{"title": "B", "rank": 2.0})
	g2 := create(KindGoal, map[string]any{"title": "A", "rank": 1.0})
	g3 := create(KindGoal, map[string]any{"title": "C"})
	a := action(g1.ID, map[string]any{"due": "2027-01-01", "status": StatusDone})
	b := action(g1.ID, nil)
	c := tb.ops(t, tb.fac, g1, g2, g3, a, b)
	if !AffectsSummary(tb.st, c) {
		t.Fatal("creating goals does not affect the summary")
	}
	s := Summarize(tb.st, 5)
	if len(s.Goals) != 3 || s.Goals[0].Title != "A" || s.Goals[1].Title != "B" || s.Goals[2].Rank != nil {
		t.Fatalf("goals not in rank order: %s", mustJSON(t, s.Goals))
	}
	if len(s.Actions) != 2 || s.Actions[0].ID != a.ID || s.Actions[1].Status != StatusPlanned {
		t.Fatalf("actions %s", mustJSON(t, s.Actions))
	}
	// fac, part (politician) and mgr count; the observer does not.
	if s.People != 3 || s.ByPosition[PositionPolitician] != 1 || s.ByAdministration["Miljö"] != 3 || s.ActiveAt != 5 {
		t.Fatalf("participation %s", mustJSON(t, s))
	}
	if strings.Contains(mustJSON(t, s), "Per") {
		t.Fatal("a summary names a person")
	}
	affects := func(ops ...Op) bool {
		c, err := tb.st.PrepareOps(tb.fac, "b", ops, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return AffectsSummary(tb.st, c)
	}
	n := note(1)
	tb.ops(t, tb.fac, n)
	cases := []struct {
		ops  []Op
		want bool
	}{
		{[]Op{update(a.ID, map[string]any{"x": 5.0, "y": 9.0, "z": "b"})}, false},
		{[]Op{update(g1.ID, map[string]any{"w": 500.0})}, false},
		{[]Op{update(n.ID, map[string]any{"text": "x"})}, false},
		{[]Op{note(2)}, false},
		{[]Op{update(a.ID, map[string]any{"status": StatusOngoing})}, true},
		{[]Op{update(g1.ID, map[string]any{"rank": 3.0})}, true},
		{[]Op{update(n.ID, map[string]any{"x": 1.0}), update(b.ID, map[string]any{"due": "2027-03-01"})}, true},
		{[]Op{del(b.ID)}, true},
		{[]Op{action("", nil)}, true},
	}
	for i, c := range cases {
		if got := affects(c.ops...); got != c.want {
			t.Errorf("case %d: AffectsSummary = %v, want %v", i, got, c.want)
		}
	}
}
