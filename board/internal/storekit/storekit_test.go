package storekit

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// changes returns a board and a list of prepare functions covering every
// change type, including the ones with side effects on other records
// (cascading deletes, dots on deleted objects, opening a vote, removal).
func changes(t *testing.T) (*board.State, []func(st *board.State) (*board.Change, error)) {
	st, err := board.NewBoard(board.Info{ID: "b", Template: board.TemplateProcessMap}, 1)
	if err != nil {
		t.Fatal(err)
	}
	fac, p2, fac2 := uuid.NewString(), uuid.NewString(), uuid.NewString()
	lane, step, n1, n2, link := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	n3 := uuid.NewString()
	join := func(id, role string) func(st *board.State) (*board.Change, error) {
		return func(st *board.State) (*board.Change, error) {
			return st.PrepareJoin(&board.Participant{ID: id, Name: "N", Position: board.PositionManager, Role: role}, "hash-"+id, 2)
		}
	}
	ops := func(ops ...board.Op) func(st *board.State) (*board.Change, error) {
		return func(st *board.State) (*board.Change, error) { return st.PrepareOps(st.Participants[fac], "b", ops, 3) }
	}
	settings := func(patch string) func(st *board.State) (*board.Change, error) {
		return func(st *board.State) (*board.Change, error) {
			return st.PrepareSettings(st.Participants[fac], "s", json.RawMessage(patch), 4)
		}
	}
	vote := func(voter, target string, d int) func(st *board.State) (*board.Change, error) {
		return func(st *board.State) (*board.Change, error) {
			return st.PrepareVote(st.Participants[voter], "v", target, d, 5)
		}
	}
	xy := func(m map[string]any) map[string]any { m["x"], m["y"] = 1.0, 2.0; return m }
	return st, []func(st *board.State) (*board.Change, error){
		join(fac, board.RoleFacilitator),
		join(p2, board.RoleParticipant),
		join(fac2, board.RoleFacilitator),
		ops(board.Op{Op: board.OpCreate, ID: lane, Kind: board.KindLane, Props: map[string]any{"title": "L"}},
			board.Op{Op: board.OpCreate, ID: step, Kind: board.KindStep, Props: xy(map[string]any{"lane": lane})},
			board.Op{Op: board.OpCreate, ID: n1, Kind: board.KindNote, Props: xy(map[string]any{})},
			board.Op{Op: board.OpCreate, ID: n2, Kind: board.KindNote, Props: xy(map[string]any{})},
			board.Op{Op: board.OpCreate, ID: link, Kind: board.KindLink, Props: map[string]any{"from": step, "to": n1}}),
		settings(`{"voting":{"open":true,"dots":3}}`),
		vote(fac, n1, 1), vote(p2, n1, 1), vote(p2, n2, 1), vote(p2, n2, 1), vote(p2, n2, -1),
		ops(board.Op{Op: board.OpDelete, ID: n1}, board.Op{Op: board.OpUpdate, ID: step, Props: map[string]any{"text": "t", "color": "#ABCDEF"}}),
		ops(board.Op{Op: board.OpDelete, ID: lane}),
		// A private round: the reveal rewrites the notes it shows.
		settings(`{"private":true}`),
		func(st *board.State) (*board.Change, error) {
			return st.PrepareOps(st.Participants[p2], "b", []board.Op{{Op: board.OpCreate, ID: n3, Kind: board.KindNote, Props: xy(map[string]any{})}}, 3)
		},
		settings(`{"private":false}`),
		vote(p2, n3, 1),
		settings(`{"voting":{"clear":true}}`),
		func(st *board.State) (*board.Change, error) { return st.PrepareRole(nil, p2, board.RoleObserver, 6) },
		settings(`{"voting":{"open":false},"phase":"Hinder"}`),
		settings(`{"voting":{"open":true}}`),
		vote(fac, n2, 1),
		func(st *board.State) (*board.Change, error) { return st.PrepareRemove(nil, p2, 7) },
		vote(fac, step, 1),
		func(st *board.State) (*board.Change, error) { return st.PrepareRemove(nil, fac, 8) },
	}
}

