package board

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
)

const testNow = int64(1_700_000_000_000)

// testBoard is a state with a facilitator, a participant (a politician)
// and an observer.
type testBoard struct {
	st                  *State
	fac, part, obs, mgr *Participant
}

func newTestBoard(t testing.TB, template string) *testBoard {
	t.Helper()
	st, err := NewBoard(Info{ID: uuid.NewString(), Municipality: "1480", Template: template, JoinCode: "KMQ4X7"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tb := &testBoard{st: st}
	join := func(name, position, role string) *Participant {
		p := &Participant{ID: uuid.NewString(), Name: name, Administration: "Miljö", Position: position, Role: role}
		c, err := st.PrepareJoin(p, HashToken(p.ID), testNow)
		if err != nil {
			t.Fatal(err)
		}
		st.Apply(c)
		return st.Participants[p.ID]
	}
	tb.fac = join("Fia", PositionOfficial, RoleFacilitator)
	tb.part = join("Per", PositionPolitician, RoleParticipant)
	tb.obs = join("Olle", PositionOther, RoleObserver)
	tb.mgr = join("Maja", PositionManager, RoleParticipant)
	return tb
}

// ops prepares a batch as p and applies it; it fails the test on error.
func (tb *testBoard) ops(t testing.TB, p *Participant, ops ...Op) *Change {
	t.Helper()
	c, err := tb.st.PrepareOps(p, "batch", ops, testNow+int64(tb.st.Seq))
	if err != nil {
		t.Fatalf("PrepareOps: %v", err)
	}
	tb.st.Apply(c)
	return c
}

// fail prepares a batch that must fail with code and must not change the
// state.
func (tb *testBoard) fail(t testing.TB, code string, p *Participant, ops ...Op) {
	t.Helper()
	before := mustJSON(t, tb.st)
	c, err := tb.st.PrepareOps(p, "batch", ops, testNow)
	if err == nil {
		t.Fatalf("PrepareOps(%s) succeeded with %s, want %s", mustJSON(t, ops), mustJSON(t, c.Ops), code)
	}
	if got := ErrorCode(err); got != code {
		t.Fatalf("PrepareOps(%s): %v, want code %s", mustJSON(t, ops), err, code)
	}
	if after := mustJSON(t, tb.st); after != before {
		t.Fatalf("a failed PrepareOps changed the state")
	}
}

func (tb *testBoard) settings(t testing.TB, patch string) *Change {
	t.Helper()
	c, err := tb.st.PrepareSettings(tb.fac, "s", json.RawMessage(patch), testNow)
	if err != nil {
		t.Fatalf("PrepareSettings(%s): %v", patch, err)
	}
	tb.st.Apply(c)
	return c
}

func (tb *testBoard) vote(t testing.TB, p *Participant, target string, delta int) {
	t.Helper()
	c, err := tb.st.PrepareVote(p, "v", target, delta, testNow)
	if err != nil {
		t.Fatalf("PrepareVote: %v", err)
	}
	tb.st.Apply(c)
}

func create(kind string, props map[string]any) Op {
	return Op{Op: OpCreate, ID: uuid.NewString(), Kind: kind, Props: props}
}

func update(id string, props map[string]any) Op { return Op{Op: OpUpdate, ID: id, Props: props} }

func del(id string) Op { return Op{Op: OpDelete, ID: id} }

func note(x float64) Op {
	return create(KindNote, map[string]any{"text": "idé", "x": x, "y": 0.0})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkObjects reports the first object of st that breaks its kind's rules:
// kind, required and allowed props, values, and references.
func checkObjects(st *State) error {
	for id, o := range st.Objects {
		if id != o.ID || !ValidID(id) {
			return fmt.Errorf("object under %q has id %q", id, o.ID)
		}
		spec, ok := kindSpecs[o.Kind]
		if !ok {
			return fmt.Errorf("object %s has kind %q", id, o.Kind)
		}
		for name, req := range spec.props {
			if _, has := o.Props[name]; req && !has {
				return fmt.Errorf("%s %s lacks %q", o.Kind, id, name)
			}
		}
		for name, v := range o.Props {
			if _, ok := spec.props[name]; !ok {
				return fmt.Errorf("%s %s has prop %q", o.Kind, id, name)
			}
			nv, err := checkValue(name, v)
			if err != nil {
				return fmt.Errorf("%s %s: %v", o.Kind, id, err)
			}
			if s, ok := nv.(string); ok && propSpecs[name].typ == tColor && s != v {
				return fmt.Errorf("%s %s: color %v not normalized", o.Kind, id, v)
			}
			switch propSpecs[name].typ {
			case tLaneRef:
				if r := st.Objects[v.(string)]; r == nil || r.Kind != KindLane {
					return fmt.Errorf("%s %s: lane %v is not a lane", o.Kind, id, v)
				}
			case tGoalRef:
				if r := st.Objects[v.(string)]; r == nil || r.Kind != KindGoal {
					return fmt.Errorf("%s %s: goal %v is not a goal", o.Kind, id, v)
				}
			case tNodeRef:
				if r := st.Objects[v.(string)]; r == nil || r.Kind == KindLink || r.ID == id {
					return fmt.Errorf("%s %s: %s %v is not a node", o.Kind, id, name, v)
				}
			}
		}
		if o.Kind == KindLink && o.Props["from"] == o.Props["to"] {
			return fmt.Errorf("link %s has equal ends", id)
		}
	}
	for voter, m := range st.Votes {
		if len(m) == 0 {
			return fmt.Errorf("voter %s has an empty vote map", voter)
		}
		for target, n := range m {
			if st.Objects[target] == nil || n <= 0 {
				return fmt.Errorf("voter %s has %d dots on %s", voter, n, target)
			}
		}
	}
	if len(st.Objects) > MaxObjects {
		return fmt.Errorf("%d objects", len(st.Objects))
	}
	return nil
}

func long(n int) string { return strings.Repeat("å", n) }
