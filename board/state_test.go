package board

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestCreateEachKind(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	lane := create(KindLane, map[string]any{"title": "Fastighetskontoret", "order": 2.0, "color": "#DBEAFE"})
	tb.ops(t, tb.part, lane)
	step := create(KindStep, map[string]any{"text": "Beställ", "lane": lane.ID, "x": 1.0, "y": 2.0, "w": 100.0, "h": 50.0, "color": "#ffffff", "z": "a0"})
	decision := create(KindDecision, map[string]any{"text": "Budget?", "lane": lane.ID, "x": -5.0, "y": 2.5})
	event := create(KindEvent, map[string]any{"text": "Start", "variant": "start", "lane": lane.ID, "x": 0.0, "y": 0.0})
	n := note(3)
	link := create(KindLink, map[string]any{"from": step.ID, "to": decision.ID, "label": "sedan"})
	goal := create(KindGoal, map[string]any{"title": "Fossilfri fordonsflotta", "description": "d", "target": "2030", "indicator": "andel", "owner": "Tekniska", "rank": 1.0})
	frame := create(KindFrame, map[string]any{"title": "Transporter", "x": 0.0, "y": 0.0, "w": 400.0, "h": 300.0})
	c := tb.ops(t, tb.part, step, decision, event, n, link, goal, frame)
	if len(c.Ops) != 7 || c.Type != ChangeOps || c.Author != tb.part.ID || c.Seq != tb.st.Seq {
		t.Fatalf("change %+v", c)
	}
	if got := tb.st.Objects[lane.ID].Text("color"); got != "#dbeafe" {
		t.Fatalf("color stored as %q, want lower case", got)
	}
	o := tb.st.Objects[step.ID]
	if o.CreatedBy != tb.part.ID || o.CreatedAt != c.At || o.UpdatedAt != c.At || o.Kind != KindStep {
		t.Fatalf("server-kept fields: %+v", o)
	}
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
	// Every kind needs its required props.
	for kind, spec := range kindSpecs {
		for name, req := range spec.props {
			if !req {
				continue
			}
			full := map[string]any{}
			for _, op := range []Op{lane, step, decision, event, n, link, goal, frame} {
				if op.Kind == kind {
					for k, v := range op.Props {
						full[k] = v
					}
				}
			}
			delete(full, name)
			tb.fail(t, EInvalid, tb.part, create(kind, full))
		}
	}
}