// diff is what a store would have to write to turn before into after,
// found by comparing every record.
func diff(t *testing.T, before, after *board.State) *Writes {
	b, err := Encode(before)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Encode(after)
	if err != nil {
		t.Fatal(err)
	}
	w := &Writes{Objects: map[string][]byte{}, Participants: map[string][]byte{}, Tokens: map[string]string{}, Votes: map[string][]byte{}}
	cmp := func(out, b, a map[string][]byte) {
		for k, v := range a {
			if !bytes.Equal(b[k], v) {
				out[k] = v
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				out[k] = nil
			}
		}
	}
	cmp(w.Objects, b.Objects, a.Objects)
	cmp(w.Participants, b.Participants, a.Participants)
	cmp(w.Votes, b.Votes, a.Votes)
	for k, v := range a.Tokens {
		if b.Tokens[k] != v {
			w.Tokens[k] = v
		}
	}
	for k := range b.Tokens {
		if _, ok := a.Tokens[k]; !ok {
			w.Tokens[k] = ""
		}
	}
	if !bytes.Equal(a.Settings, b.Settings) {
		w.Settings = a.Settings
	}
	return w
}

// TestWritesCoverEveryChange checks that the records Touch names, computed
// on a partial copy, are exactly what changes between the full states, for
// every kind of change: what both stores write is then complete.
func TestWritesCoverEveryChange(t *testing.T) {
	st, prepares := changes(t)
	for i, prepare := range prepares {
		c, err := prepare(st)
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		touched := Touch(st, c)
		part := touched.Partial(st)
		before := st.Clone()
		part.Apply(c)
		w, err := touched.Writes(part)
		if err != nil {
			t.Fatal(err)
		}
		st.Apply(c)
		// The partial copy must not have touched the real state.
		want := diff(t, before, st)
		check := func(what string, got, want map[string][]byte) {
			for k, v := range want {
				if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
					t.Fatalf("change %d (%s): %s %s: wrote %q, want %q", i, c.Type, what, k, g, v)
				}
			}
			for k, v := range got {
				if _, ok := want[k]; !ok {
					// Writing an unchanged record is harmless but must be
					// the same value.
					b, _ := Encode(st)
					var cur []byte
					switch what {
					case "object":
						cur = b.Objects[k]
					case "participant":
						cur = b.Participants[k]
					case "votes":
						cur = b.Votes[k]
					}
					if !bytes.Equal(cur, v) {
						t.Fatalf("change %d: extra %s write %s = %q, is %q", i, what, k, v, cur)
					}
				}
			}
		}
		check("object", w.Objects, want.Objects)
		check("participant", w.Participants, want.Participants)
		check("votes", w.Votes, want.Votes)
		for k, v := range want.Tokens {
			if g, ok := w.Tokens[k]; !ok || g != v {
				t.Fatalf("change %d: token %s: wrote %q, want %q", i, k, g, v)
			}
		}
		if want.Settings != nil && !bytes.Equal(w.Settings, want.Settings) {
			t.Fatalf("change %d: settings %s, want %s", i, w.Settings, want.Settings)
		}
		// Records round trip: decoding what Encode wrote gives the state.
		rec, err := Encode(st)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Decode(rec)
		if err != nil {
			t.Fatal(err)
		}
		if x, y := jsonOf(t, back), jsonOf(t, st); x != y {
			t.Fatalf("change %d: decode(encode) differs:\n%s\n%s", i, x, y)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLive(t *testing.T) {
	l := NewLive[int](2)
	b := l.Acquire("x")
	if _, _, err := b.Subscribe(context.Background()); board.ErrorCode(err) != board.EInternal {
		t.Fatalf("subscribe before load: %v", err)
	}
	st := board.NewState(board.Info{ID: "x"}, board.Settings{})
	b.Replace(st)
	ch := func(seq uint64) *board.Change { return &board.Change{Seq: seq, Type: board.ChangeVote} }
	if r := b.Advance(ch(2)); r != Gap {
		t.Fatalf("gap: %v", r)
	}
	s1, c1, _ := b.Subscribe(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	_, c2, _ := b.Subscribe(ctx)
	if r := b.Advance(ch(1)); r != Applied {
		t.Fatalf("next: %v", r)
	}
	if r := b.Advance(ch(1)); r != Old {
		t.Fatalf("old: %v", r)
	}
	if s1.Seq != 0 || (<-c1).Seq != 1 || (<-c2).Seq != 1 {
		t.Fatal("fan-out")
	}
	cancel()
	waitClosed(t, c2)
	// c1 is not read: with a buffer of 2, the third change drops it.
	b.Advance(ch(2))
	b.Advance(ch(3))
	b.Advance(ch(4))
	if b.Subscribers() != 0 {
		t.Fatal("a full subscriber was kept")
	}
	if (<-c1).Seq != 2 || (<-c1).Seq != 3 {
		t.Fatal("the buffered changes were lost")
	}
	waitClosed(t, c1)
	// Replace with another seq closes subscribers; with the same keeps them.
	_, c3, _ := b.Subscribe(context.Background())
	same := board.NewState(board.Info{ID: "x"}, board.Settings{})
	same.Seq = 4
	b.Replace(same)
	if b.Subscribers() != 1 {
		t.Fatal("replace at the same seq dropped a subscriber")
	}
	later := same.Clone()
	later.Seq = 9
	b.Replace(later)
	waitClosed(t, c3)
	// Eviction only of unheld, idle entries without subscribers.
	if ev := l.Evict(0); len(ev) != 0 {
		t.Fatal("evicted a held entry")
	}
	l.Release(b)
	_, c4, _ := b.Subscribe(context.Background())
	// A negative idle time counts every entry as idle, however recently
	// used: only the subscriber may keep it.
	if ev := l.Evict(-time.Hour); len(ev) != 0 {
		t.Fatal("evicted an entry with a subscriber")
	}
	l.Close()
	waitClosed(t, c4)
	if _, _, err := b.Subscribe(context.Background()); board.ErrorCode(err) != board.EUnavailable {
		t.Fatalf("subscribe after close: %v", err)
	}
	if ev := l.Evict(-time.Hour); len(ev) != 1 {
		t.Fatal("did not evict")
	}
	// An entry that never got a state is dropped on release.
	e := l.Acquire("y")
	l.Release(e)
	if l.Lookup("y") != nil {
		t.Fatal("an empty entry was kept")
	}
}

func waitClosed(t *testing.T, ch <-chan *board.Change) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed")
		}
	}
}

