package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// The parts of the suite for strategy work across workshops: actions,
// boards that continue another (from), and the per-board summaries.

func goalOp(title string, rank float64) board.Op {
	return board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindGoal,
		Props: map[string]any{"title": title, "rank": rank, "target": "Mål för " + title}}
}

func actionOp(goal, title, due, status string) board.Op {
	p := map[string]any{"title": title, "x": 10.0, "y": 20.0, "owner": "Tekniska förvaltningen", "responsible": "Driftchef", "due": due, "status": status}
	if goal != "" {
		p["goal"] = goal
	}
	return board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindAction, Props: p}
}

func summaryOf(t testing.TB, s board.Store, id string) *board.Summary {
	t.Helper()
	sums, err := s.Summaries(ctxT(t), []string{id})
	must(t, err)
	if len(sums) != 1 || sums[0].Board != id {
		t.Fatalf("Summaries(%s) = %s", id, mustJSON(t, sums))
	}
	return sums[0]
}

// sameSummary checks that the stored summary is what the board's state
// sums up to (the time of the last change aside).
func sameSummary(t testing.TB, what string, s board.Store, f *fixture) *board.Summary {
	t.Helper()
	got := summaryOf(t, s, f.id)
	want := board.Summarize(f.load(t), got.ActiveAt)
	want.Seq = got.Seq
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Fatalf("%s: stored summary\n got %s\nwant %s", what, g, w)
	}
	return got
}

