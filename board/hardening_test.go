package board

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Issue 10, item 1: text is not HTML-escaped, and a board's text has a
// budget in bytes with its own reject code.
func TestObjectJSONKeepsMarkup(t *testing.T) {
	o := &Object{ID: uuid.NewString(), Kind: KindNote, Props: map[string]any{"text": "<b>&</b>"}}
	b, err := o.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"text":"<b>&</b>"`) {
		t.Fatalf("escaped: %s", b)
	}
	b, _ = MarshalJSON(map[string]any{"objects": []*Object{o}})
	if strings.Contains(string(b), `\u003c`) {
		t.Fatalf("escaped when nested: %s", b)
	}
}

func TestBoardTextBudget(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	chunk := strings.Repeat("<", MaxTextLen) // 4,000 bytes
	var ids []string
	for tb.st.TextBytes()+MaxTextLen <= MaxBoardTextBytes {
		op := create(KindNote, map[string]any{"text": chunk, "x": 0.0, "y": 0.0})
		ids = append(ids, op.ID)
		tb.ops(t, tb.part, op)
	}
	full := func(ops ...Op) {
		t.Helper()
		_, err := tb.st.PrepareOps(tb.part, "b", ops, testNow)
		if ErrorCode(err) != EBoardFull || !strings.Contains(ErrorMessage(err), "full") {
			t.Fatalf("want board_full with a plain message, got %.200v", err)
		}
	}
	full(create(KindNote, map[string]any{"text": chunk, "x": 0.0, "y": 0.0}))
	full(create(KindGoal, map[string]any{"title": "x", "description": chunk}))
	// Growing an object counts as much as a new one.
	slack := MaxBoardTextBytes - tb.st.TextBytes()
	filler := create(KindNote, map[string]any{"text": strings.Repeat("a", slack), "x": 0.0, "y": 0.0})
	tb.ops(t, tb.part, filler)
	full(update(filler.ID, map[string]any{"text": strings.Repeat("a", slack+1)}))
	// What shrinks the board, or keeps it as heavy, is always allowed.
	tb.ops(t, tb.part, del(ids[1]))
	tb.ops(t, tb.part, update(ids[2], map[string]any{"x": 10.0}))
	if tb.st.TextBytes() > MaxBoardTextBytes {
		t.Fatalf("over budget: %d", tb.st.TextBytes())
	}
}

// Issue 10, item 5: in an anonymous vote no count by position is made of
// fewer than three voters, for anyone.
func TestAnonymousByPositionNeedsThreeVoters(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	goal := create(KindGoal, map[string]any{"title": "Fossilfri fordonsflotta"})
	tb.ops(t, tb.fac, goal)
	officials := make([]*Participant, 3)
	for i := range officials {
		p := &Participant{ID: uuid.NewString(), Name: "Tjänsteperson", Position: PositionOfficial, Role: RoleParticipant}
		c, err := tb.st.PrepareJoin(p, HashToken(p.ID), testNow)
		if err != nil {
			t.Fatal(err)
		}
		tb.st.Apply(c)
		officials[i] = p
	}
	tb.settings(t, `{"voting":{"open":true,"kinds":["goal"],"dots":3,"anonymous":true,"hidden":true}}`)
	tb.vote(t, tb.part, goal.ID, 1) // the only politician
	tb.vote(t, tb.part, goal.ID, 1)
	for _, p := range officials[:2] {
		tb.vote(t, p, goal.ID, 1)
	}
	check := func(wantOfficials bool) {
		t.Helper()
		for _, viewer := range []*Participant{tb.fac, tb.part, tb.mgr, nil} {
			v := tb.st.VotesFor(viewer)
			if v.Voters != nil {
				t.Fatalf("voters given in an anonymous vote: %d", *v.Voters)
			}
			bp := v.ByPosition[goal.ID]
			if _, ok := bp[PositionPolitician]; ok {
				t.Fatalf("the lone politician's dots are visible to %v: %v", viewer, v.ByPosition)
			}
			if _, ok := bp[PositionOfficial]; ok != wantOfficials && v.ByPosition != nil {
				t.Fatalf("officials visible=%v, want %v: %v", ok, wantOfficials, v.ByPosition)
			}
		}
		_, bp := tb.st.Tallies() // what the PDF shows
		if _, ok := bp[goal.ID][PositionPolitician]; ok {
			t.Fatalf("tallies for the PDF show the lone politician: %v", bp)
		}
	}
	check(false) // two officials: still too few
	tb.vote(t, officials[2], goal.ID, 1)
	check(true)
	if n := tb.st.VotesFor(tb.fac).ByPosition[goal.ID][PositionOfficial]; n != 3 {
		t.Fatalf("officials' count %d, want 3", n)
	}
	// Closed, the tally is for everyone: still no cell of one voter.
	tb.settings(t, `{"voting":{"open":false}}`)
	check(true)
	if tl := tb.st.VotesFor(tb.part).Tallies[goal.ID]; tl != 5 {
		t.Fatalf("total %d, want 5", tl)
	}
}

// Issue 10, item 3: the facilitator closes joining and removes many at once.
func TestJoinClosedAndRemoveMany(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	tb.settings(t, `{"joinClosed":true}`)
	_, err := tb.st.PrepareJoin(&Participant{ID: uuid.NewString(), Name: "Sen", Position: PositionOther, Role: RoleParticipant}, "h", testNow)
	if ErrorCode(err) != EJoinClosed {
		t.Fatalf("join while closed: %v", err)
	}
	tb.settings(t, `{"joinClosed":false}`)
	if _, err := tb.st.PrepareRemoveMany(tb.part, []string{tb.obs.ID}, testNow); ErrorCode(err) != EForbidden {
		t.Fatalf("participant removing: %v", err)
	}
	if _, err := tb.st.PrepareRemoveMany(tb.fac, []string{tb.fac.ID, tb.obs.ID}, testNow); ErrorCode(err) != EConflict {
		t.Fatalf("removing the last facilitator: %v", err)
	}
	if _, err := tb.st.PrepareRemoveMany(tb.fac, []string{tb.obs.ID, uuid.NewString()}, testNow); ErrorCode(err) != ENotFound {
		t.Fatalf("removing a stranger: %v", err)
	}
	tb.settings(t, `{"voting":{"open":true,"kinds":["note"],"dots":3}}`)
	n := note(0)
	tb.ops(t, tb.fac, n)
	tb.vote(t, tb.part, n.ID, 1)
	c, err := tb.st.PrepareRemoveMany(tb.fac, []string{tb.part.ID, tb.obs.ID, tb.part.ID}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tb.st.Apply(c)
	if len(tb.st.Participants) != 2 || tb.st.Votes[tb.part.ID] != nil {
		t.Fatalf("after removal: %d participants, votes %v", len(tb.st.Participants), tb.st.Votes)
	}
	for _, id := range tb.st.Tokens {
		if id == tb.part.ID || id == tb.obs.ID {
			t.Fatal("a removed participant's token still works")
		}
	}
	if got := c.RemovedIDs(); len(got) != 2 {
		t.Fatalf("removed %v", got)
	}
}

// Issue 10, item 7: ids are canonical lower-case; messages say what is
// wrong in plain words.
func TestIDsCanonicalAndPlainMessages(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	n := note(0)
	tb.ops(t, tb.part, n)
	upper := strings.ToUpper(n.ID)
	tb.fail(t, EInvalid, tb.part, Op{Op: OpCreate, ID: upper, Kind: KindNote, Props: map[string]any{"x": 0.0, "y": 0.0}})
	for text, want := range map[string]string{"a\rb": "carriage return", "a\x00b": "NUL", "a\x07": "control"} {
		_, err := tb.st.PrepareOps(tb.part, "b", []Op{update(n.ID, map[string]any{"text": text})}, testNow)
		if err == nil || !strings.Contains(ErrorMessage(err), want) || strings.Contains(ErrorMessage(err), "at most") {
			t.Fatalf("text %q: %v, want a message naming %s", text, err, want)
		}
	}
	_, err := DecodeOps([]byte(`{"op":"create"}`))
	if err == nil || strings.Contains(ErrorMessage(err), "board.") || strings.Contains(ErrorMessage(err), "[]") {
		t.Fatalf("ops as an object: %v", err)
	}
	_, err = DecodeOps([]byte(`[{"op":1}]`))
	if err == nil || strings.Contains(ErrorMessage(err), "Go") || !strings.Contains(ErrorMessage(err), "op must be text") {
		t.Fatalf("op as a number: %v", err)
	}
	if err := CheckText("name", "Anna\r", 100, true); err == nil || !strings.Contains(err.Error(), "carriage") {
		t.Fatalf("CheckText CR: %v", err)
	}
}