// A board with no stored summary is loaded and summed up; one that does
// not exist is left out; any other load error is the answer.
func TestCompleteSummaries(t *testing.T) {
	ctx := context.Background()
	old, err := board.NewBoard(board.Info{ID: "old", Template: board.TemplateGoalWorkshop, CreatedAt: time.UnixMilli(7)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	stored := &board.Summary{Board: "stored"}
	load := func(_ context.Context, id string) (*board.State, error) {
		switch id {
		case "old":
			return old, nil
		case "broken":
			return nil, board.Errorf(board.EUnavailable, "the store cannot be reached")
		}
		return nil, board.Errorf(board.ENotFound, "no board %s", id)
	}
	ids := []string{"gone", "stored", "old", "nowhere"}
	sums, err := CompleteSummaries(ctx, ids, []*board.Summary{nil, stored, nil, nil}, []int{2, 3}, load)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[0] != stored || sums[1].Board != "old" || len(sums[1].Goals) == 0 || sums[1].ActiveAt != 7 {
		t.Fatalf("summaries: %s", mustJSON(t, sums))
	}
	if _, err := CompleteSummaries(ctx, []string{"broken"}, []*board.Summary{nil}, []int{0}, load); board.ErrorCode(err) != board.EUnavailable {
		t.Fatalf("a load that fails: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
