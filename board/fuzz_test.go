package board

import (
	"fmt"
	"testing"
)

// fuzzBoard is a populated board the fuzz target prepares against: lanes,
// nodes in lanes, links, a goal with votes. Its ids are fixed so that the
// seed corpus can refer to them.
func newFuzzBoard(t testing.TB) *testBoard {
	tb := newTestBoard(t, TemplateProcessMap)
	id := func(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }
	ops := []Op{
		{Op: OpCreate, ID: id(1), Kind: KindLane, Props: map[string]any{"title": "L1", "order": 9.0}},
		{Op: OpCreate, ID: id(2), Kind: KindStep, Props: map[string]any{"text": "s", "lane": id(1), "x": 1.0, "y": 1.0}},
		{Op: OpCreate, ID: id(3), Kind: KindDecision, Props: map[string]any{"lane": id(1), "x": 1.0, "y": 1.0}},
		{Op: OpCreate, ID: id(4), Kind: KindNote, Props: map[string]any{"text": "n", "x": 1.0, "y": 1.0, "color": "#ffffff"}},
		{Op: OpCreate, ID: id(5), Kind: KindLink, Props: map[string]any{"from": id(2), "to": id(3)}},
		{Op: OpCreate, ID: id(6), Kind: KindLink, Props: map[string]any{"from": id(4), "to": id(1), "label": "x"}},
		{Op: OpCreate, ID: id(7), Kind: KindGoal, Props: map[string]any{"title": "g", "rank": 1.0}},
		{Op: OpCreate, ID: id(8), Kind: KindFrame, Props: map[string]any{"x": 0.0, "y": 0.0, "w": 10.0, "h": 10.0}},
		{Op: OpCreate, ID: id(9), Kind: KindAction, Props: map[string]any{"title": "a", "goal": id(7), "due": "2027-01-31", "status": "planned", "x": 1.0, "y": 1.0}},
	}
	tb.ops(t, tb.fac, ops...)
	tb.settings(t, `{"voting":{"open":true,"kinds":["note","step","goal"]}}`)
	for _, target := range []string{id(2), id(4), id(7)} {
		tb.vote(t, tb.part, target, 1)
	}
	return tb
}

// FuzzPrepareOps decodes arbitrary bytes as a batch, prepares it on a
// populated board and applies an accepted change to a copy. It must never
// panic, a rejected batch must leave the board as it was, and an accepted
// one must leave every object valid for its kind, with its references
// intact.
func FuzzPrepareOps(f *testing.F) {
	seeds := []string{
		`[{"op":"create","id":"00000000-0000-4000-8000-000000000099","kind":"note","props":{"x":1,"y":2,"text":"a","color":"#ABCDEF"}}]`,
		`[{"op":"delete","id":"00000000-0000-4000-8000-000000000001"}]`,
		`[{"op":"delete","id":"00000000-0000-4000-8000-000000000002"},{"op":"delete","id":"00000000-0000-4000-8000-000000000003"}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000002","props":{"lane":null,"x":5}}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000005","props":{"to":"00000000-0000-4000-8000-000000000002"}}]`,
		`[{"op":"create","id":"00000000-0000-4000-8000-000000000098","kind":"link","props":{"from":"00000000-0000-4000-8000-000000000098","to":"00000000-0000-4000-8000-000000000004"}}]`,
		`[{"op":"create","id":"00000000-0000-4000-8000-000000000097","kind":"lane","props":{"title":"x"}},{"op":"update","id":"00000000-0000-4000-8000-000000000004","props":{"lane":"00000000-0000-4000-8000-000000000097"}}]`,
		`[{"op":"create","id":"00000000-0000-4000-8000-000000000096","kind":"event","props":{"variant":"end","x":1,"y":1,"z":"a0"}},{"op":"delete","id":"00000000-0000-4000-8000-000000000096"}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000007","kind":"goal","props":{"rank":null,"title":"t"}}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000008","props":{"w":0}}]`,
		`[{"op":"delete","id":"00000000-0000-4000-8000-000000000002"},{"op":"delete","id":"00000000-0000-4000-8000-000000000004"},{"op":"delete","id":"00000000-0000-4000-8000-000000000007"}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000009","props":{"due":"2027-02-29","status":"done"}}]`,
		`[{"op":"update","id":"00000000-0000-4000-8000-000000000009","props":{"goal":"00000000-0000-4000-8000-000000000004"}}]`,
		`[]`, `null`, `[{}]`, `[{"op":"delete"}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	base := newFuzzBoard(f)
	baseJSON := mustJSON(f, base.st)
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := DecodeOps(data)
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("DecodeOps error code %q", ErrorCode(err))
			}
			return
		}
		// base is shared between runs: PrepareOps must not change it.
		for _, p := range []*Participant{base.part, base.fac} {
			c, err := base.st.PrepareOps(p, "b", ops, testNow+1)
			if got := mustJSON(t, base.st); got != baseJSON {
				t.Fatalf("PrepareOps changed the state it was given")
			}
			if err != nil {
				if ErrorCode(err) == EInternal {
					t.Fatalf("PrepareOps: %v", err)
				}
				continue
			}
			if c.Seq != base.st.Seq+1 || c.Type != ChangeOps || len(c.Ops) < len(ops) {
				t.Fatalf("change %+v for %d ops", c, len(ops))
			}
			st := base.st.Clone()
			st.Apply(c)
			if st.Seq != c.Seq {
				t.Fatal("the change was not applied")
			}
			if err := checkObjects(st); err != nil {
				t.Fatalf("after %s: %v", data, err)
			}
			// A replica that applies only the normalized ops agrees.
			objs := base.st.Clone().Objects
			for i := range c.Ops {
				ApplyOp(objs, &c.Ops[i], c.Author, c.At)
			}
			if mustJSON(t, objs) != mustJSON(t, st.Objects) {
				t.Fatal("a replica applying the normalized ops differs")
			}
		}
	})
}