// testActions stores actions linked to goals, and keeps the summary
// current through every kind of change that touches it.
func testActions(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	sum := sameSummary(t, "a new board", s, f)
	if len(sum.Goals)+len(sum.Actions) != 0 || sum.People != 1 || sum.ByPosition[board.PositionOfficial] != 1 {
		t.Fatalf("summary of a new board with a facilitator: %s", mustJSON(t, sum))
	}
	g1, g2 := goalOp("Transporter", 2), goalOp("Energieffektivisering", 1)
	a1 := actionOp(g1.ID, "Elbilar i hemtjänsten", "2027-03-31", board.StatusPlanned)
	a2 := actionOp(g2.ID, "LED i skolor", "2026-12-01", board.StatusOngoing)
	c, err := f.ops(ctx, g1, g2, a1, a2)
	must(t, err)
	st := f.load(t)
	if o := st.Objects[a1.ID]; o == nil || o.Kind != board.KindAction || o.Text("goal") != g1.ID || o.Text("due") != "2027-03-31" {
		t.Fatalf("stored action %s", mustJSON(t, o))
	}
	sum = sameSummary(t, "after goals and actions", s, f)
	if sum.Seq != c.Seq || sum.ActiveAt != c.At || len(sum.Goals) != 2 || sum.Goals[0].ID != g2.ID || len(sum.Actions) != 2 {
		t.Fatalf("summary %s", mustJSON(t, sum))
	}

	// A move changes nothing the summary holds: it is not rewritten.
	_, err = f.ops(ctx, board.Op{Op: board.OpUpdate, ID: a1.ID, Props: map[string]any{"x": 400.0, "y": 500.0}})
	must(t, err)
	f.note(t, "en idé")
	if got := summaryOf(t, s, f.id); got.Seq != sum.Seq {
		t.Fatalf("a move and a note rewrote the summary (seq %d, was %d)", got.Seq, sum.Seq)
	}
	// A status, a new rank, a join and a deleted goal do.
	c, err = f.ops(ctx, board.Op{Op: board.OpUpdate, ID: a1.ID, Props: map[string]any{"status": board.StatusDone}})
	must(t, err)
	if sum = sameSummary(t, "after a status change", s, f); sum.Seq != c.Seq || sum.Actions[1].Status != board.StatusDone {
		t.Fatalf("summary after a status change: %s", mustJSON(t, sum))
	}
	_, err = f.ops(ctx, board.Op{Op: board.OpUpdate, ID: g1.ID, Props: map[string]any{"rank": 0.5}})
	must(t, err)
	if sum = sameSummary(t, "after a new rank", s, f); sum.Goals[0].ID != g1.ID {
		t.Fatalf("goals after a new rank: %s", mustJSON(t, sum.Goals))
	}
	f.join(t, uuid.NewString(), board.RoleParticipant)
	if sum = sameSummary(t, "after a join", s, f); sum.People != 2 || sum.ByAdministration["Miljöförvaltningen"] != 2 {
		t.Fatalf("participation after a join: %s", mustJSON(t, sum))
	}
	_, err = f.ops(ctx, board.Op{Op: board.OpDelete, ID: g1.ID})
	must(t, err)
	if st := f.load(t); st.Objects[a1.ID] == nil || st.Objects[a1.ID].Props["goal"] != nil {
		t.Fatal("deleting a goal did not unlink its action")
	}
	sameSummary(t, "after a goal was deleted", s, f)

	// A rejected batch (an unknown goal) stores nothing.
	before := f.load(t)
	_, err = f.ops(ctx, actionOp(uuid.NewString(), "x", "2027-01-01", board.StatusPlanned))
	wantCode(t, err, board.EInvalid)
	_, err = f.ops(ctx, actionOp("", "x", "2027-02-30", board.StatusPlanned))
	wantCode(t, err, board.EInvalid)
	sameState(t, "after rejected batches", f.load(t), before)

	// Unknown boards are left out; order is kept.
	other := newBoard(t, s, board.TemplateGoalWorkshop)
	sums, err := s.Summaries(ctx, []string{other.id, uuid.NewString(), f.id})
	must(t, err)
	if len(sums) != 2 || sums[0].Board != other.id || sums[1].Board != f.id || len(sums[0].Goals) != 6 {
		t.Fatalf("Summaries of two boards and an unknown one: %s", mustJSON(t, sums))
	}
	if sums, err := s.Summaries(ctx, nil); err != nil || len(sums) != 0 {
		t.Fatalf("Summaries(nil) = %v, %v", sums, err)
	}

	// Concurrent status changes: the summary stays that of the state.
	var acts []board.Op
	for i := range 8 {
		acts = append(acts, actionOp("", "Åtgärd "+string(rune('A'+i)), "2027-01-01", board.StatusPlanned))
	}
	_, err = f.ops(ctx, acts...)
	must(t, err)
	var wg sync.WaitGroup
	for i, a := range acts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, status := range board.Statuses[i%2:] {
				_, err := f.ops(context.Background(), board.Op{Op: board.OpUpdate, ID: a.ID, Props: map[string]any{"status": status}})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	sameSummary(t, "after concurrent changes", s, f)

	// Summaries survive a reopen.
	want := summaryOf(t, s, f.id)
	must(t, s.Close())
	s = open(t)
	if got := summaryOf(t, s, f.id); mustJSON(t, got) != mustJSON(t, want) {
		t.Fatalf("summary after reopen\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
}

// testSeries stores a board that continues another: it remembers from,
// starts with the goals and actions, and its summary has them.
func testSeries(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	prev := newBoard(t, s, board.TemplateGoalWorkshop)
	var goal string
	for _, o := range prev.load(t).Objects {
		if o.Kind == board.KindGoal && o.Num("rank") == 3 {
			goal = o.ID
		}
	}
	_, err := prev.ops(ctx, actionOp(goal, "Cykelplan", "2027-05-01", board.StatusOngoing))
	must(t, err)

	info := board.Info{ID: uuid.NewString(), Title: "Åtgärdsworkshop", Municipality: "1480", Template: board.TemplateProcessMap, JoinCode: board.NewJoinCode(), CreatedAt: now()}
	st, err := board.NewBoard(info, now().UnixMilli())
	must(t, err)
	must(t, board.Continue(st, prev.load(t), now().UnixMilli()))
	must(t, s.CreateBoard(ctx, st))
	next := &fixture{s: s, id: info.ID}

	check := func(what string) {
		t.Helper()
		got := next.load(t)
		if got.Info.From != prev.id {
			t.Fatalf("%s: from = %q, want %q", what, got.Info.From, prev.id)
		}
		infos, err := s.Boards(ctx, "1480")
		must(t, err)
		if len(infos) != 2 || infos[1].ID != next.id || infos[1].From != prev.id || infos[0].From != "" {
			t.Fatalf("%s: boards %s", what, mustJSON(t, infos))
		}
		ps, ns := summaryOf(t, s, prev.id), summaryOf(t, s, next.id)
		if len(ns.Goals) != 6 || len(ns.Actions) != 1 || ns.Actions[0].Status != board.StatusOngoing {
			t.Fatalf("%s: summary of the continued board %s", what, mustJSON(t, ns))
		}
		for i, g := range ns.Goals {
			if g.Title != ps.Goals[i].Title || *g.Rank != *ps.Goals[i].Rank || g.ID == ps.Goals[i].ID {
				t.Fatalf("%s: goal %d is %+v, was %+v", what, i, g, ps.Goals[i])
			}
		}
		if a := ns.Actions[0]; got.Objects[a.Goal] == nil || got.Objects[a.Goal].Num("rank") != 3 {
			t.Fatalf("%s: the action lost its goal: %+v", what, a)
		}
	}
	check("after create")
	must(t, s.Close())
	s = open(t)
	next.s = s
	check("after reopen")
}
