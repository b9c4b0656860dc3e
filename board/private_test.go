package board

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPrivateRound(t *testing.T) {
	tb := newTestBoard(t, TemplateProcessMap)
	public := note(0)
	tb.ops(t, tb.part, public)
	tb.settings(t, `{"private":true}`)

	mine := note(10)
	c := tb.ops(t, tb.part, mine)
	if c.Ops[0].PrivateTo != tb.part.ID || tb.st.Objects[mine.ID].PrivateTo != tb.part.ID {
		t.Fatalf("a participant's note in a private round: op %+v, object %+v", c.Ops[0], tb.st.Objects[mine.ID])
	}
	facNote := note(20)
	if c := tb.ops(t, tb.fac, facNote); c.Ops[0].PrivateTo != "" {
		t.Fatal("a facilitator's note is private")
	}
	step := create(KindStep, map[string]any{"text": "Steg", "x": 0.0, "y": 100.0})
	if c := tb.ops(t, tb.part, step); c.Ops[0].PrivateTo != "" {
		t.Fatal("a step is private")
	}
	theirs := note(30)
	tb.ops(t, tb.mgr, theirs)

	// Who sees what.
	for _, tc := range []struct {
		p    *Participant
		want []string
	}{
		{tb.part, []string{public.ID, mine.ID, facNote.ID, step.ID}},
		{tb.mgr, []string{public.ID, facNote.ID, step.ID, theirs.ID}},
		{tb.obs, []string{public.ID, facNote.ID, step.ID}},
		{tb.fac, []string{public.ID, mine.ID, facNote.ID, step.ID, theirs.ID}},
		{nil, []string{public.ID, facNote.ID, step.ID}},
	} {
		got := map[string]bool{}
		for _, o := range tb.st.VisibleObjects(tc.p) {
			if o.Kind == KindNote || o.Kind == KindStep {
				got[o.ID] = true
			}
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%v sees %v, want %v", tc.p, got, tc.want)
		}
		for _, id := range tc.want {
			if !got[id] {
				t.Fatalf("%v does not see %s", tc.p, id)
			}
		}
	}
	if _, ok := tb.st.Public().Objects[mine.ID]; ok || len(tb.st.Public().Objects) != len(tb.st.Objects)-2 {
		t.Fatal("Public() holds private notes")
	}
	if b := mustJSON(t, tb.st.Objects[mine.ID]); !strings.Contains(b, `"privateTo":"`+tb.part.ID+`"`) {
		t.Fatalf("object JSON %s", b)
	}

	// To anyone else, someone's private note is not there.
	tb.fail(t, ENotFound, tb.mgr, update(mine.ID, map[string]any{"text": "ändrat"}))
	tb.fail(t, ENotFound, tb.mgr, del(mine.ID))
	tb.fail(t, EInvalid, tb.mgr, create(KindLink, map[string]any{"from": step.ID, "to": mine.ID}))
	tb.fail(t, EConflict, tb.mgr, Op{Op: OpCreate, ID: mine.ID, Kind: KindNote, Props: map[string]any{"text": "x", "x": 0.0, "y": 0.0}})
	// Nobody sets privateTo but the server.
	bad := note(1)
	bad.PrivateTo = tb.mgr.ID
	tb.fail(t, EInvalid, tb.mgr, bad)
	tb.fail(t, EInvalid, tb.mgr, create(KindNote, map[string]any{"text": "x", "x": 0.0, "y": 0.0, "privateTo": tb.mgr.ID}))
	// Two people's notes cannot be joined; a link to one's note is theirs.
	tb.fail(t, EInvalid, tb.fac, create(KindLink, map[string]any{"from": theirs.ID, "to": mine.ID}))
	link := create(KindLink, map[string]any{"from": step.ID, "to": mine.ID})
	if c := tb.ops(t, tb.fac, link); c.Ops[0].PrivateTo != tb.part.ID {
		t.Fatalf("a link to a private note: %+v", c.Ops[0])
	}
	publicLink := create(KindLink, map[string]any{"from": step.ID, "to": public.ID})
	tb.ops(t, tb.part, publicLink)
	tb.fail(t, EInvalid, tb.part, update(publicLink.ID, map[string]any{"to": mine.ID}))
	tb.fail(t, EInvalid, tb.part, update(link.ID, map[string]any{"to": public.ID}))

	// The owner and the facilitators edit it; each op says whose it is.
	if c := tb.ops(t, tb.part, update(mine.ID, map[string]any{"text": "hemligt"})); c.Ops[0].PrivateTo != tb.part.ID {
		t.Fatalf("update op %+v", c.Ops[0])
	}
	if c := tb.ops(t, tb.fac, update(mine.ID, map[string]any{"color": "#ffeeaa"})); c.Ops[0].PrivateTo != tb.part.ID {
		t.Fatalf("facilitator's update op %+v", c.Ops[0])
	}
	// Deleting the step cascades to the private link: that op is private.
	c = tb.ops(t, tb.mgr, del(step.ID))
	var sawPrivate bool
	for _, op := range c.Ops {
		if op.ID == link.ID && op.PrivateTo == tb.part.ID {
			sawPrivate = true
		}
	}
	if !sawPrivate {
		t.Fatalf("cascade ops %+v", c.Ops)
	}
	if got := VisibleOps(c.Ops, tb.mgr); len(got) != len(c.Ops)-1 {
		t.Fatalf("the manager receives %+v", got)
	}
	if got := VisibleOps(c.Ops, tb.part); len(got) != len(c.Ops) {
		t.Fatalf("the owner receives %+v", got)
	}

	// Votes: a private note cannot be voted on, and the others do not
	// learn it exists.
	tb.settings(t, `{"voting":{"open":true,"kinds":["note"]}}`)
	if _, err := tb.st.PrepareVote(tb.mgr, "v", mine.ID, 1, testNow); ErrorCode(err) != ENotFound {
		t.Fatalf("vote on another's private note: %v", err)
	}
	if _, err := tb.st.PrepareVote(tb.part, "v", mine.ID, 1, testNow); ErrorCode(err) != EInvalid {
		t.Fatalf("vote on one's own private note: %v", err)
	}
	tb.settings(t, `{"voting":{"open":false}}`)

	// Ending the round shows every private note left, in one change.
	later := note(40)
	tb.ops(t, tb.part, later)
	tb.ops(t, tb.part, del(later.ID))
	c = tb.settings(t, `{"private":false}`)
	want := []string{mine.ID, theirs.ID}
	if mine.ID > theirs.ID {
		want = []string{theirs.ID, mine.ID}
	}
	if mustJSON(t, c.Revealed) != mustJSON(t, want) {
		t.Fatalf("revealed %v, want %v", c.Revealed, want)
	}
	if tb.st.HasPrivate() || len(tb.st.VisibleObjects(tb.obs)) != len(tb.st.Objects) {
		t.Fatal("private objects after the round")
	}
	// Notes made now are public; a new round leaves them so.
	after := note(50)
	if c := tb.ops(t, tb.part, after); c.Ops[0].PrivateTo != "" {
		t.Fatal("a note after the round is private")
	}
	tb.settings(t, `{"private":true}`)
	if tb.st.Objects[after.ID].PrivateTo != "" {
		t.Fatal("a new round made an old note private")
	}
	if c := tb.settings(t, `{"phase":"Hinder"}`); c.Revealed != nil {
		t.Fatal("a settings change within a round revealed notes")
	}
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

// TestPrivateReplay checks that a state rebuilt from the log holds the same
// private marks as the one the changes were made on.
func TestPrivateReplay(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	start := tb.st.Clone()
	var log []*Change
	log = append(log, tb.settings(t, `{"private":true}`))
	n := note(0)
	log = append(log, tb.ops(t, tb.part, n))
	b, err := json.Marshal(log)
	if err != nil {
		t.Fatal(err)
	}
	var back []*Change
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, c := range back {
		start.Apply(c)
	}
	if start.Objects[n.ID].PrivateTo != tb.part.ID {
		t.Fatalf("replayed note %+v", start.Objects[n.ID])
	}
	c := tb.settings(t, `{"private":false}`)
	b, _ = json.Marshal(c)
	var rc Change
	if err := json.Unmarshal(b, &rc); err != nil {
		t.Fatal(err)
	}
	start.Apply(&rc)
	if start.Objects[n.ID].PrivateTo != "" {
		t.Fatal("replayed reveal left the note private")
	}
}
