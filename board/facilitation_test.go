package board

import (
	"encoding/json"
	"testing"
)

// settingsAt applies a patch as the facilitator at the given time.
func (tb *testBoard) settingsAt(t *testing.T, patch string, at int64) *Change {
	t.Helper()
	c, err := tb.st.PrepareSettings(tb.fac, "s", json.RawMessage(patch), at)
	if err != nil {
		t.Fatalf("PrepareSettings(%s): %v", patch, err)
	}
	tb.st.Apply(c)
	return c
}

func TestSummonOnce(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	tb.settingsAt(t, `{"focus":{"x":1,"y":2,"zoom":1.5}}`, testNow)
	// Phase, timer, lock and vote keep the summon as it was: a client
	// that followed it has nothing new to follow.
	for i, patch := range []string{`{"phase":"Rösta"}`, `{"timer":{"seconds":60,"start":true}}`, `{"locked":true}`,
		`{"voting":{"open":true}}`, `{"locked":false}`} {
		tb.settingsAt(t, patch, testNow+int64(i+1)*1000)
		if f := tb.st.Settings.Focus; f == nil || f.At != testNow || f.X != 1 {
			t.Fatalf("after %s focus is %+v, want the summon made at %d", patch, f, testNow)
		}
	}
	// A new summon to the same spot is a new summon.
	tb.settingsAt(t, `{"focus":{"x":1,"y":2,"zoom":1.5}}`, testNow+9000)
	if f := tb.st.Settings.Focus; f.At != testNow+9000 {
		t.Fatalf("a second summon kept at %d", f.At)
	}
	// A client cannot stamp it.
	tb.settingsAt(t, `{"focus":{"x":1,"y":2,"zoom":1.5,"at":1}}`, testNow+10000)
	if f := tb.st.Settings.Focus; f.At != testNow+10000 {
		t.Fatalf("client stamped focus at %d", f.At)
	}
}

func TestFollowMe(t *testing.T) {
	tb := newTestBoard(t, TemplateProcessMap)
	tb.settings(t, `{"follow":{"participant":"`+tb.fac.ID+`"}}`)
	if f := tb.st.Settings.Follow; f == nil || f.Participant != tb.fac.ID {
		t.Fatalf("follow %+v", f)
	}
	c := tb.settings(t, `{"phase":"Hinder"}`)
	if c.Settings.Follow == nil || c.Settings.Follow.Participant != tb.fac.ID {
		t.Fatalf("a phase change dropped follow: %+v", c.Settings)
	}
	before := mustJSON(t, tb.st)
	for _, who := range []string{tb.part.ID, tb.obs.ID, "nobody", ""} {
		_, err := tb.st.PrepareSettings(tb.fac, "s", json.RawMessage(`{"follow":{"participant":"`+who+`"}}`), testNow)
		if ErrorCode(err) != EInvalid {
			t.Fatalf("follow %q: %v, want invalid", who, err)
		}
	}
	if mustJSON(t, tb.st) != before {
		t.Fatal("a refused follow changed the state")
	}
	if _, err := tb.st.PrepareSettings(tb.part, "s", json.RawMessage(`{"follow":null}`), testNow); ErrorCode(err) != EForbidden {
		t.Fatalf("a participant stopped follow: %v", err)
	}
	tb.settings(t, `{"follow":null}`)
	if tb.st.Settings.Follow != nil {
		t.Fatal("follow not stopped")
	}
}

func TestClearVotes(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	var goal string
	for _, o := range tb.st.SortedObjects() {
		if o.Kind == KindGoal {
			goal = o.ID
		}
	}
	tb.settings(t, `{"voting":{"open":true}}`)
	tb.vote(t, tb.part, goal, 1)
	tb.vote(t, tb.mgr, goal, 1)
	tb.settings(t, `{"voting":{"open":false}}`)
	if tl, _ := tb.st.Tallies(); tl[goal] != 2 {
		t.Fatalf("tallies %v", tl)
	}
	c := tb.settings(t, `{"voting":{"clear":true}}`)
	if !c.ClearVotes || c.Settings.Voting.Clear || tb.st.Settings.Voting.Clear {
		t.Fatalf("clear change %+v, settings %+v", c, tb.st.Settings.Voting)
	}
	if len(tb.st.Votes) != 0 {
		t.Fatalf("votes after clear: %v", tb.st.Votes)
	}
	if v := tb.st.VotesFor(tb.part); len(v.Tallies) != 0 || len(v.Mine) != 0 {
		t.Fatalf("view after clear %+v", v)
	}
	if _, err := tb.st.PrepareSettings(tb.part, "s", json.RawMessage(`{"voting":{"clear":true}}`), testNow); ErrorCode(err) != EForbidden {
		t.Fatalf("a participant cleared votes: %v", err)
	}
}

func TestLastFacilitator(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	before := mustJSON(t, tb.st)
	if _, err := tb.st.PrepareRole(tb.fac, tb.fac.ID, RoleParticipant, testNow); ErrorCode(err) != EConflict {
		t.Fatalf("demoting the last facilitator: %v, want conflict", err)
	}
	if _, err := tb.st.PrepareRole(nil, tb.fac.ID, RoleObserver, testNow); ErrorCode(err) != EConflict {
		t.Fatalf("the organizer demoting the last facilitator: %v, want conflict", err)
	}
	if _, err := tb.st.PrepareRemove(nil, tb.fac.ID, testNow); ErrorCode(err) != EConflict {
		t.Fatalf("removing the last facilitator: %v, want conflict", err)
	}
	if mustJSON(t, tb.st) != before {
		t.Fatal("a refused role change changed the state")
	}
	// With a second facilitator, either may step down.
	c, err := tb.st.PrepareRole(tb.fac, tb.mgr.ID, RoleFacilitator, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tb.st.Apply(c)
	if c, err = tb.st.PrepareRole(tb.mgr, tb.fac.ID, RoleParticipant, testNow); err != nil {
		t.Fatal(err)
	}
	tb.st.Apply(c)
	if _, err := tb.st.PrepareRemove(tb.mgr, tb.mgr.ID, testNow); ErrorCode(err) != EConflict {
		t.Fatalf("the new last facilitator removed: %v", err)
	}
}