func TestCreateRules(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	lane := create(KindLane, map[string]any{"title": "L"})
	n := note(0)
	tb.ops(t, tb.fac, lane, n)
	linkOp := create(KindLink, map[string]any{"from": lane.ID, "to": n.ID})
	tb.ops(t, tb.fac, linkOp)

	tb.fail(t, EInvalid, tb.part, create("circle", map[string]any{"x": 1.0, "y": 1.0}))
	tb.fail(t, EInvalid, tb.part, Op{Op: "move", ID: uuid.NewString()})
	tb.fail(t, EInvalid, tb.part, Op{Op: OpCreate, ID: "not-a-uuid", Kind: KindNote, Props: map[string]any{"x": 1.0, "y": 1.0}})
	tb.fail(t, EInvalid, tb.part, Op{Op: OpCreate, ID: strings.ToUpper(uuid.NewString())[:35], Kind: KindNote, Props: map[string]any{"x": 1.0, "y": 1.0}})
	tb.fail(t, EConflict, tb.part, Op{Op: OpCreate, ID: n.ID, Kind: KindNote, Props: map[string]any{"x": 1.0, "y": 1.0}})
	for _, name := range []string{"id", "kind", "createdBy", "createdAt", "updatedAt"} {
		tb.fail(t, EInvalid, tb.part, create(KindNote, map[string]any{"x": 1.0, "y": 1.0, name: "x"}))
	}
	tb.fail(t, EInvalid, tb.part, create(KindNote, map[string]any{"x": 1.0, "y": 1.0, "lane": lane.ID})) // not a note prop
	tb.fail(t, EInvalid, tb.part, create(KindNote, map[string]any{"x": 1.0, "y": 1.0, "shape": "round"}))

	type tc struct {
		kind  string
		base  map[string]any
		prop  string
		good  []any
		bad   []any
		store any // what a good value is stored as, if not itself
	}
	xy := map[string]any{"x": 0.0, "y": 0.0}
	cases := []tc{
		{KindNote, xy, "text", []any{"", "rad\nrad\ttab", long(MaxTextLen)}, []any{long(MaxTextLen + 1), "bell\a", 5.0, "\xff"}, nil},
		{KindLane, nil, "title", []any{"x", long(MaxTitleLen)}, []any{long(MaxTitleLen + 1), 1.0, nil}, nil},
		{KindNote, map[string]any{"y": 0.0}, "x", []any{0.0, -1e6, 1e6, 0.5}, []any{1e6 + 1, -1e6 - 1, math.Inf(1), math.NaN(), "1", true, nil}, nil},
		{KindNote, xy, "w", []any{0.1, 1e6}, []any{0.0, -1.0, 1e6 + 1, "10"}, nil},
		{KindFrame, map[string]any{"x": 0.0, "y": 0.0, "w": 1.0}, "h", []any{1.0}, []any{0.0, -3.0}, nil},
		{KindNote, xy, "color", []any{"#a1b2c3", "#A1B2C3"}, []any{"#abc", "red", "#gggggg", "a1b2c3f", 0xffffff, ""}, "#a1b2c3"},
		{KindEvent, xy, "variant", []any{"start", "end"}, []any{"middle", "", "START", 1.0}, nil},
		{KindNote, xy, "z", []any{"a0", "Zz9", long(0) + strings.Repeat("a", 64)}, []any{"", strings.Repeat("a", 65), "a-b", "å", 1.0}, nil},
		{KindLane, map[string]any{"title": "t"}, "order", []any{-3.0, 2.5}, []any{"1", 2e6}, nil},
		{KindGoal, map[string]any{"title": "t"}, "rank", []any{1.0}, []any{"first"}, nil},
		{KindStep, xy, "lane", []any{lane.ID}, []any{n.ID, uuid.NewString(), "lane", 1.0, linkOp.ID}, nil},
		{KindLink, map[string]any{"to": n.ID}, "from", []any{lane.ID}, []any{n.ID, linkOp.ID, uuid.NewString(), "x"}, nil},
		{KindLink, map[string]any{"from": lane.ID}, "label", []any{"ja", long(MaxTitleLen)}, []any{long(MaxTitleLen + 1)}, nil},
	}
	for _, c := range cases {
		for _, v := range c.good {
			props := map[string]any{c.prop: v}
			for k, b := range c.base {
				props[k] = b
			}
			if c.kind == KindLink && c.prop == "label" {
				props["to"] = n.ID
			}
			op := create(c.kind, props)
			tb.ops(t, tb.part, op)
			want := v
			if c.store != nil {
				want = c.store
			}
			if got := tb.st.Objects[op.ID].Props[c.prop]; got != want {
				t.Fatalf("%s %s = %v stored as %v", c.kind, c.prop, v, got)
			}
		}
		for _, v := range c.bad {
			props := map[string]any{c.prop: v}
			for k, b := range c.base {
				props[k] = b
			}
			if c.kind == KindLink && c.prop == "label" {
				props["to"] = n.ID
			}
			tb.fail(t, EInvalid, tb.part, create(c.kind, props))
		}
	}
	// A link needs two different ends, and cannot point to itself.
	tb.fail(t, EInvalid, tb.part, create(KindLink, map[string]any{"from": n.ID, "to": n.ID}))
	self := create(KindLink, map[string]any{"from": n.ID, "to": lane.ID})
	self.Props["to"] = self.ID
	tb.fail(t, EInvalid, tb.part, self)
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

func TestUpdate(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	lane := create(KindLane, map[string]any{"title": "L"})
	step := create(KindStep, map[string]any{"text": "a", "lane": lane.ID, "x": 1.0, "y": 2.0, "color": "#000000"})
	c1 := tb.ops(t, tb.fac, lane, step)
	c := tb.ops(t, tb.part, update(step.ID, map[string]any{"text": "b", "color": "#FFAA00", "lane": nil}))
	o := tb.st.Objects[step.ID]
	if o.Text("text") != "b" || o.Text("color") != "#ffaa00" || o.Props["lane"] != nil || o.Num("x") != 1 {
		t.Fatalf("after update: %+v", o.Props)
	}
	if _, has := o.Props["lane"]; has {
		t.Fatal("null did not unset lane")
	}
	if o.CreatedBy != tb.fac.ID || o.CreatedAt != c1.At || o.UpdatedAt != c.At {
		t.Fatalf("kept fields after update: %+v", o)
	}
	// The normalized op names exactly the props given, unset ones as nil.
	want := map[string]any{"text": "b", "color": "#ffaa00", "lane": nil}
	if got := c.Ops[0].Props; len(got) != 3 || got["color"] != want["color"] || got["text"] != "b" {
		t.Fatalf("normalized update %v", got)
	}
	if v, has := c.Ops[0].Props["lane"]; !has || v != nil {
		t.Fatal("normalized update lost the unset")
	}
	tb.ops(t, tb.part, Op{Op: OpUpdate, ID: step.ID, Kind: KindStep, Props: map[string]any{"x": 5.0}})
	tb.fail(t, EInvalid, tb.part, Op{Op: OpUpdate, ID: step.ID, Kind: KindNote, Props: map[string]any{"x": 5.0}})
	tb.fail(t, EInvalid, tb.part, update(step.ID, map[string]any{"x": nil})) // required
	tb.fail(t, EInvalid, tb.part, update(step.ID, map[string]any{}))
	tb.fail(t, EInvalid, tb.part, update(step.ID, map[string]any{"variant": "start"}))
	tb.fail(t, EInvalid, tb.part, update(step.ID, map[string]any{"createdBy": "me"}))
	tb.fail(t, ENotFound, tb.part, update(uuid.NewString(), map[string]any{"x": 1.0}))
	tb.fail(t, ENotFound, tb.part, del(uuid.NewString()))
	tb.fail(t, EInvalid, tb.part, Op{Op: OpDelete, ID: step.ID, Props: map[string]any{"x": 1.0}})
	tb.fail(t, EInvalid, tb.part, Op{Op: OpDelete, ID: step.ID, Kind: KindStep})
	// Updating a ref checks it.
	tb.fail(t, EInvalid, tb.part, update(step.ID, map[string]any{"lane": step.ID}))
	tb.ops(t, tb.part, update(step.ID, map[string]any{"lane": lane.ID}))
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteCascades(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	lane := create(KindLane, map[string]any{"title": "L"})
	a := create(KindStep, map[string]any{"lane": lane.ID, "x": 1.0, "y": 1.0})
	b := create(KindDecision, map[string]any{"lane": lane.ID, "x": 1.0, "y": 1.0})
	n := note(0)
	l1 := create(KindLink, map[string]any{"from": a.ID, "to": b.ID})
	l2 := create(KindLink, map[string]any{"from": n.ID, "to": a.ID})
	l3 := create(KindLink, map[string]any{"from": n.ID, "to": b.ID})
	tb.ops(t, tb.fac, lane, a, b, n, l1, l2, l3)
	tb.settings(t, `{"voting":{"open":true,"dots":3,"kinds":["step","note"]}}`)
	tb.vote(t, tb.part, a.ID, 1)
	tb.vote(t, tb.mgr, a.ID, 1)
	tb.vote(t, tb.mgr, n.ID, 1)

	c := tb.ops(t, tb.fac, del(a.ID))
	var got []string
	for _, op := range c.Ops {
		got = append(got, op.Op+":"+op.ID)
	}
	links := []string{l1.ID, l2.ID}
	slices.Sort(links)
	want := []string{"delete:" + links[0], "delete:" + links[1], "delete:" + a.ID}
	if !slices.Equal(got, want) {
		t.Fatalf("delete cascade %v, want %v (links first, by id)", got, want)
	}
	if tb.st.Objects[l1.ID] != nil || tb.st.Objects[l2.ID] != nil || tb.st.Objects[l3.ID] == nil {
		t.Fatal("links of the deleted object were not deleted, or others were")
	}
	// The dots on it are gone, and a voter left with none is no voter.
	if _, ok := tb.st.Votes[tb.part.ID]; ok {
		t.Fatalf("votes of a voter whose only dot was deleted: %v", tb.st.Votes)
	}
	if tb.st.Votes[tb.mgr.ID][n.ID] != 1 || len(tb.st.Votes[tb.mgr.ID]) != 1 {
		t.Fatalf("votes after delete: %v", tb.st.Votes)
	}
	if v := tb.st.VotesFor(tb.fac); *v.Voters != 1 {
		t.Fatalf("voters = %d, want 1", *v.Voters)
	}

	c = tb.ops(t, tb.fac, del(lane.ID))
	if len(c.Ops) != 2 || c.Ops[0].Op != OpUpdate || c.Ops[0].ID != b.ID || c.Ops[1].Op != OpDelete {
		t.Fatalf("lane delete cascade %+v", c.Ops)
	}
	if v, has := c.Ops[0].Props["lane"]; !has || v != nil || len(c.Ops[0].Props) != 1 {
		t.Fatalf("lane cascade op props %v", c.Ops[0].Props)
	}
	if _, has := tb.st.Objects[b.ID].Props["lane"]; has {
		t.Fatal("object kept a deleted lane")
	}
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
	// Replaying the normalized ops on a replica gives the same objects.
}

func TestBatches(t *testing.T) {
	tb := newTestBoard(t, TemplateProcessMap)
	n := note(0)
	// Later ops see earlier ones: create, then use, update and delete.
	lane := create(KindLane, map[string]any{"title": "Ny"})
	step := create(KindStep, map[string]any{"lane": lane.ID, "x": 1.0, "y": 1.0})
	link := create(KindLink, map[string]any{"from": step.ID, "to": n.ID})
	c := tb.ops(t, tb.part, n, lane, step, link, update(step.ID, map[string]any{"text": "t"}), del(lane.ID))
	if tb.st.Objects[step.ID].Props["lane"] != nil || tb.st.Objects[link.ID] == nil || len(c.Ops) != 7 {
		t.Fatalf("batch result %+v", c.Ops)
	}
	// A created and deleted object takes its link with it.
	m := note(1)
	l := create(KindLink, map[string]any{"from": m.ID, "to": n.ID})
	tb.ops(t, tb.part, m, l, del(m.ID))
	if tb.st.Objects[l.ID] != nil || tb.st.Objects[m.ID] != nil {
		t.Fatal("create+link+delete left something")
	}
	// A delete then a create of the same id is fine.
	tb.ops(t, tb.part, del(n.ID), Op{Op: OpCreate, ID: n.ID, Kind: KindFrame, Props: map[string]any{"x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0}})
	if tb.st.Objects[n.ID].Kind != KindFrame {
		t.Fatal("recreate")
	}
	// Atomicity: a failing op anywhere leaves nothing, and says which.
	good := note(5)
	_, err := tb.st.PrepareOps(tb.part, "b", []Op{good, update(good.ID, map[string]any{"x": "far"})}, testNow)
	if ErrorCode(err) != EInvalid || !strings.HasPrefix(ErrorMessage(err), "op 1:") {
		t.Fatalf("error %v, want invalid naming op 1", err)
	}
	tb.fail(t, EInvalid, tb.part, good, update(good.ID, map[string]any{"x": "far"}))
	tb.fail(t, ENotFound, tb.part, note(1), note(2), del(uuid.NewString()))
	tb.fail(t, EConflict, tb.part, good, good)
	if tb.st.Objects[good.ID] != nil {
		t.Fatal("a failed batch left an object")
	}
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

func TestLimitsAndRoles(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	tb.fail(t, EInvalid, tb.part)
	var many []Op
	for i := range MaxOpsPerBatch + 1 {
		many = append(many, note(float64(i)))
	}
	tb.fail(t, ETooLarge, tb.part, many...)
	tb.ops(t, tb.part, many[:MaxOpsPerBatch]...)
	for len(tb.st.Objects) < MaxObjects-2 {
		batch := make([]Op, 0, MaxOpsPerBatch)
		for range min(MaxOpsPerBatch, MaxObjects-2-len(tb.st.Objects)) {
			batch = append(batch, note(1))
		}
		tb.ops(t, tb.fac, batch...)
	}
	tb.fail(t, ETooLarge, tb.part, note(1), note(2), note(3))
	tb.ops(t, tb.part, note(1), note(2))
	tb.fail(t, ETooLarge, tb.part, note(1))
	// Deleting first makes room within the same batch.
	var some string
	for id := range tb.st.Objects {
		some = id
		break
	}
	tb.ops(t, tb.part, del(some), note(1))

	rb := newTestBoard(t, TemplateBlank)
	rb.fail(t, EForbidden, nil, note(1))
	rb.fail(t, EForbidden, rb.obs, note(1))
	rb.settings(t, `{"locked":true}`)
	rb.fail(t, ELocked, rb.part, note(1))
	rb.ops(t, rb.fac, note(1))
	rb.settings(t, `{"locked":false}`)
	rb.ops(t, rb.part, note(1))
}

func TestApplyIgnoresOutOfOrder(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	c, err := tb.st.PrepareOps(tb.part, "b", []Op{note(1)}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	before := mustJSON(t, tb.st)
	skip := *c
	skip.Seq += 1
	tb.st.Apply(&skip)
	if mustJSON(t, tb.st) != before {
		t.Fatal("a change with a gap was applied")
	}
	tb.st.Apply(c)
	after := mustJSON(t, tb.st)
	tb.st.Apply(c)
	if mustJSON(t, tb.st) != after {
		t.Fatal("a change was applied twice")
	}
}

func TestDecodeOps(t *testing.T) {
	ops, err := DecodeOps([]byte(`[{"op":"create","id":"6f1c1f1e-4c7b-4c43-9a57-0d1d6b7e2f10","kind":"note","props":{"x":1,"y":2,"text":"a"}}]`))
	if err != nil || len(ops) != 1 || ops[0].Props["x"] != 1.0 {
		t.Fatalf("DecodeOps: %v %v", ops, err)
	}
	for _, bad := range []string{`[{"op":"create","extra":1}]`, `{}`, `[`, `"x"`} {
		if _, err := DecodeOps([]byte(bad)); ErrorCode(err) != EInvalid {
			t.Errorf("DecodeOps(%s): %v, want invalid", bad, err)
		}
	}
}

func TestObjectJSON(t *testing.T) {
	o := &Object{ID: uuid.NewString(), Kind: KindNote, Props: map[string]any{"text": "a", "x": 1.5}, CreatedBy: "p", CreatedAt: 10, UpdatedAt: 20}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	json.Unmarshal(b, &flat)
	if flat["text"] != "a" || flat["kind"] != KindNote || flat["createdAt"] != 10.0 {
		t.Fatalf("flat JSON %s", b)
	}
	back := &Object{}
	if err := json.Unmarshal(b, back); err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, back) != string(b) {
		t.Fatalf("round trip %s != %s", mustJSON(t, back), b)
	}
	if c := o.Clone(); c.Props["x"] != 1.5 {
		t.Fatal("clone")
	} else {
		c.Props["x"] = 2.0
		if o.Props["x"] != 1.5 {
			t.Fatal("clone shares props")
		}
	}
}

func TestStateCloneIsDeep(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	tb.settings(t, `{"voting":{"open":true,"kinds":["goal"],"dots":2},"focus":{"x":1,"y":1,"zoom":1},"timer":{"seconds":5,"start":true}}`)
	var goal string
	for id, o := range tb.st.Objects {
		if o.Kind == KindGoal {
			goal = id
		}
	}
	tb.vote(t, tb.part, goal, 1)
	want := mustJSON(t, tb.st)
	c := tb.st.Clone()
	for _, o := range c.Objects {
		o.Props["title"] = "x"
	}
	c.Votes[tb.part.ID][goal] = 9
	c.Participants[tb.part.ID].Name = "x"
	c.Settings.Voting.Kinds[0] = "x"
	c.Settings.Focus.X = 9
	*c.Settings.Timer.EndsAt = 9
	c.Tokens["x"] = "y"
	if mustJSON(t, tb.st) != want {
		t.Fatal("Clone shares state")
	}
}
