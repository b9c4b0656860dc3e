// This file is long because it is the core of the store conformance
// suite: each test is short and they share the fixtures defined here.

// Package storetest is the conformance suite of board.Store: every adapter's
// tests run it with the same expectations.
//
// The open function given to Run returns a new, empty store for the test t.
// Called again with the same t it must return a store over the same data
// (same directory, same Redis), which is how the suite closes and reopens a
// store. It must register the store's Close with t.Cleanup (Close is called
// twice then, which must be harmless), and configure the store with a change
// log of LogBound changes and subscriber channels of SubscriberBuffer
// changes.
//
// This file is long because it is one test per promise of the Store
// contract (catalog, commits, catch-up, subscriptions, reopen), each short;
// the newer areas (accounts, strategies, summaries) have files of their own.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// LogBound is the change-log bound the suite expects the stores to have.
const LogBound = 20

// SubscriberBuffer is the subscriber channel size the suite expects.
const SubscriberBuffer = 16

// Run runs the conformance suite against the stores open returns.
func Run(t *testing.T, open func(t *testing.T) board.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) board.Store)
	}{
		{"Meta", testMeta},
		{"Municipalities", testMunicipalities},
		{"Strategies", testStrategies},
		{"Boards", testBoards},
		{"JoinCodes", testJoinCodes},
		{"LoadPrivateCopy", testLoadPrivateCopy},
		{"Commit", testCommit},
		{"CommitErrors", testCommitErrors},
		{"CommitAllChangeTypes", testAllChangeTypes},
		{"CommitConcurrent", testCommitConcurrent},
		{"Since", testSince},
		{"SinceTooOld", testSinceTooOld},
		{"Subscribe", testSubscribe},
		{"SubscribeConcurrent", testSubscribeConcurrent},
		{"SubscribeCancel", testSubscribeCancel},
		{"SubscribeSlow", testSubscribeSlow},
		{"CloseEndsSubscriptions", testCloseEndsSubscriptions},
		{"Exports", testExports},
		{"Reopen", testReopen},
		{"Backup", testBackup},
		{"Erase", testErase},
		{"DeleteBoard", testDeleteBoard},
		{"RevokeJoinCode", testRevokeJoinCode},
		{"DeleteExports", testDeleteExports},
		{"Lease", testLease},
		{"LastChange", testLastChange},
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"Audit", testAudit},
		{"Actions", testActions},
		{"Series", testSeries},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// timeout bounds every wait of the suite, so a broken store fails instead
// of hanging.
const timeout = 15 * time.Second

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := board.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
	var be *board.Error
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T) is not a *board.Error", err, err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// stateJSON renders a state canonically (sorted map keys) for comparison.
func stateJSON(t testing.TB, st *board.State) string {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameState(t testing.TB, what string, got, want *board.State) {
	t.Helper()
	if g, w := stateJSON(t, got), stateJSON(t, want); g != w {
		t.Fatalf("%s: state differs\n got: %s\nwant: %s", what, g, w)
	}
}

// fixture is a board with a facilitator, ready for commits.
type fixture struct {
	s   board.Store
	id  string
	fac string // the facilitator's participant id
}

func municipality(t testing.TB, s board.Store, code string) {
	t.Helper()
	err := s.CreateMunicipality(ctxT(t), &board.Municipality{Code: code, Name: "Kommun " + code, CreatedAt: now()})
	if err != nil && board.ErrorCode(err) != board.EConflict {
		t.Fatal(err)
	}
}

// newBoard creates a board from template in municipality 1480 and joins a
// facilitator.
func newBoard(t testing.TB, s board.Store, template string) *fixture {
	t.Helper()
	municipality(t, s, "1480")
	info := board.Info{ID: uuid.NewString(), Title: "Workshop", Municipality: "1480", Template: template, JoinCode: board.NewJoinCode(), CreatedAt: now()}
	st, err := board.NewBoard(info, now().UnixMilli())
	must(t, err)
	must(t, s.CreateBoard(ctxT(t), st))
	f := &fixture{s: s, id: info.ID, fac: uuid.NewString()}
	f.join(t, f.fac, board.RoleFacilitator)
	return f
}

func (f *fixture) join(t testing.TB, id, role string) *board.Change {
	t.Helper()
	p := &board.Participant{ID: id, Name: "Anna " + id[:4], Administration: "Miljöförvaltningen", Position: board.PositionOfficial, Role: role}
	c, err := f.s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		return st.PrepareJoin(p, board.HashToken(id), now().UnixMilli())
	})
	must(t, err)
	return c
}

func noteOp(id, text string, x float64) board.Op {
	return board.Op{Op: board.OpCreate, ID: id, Kind: board.KindNote, Props: map[string]any{"text": text, "x": x, "y": 10.0}}
}

// ops commits a batch as the facilitator.
func (f *fixture) ops(ctx context.Context, ops ...board.Op) (*board.Change, error) {
	return f.s.Commit(ctx, f.id, func(st *board.State) (*board.Change, error) {
		return st.PrepareOps(st.Participants[f.fac], uuid.NewString(), ops, now().UnixMilli())
	})
}

// note commits a batch creating one note and returns its change.
func (f *fixture) note(t testing.TB, text string) *board.Change {
	t.Helper()
	c, err := f.ops(ctxT(t), noteOp(uuid.NewString(), text, 1))
	must(t, err)
	return c
}

func (f *fixture) load(t testing.TB) *board.State {
	t.Helper()
	st, err := f.s.Load(ctxT(t), f.id)
	must(t, err)
	return st
}

func testMeta(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	v, err := s.InitMeta(ctx, "organizer-key", "first")
	must(t, err)
	if v != "first" {
		t.Fatalf("InitMeta = %q, want first", v)
	}
	v, err = s.InitMeta(ctx, "organizer-key", "second")
	must(t, err)
	if v != "first" {
		t.Fatalf("second InitMeta = %q, want the first value", v)
	}
	v, err = s.InitMeta(ctx, "other", "x")
	must(t, err)
	if v != "x" {
		t.Fatalf("InitMeta(other) = %q", v)
	}
	must(t, s.Ping(ctx))
}

func testMunicipalities(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	list, err := s.Municipalities(ctx)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("new store has %d municipalities", len(list))
	}
	for _, code := range []string{"1480", "0114", "2584", "1280"} {
		m := &board.Municipality{Code: code, Name: "K" + code, County: "Län", Cluster: "Väst", CreatedAt: now()}
		must(t, s.CreateMunicipality(ctx, m))
	}
	wantCode(t, s.CreateMunicipality(ctx, &board.Municipality{Code: "1480", Name: "Again"}), board.EConflict)
	m, err := s.Municipality(ctx, "1480")
	must(t, err)
	if m.Code != "1480" || m.Name != "K1480" || m.Cluster != "Väst" || m.County != "Län" || m.CreatedAt.IsZero() {
		t.Fatalf("Municipality(1480) = %+v", m)
	}
	_, err = s.Municipality(ctx, "9999")
	wantCode(t, err, board.ENotFound)
	list, err = s.Municipalities(ctx)
	must(t, err)
	var codes []string
	for _, m := range list {
		codes = append(codes, m.Code)
	}
	if want := []string{"0114", "1280", "1480", "2584"}; !slices.Equal(codes, want) {
		t.Fatalf("Municipalities = %v, want %v", codes, want)
	}
}

func testStrategies(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	st := &board.Strategy{ID: uuid.NewString(), Municipality: "1480", Title: "Energi- och klimatstrategi", Revision: "2026", CreatedAt: now()}
	wantCode(t, s.CreateStrategy(ctx, st), board.ENotFound)
	municipality(t, s, "1480")
	municipality(t, s, "0114")
	var ids []string
	for i := range 3 {
		st := &board.Strategy{ID: uuid.NewString(), Municipality: "1480", Title: "Strategi", Revision: fmt.Sprint(2024 + i), CreatedAt: now()}
		must(t, s.CreateStrategy(ctx, st))
		ids = append(ids, st.ID)
	}
	must(t, s.CreateStrategy(ctx, &board.Strategy{ID: uuid.NewString(), Municipality: "0114", Title: "Annan", Revision: "1", CreatedAt: now()}))
	// The same title and revision again (case and spaces aside) is refused
	// and changes nothing; the same title in another municipality or at
	// another revision is a strategy of its own.
	dup := &board.Strategy{ID: uuid.NewString(), Municipality: "1480", Title: " strategi ", Revision: "2025", CreatedAt: now()}
	wantCode(t, s.CreateStrategy(ctx, dup), board.EConflict)
	_, err := s.Strategy(ctx, dup.ID)
	wantCode(t, err, board.ENotFound)
	must(t, s.CreateStrategy(ctx, &board.Strategy{ID: uuid.NewString(), Municipality: "0114", Title: "Strategi", Revision: "2025", CreatedAt: now()}))
	got, err := s.Strategy(ctx, ids[1])
	must(t, err)
	if got.ID != ids[1] || got.Municipality != "1480" || got.Revision != "2025" || got.Title != "Strategi" {
		t.Fatalf("Strategy = %+v", got)
	}
	_, err = s.Strategy(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
	list, err := s.Strategies(ctx, "1480")
	must(t, err)
	var gotIDs []string
	for _, st := range list {
		gotIDs = append(gotIDs, st.ID)
	}
	if !slices.Equal(gotIDs, ids) {
		t.Fatalf("Strategies(1480) = %v, want %v in creation order", gotIDs, ids)
	}
	list, err = s.Strategies(ctx, "2584")
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("Strategies(2584) = %v, want none", list)
	}
}

func testBoards(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	municipality(t, s, "1480")
	municipality(t, s, "0114")
	var infos []board.Info
	for i, tpl := range []string{board.TemplateBlank, board.TemplateProcessMap, board.TemplateGoalWorkshop} {
		mun := "1480"
		if i == 1 {
			mun = "0114"
		}
		info := board.Info{ID: uuid.NewString(), Title: fmt.Sprint("Board ", i), Municipality: mun, Strategy: "s", Template: tpl, JoinCode: board.NewJoinCode(), CreatedAt: now()}
		st, err := board.NewBoard(info, now().UnixMilli())
		must(t, err)
		must(t, s.CreateBoard(ctx, st))
		infos = append(infos, info)
		got, err := s.Load(ctx, info.ID)
		must(t, err)
		if got.Seq != 0 {
			t.Fatalf("new board has seq %d", got.Seq)
		}
		sameState(t, "new board", got, st)
	}
	st, _ := board.NewBoard(board.Info{ID: infos[0].ID, Municipality: "1480", Template: board.TemplateBlank, JoinCode: board.NewJoinCode()}, 1)
	wantCode(t, s.CreateBoard(ctx, st), board.EConflict)
	// Every store answers a board without an id alike (board.CheckNew).
	noID, _ := board.NewBoard(board.Info{Municipality: "1480", Template: board.TemplateBlank, JoinCode: board.NewJoinCode()}, 1)
	wantCode(t, s.CreateBoard(ctx, noID), board.EInvalid)

	all, err := s.Boards(ctx, "")
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("Boards(\"\") has %d boards, want 3", len(all))
	}
	for i, info := range all {
		if info.ID != infos[i].ID || !info.CreatedAt.Equal(infos[i].CreatedAt) || info.Municipality != infos[i].Municipality ||
			info.Title != infos[i].Title || info.JoinCode != infos[i].JoinCode || info.Template != infos[i].Template || info.Strategy != "s" {
			t.Fatalf("Boards[%d] = %+v, want %+v", i, info, infos[i])
		}
	}
	mine, err := s.Boards(ctx, "1480")
	must(t, err)
	if len(mine) != 2 || mine[0].ID != infos[0].ID || mine[1].ID != infos[2].ID {
		t.Fatalf("Boards(1480) = %v, want boards 0 and 2 in creation order", mine)
	}
	none, err := s.Boards(ctx, "2584")
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("Boards(2584) = %v", none)
	}

	_, err = s.Load(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
	_, err = s.Commit(ctx, uuid.NewString(), func(st *board.State) (*board.Change, error) {
		t.Error("prepare ran for a board that does not exist")
		return nil, nil
	})
	wantCode(t, err, board.ENotFound)
	_, err = s.Since(ctx, uuid.NewString(), 0)
	wantCode(t, err, board.ENotFound)
	_, _, err = s.Subscribe(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
}

func testJoinCodes(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	a := newBoard(t, s, board.TemplateBlank)
	b := newBoard(t, s, board.TemplateBlank)
	codeA := a.load(t).Info.JoinCode
	codeB := b.load(t).Info.JoinCode
	id, err := s.BoardByJoinCode(ctx, codeA)
	must(t, err)
	if id != a.id {
		t.Fatalf("BoardByJoinCode = %s, want %s", id, a.id)
	}
	_, err = s.BoardByJoinCode(ctx, "XXXXXX")
	wantCode(t, err, board.ENotFound)

	// A new board cannot take a code in use.
	st, _ := board.NewBoard(board.Info{ID: uuid.NewString(), Municipality: "1480", Template: board.TemplateBlank, JoinCode: codeA, CreatedAt: now()}, 1)
	wantCode(t, s.CreateBoard(ctx, st), board.EConflict)
	_, err = s.Load(ctx, st.Info.ID)
	wantCode(t, err, board.ENotFound)

	wantCode(t, s.SetJoinCode(ctx, a.id, codeB), board.EConflict)
	wantCode(t, s.SetJoinCode(ctx, uuid.NewString(), "QQQQQQ"), board.ENotFound)

	fresh := "KMQ4X7"
	if fresh == codeA || fresh == codeB {
		fresh = "KMQ4X9"
	}
	must(t, s.SetJoinCode(ctx, a.id, fresh))
	_, err = s.BoardByJoinCode(ctx, codeA)
	wantCode(t, err, board.ENotFound)
	id, err = s.BoardByJoinCode(ctx, fresh)
	must(t, err)
	if id != a.id {
		t.Fatalf("BoardByJoinCode(new) = %s, want %s", id, a.id)
	}
	if got := a.load(t).Info.JoinCode; got != fresh {
		t.Fatalf("Load: join code %q, want %q", got, fresh)
	}
	infos, err := s.Boards(ctx, "1480")
	must(t, err)
	for _, info := range infos {
		if info.ID == a.id && info.JoinCode != fresh {
			t.Fatalf("Boards: join code %q, want %q", info.JoinCode, fresh)
		}
	}
	// The old code is free again.
	must(t, s.SetJoinCode(ctx, b.id, codeA))
	id, err = s.BoardByJoinCode(ctx, codeA)
	must(t, err)
	if id != b.id {
		t.Fatalf("reused code points to %s, want %s", id, b.id)
	}
	// Commits still work and keep the new code.
	a.note(t, "after rotation")
	if got := a.load(t).Info.JoinCode; got != fresh {
		t.Fatalf("after commit: join code %q, want %q", got, fresh)
	}
}

func testLoadPrivateCopy(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateProcessMap)
	f.note(t, "one")
	st := f.load(t)
	want := stateJSON(t, st)
	for _, o := range st.Objects {
		o.Props["text"] = "changed"
	}
	st.Objects[uuid.NewString()] = &board.Object{ID: "x", Kind: board.KindNote}
	st.Seq = 99
	st.Settings.Phase = "x"
	st.Settings.Voting.Kinds = append(st.Settings.Voting.Kinds[:0], "frame")
	st.Info.Title = "changed"
	for _, p := range st.Participants {
		p.Name = "changed"
	}
	clear(st.Tokens)
	if got := stateJSON(t, f.load(t)); got != want {
		t.Fatalf("changing a loaded state changed the store:\n got: %s\nwant: %s", got, want)
	}
	// Nor may the state given to CreateBoard be kept.
	info := board.Info{ID: uuid.NewString(), Municipality: "1480", Template: board.TemplateBlank, JoinCode: board.NewJoinCode(), CreatedAt: now()}
	nb, _ := board.NewBoard(info, 1)
	must(t, s.CreateBoard(ctxT(t), nb))
	nb.Settings.Phase = "changed"
	got, err := s.Load(ctxT(t), info.ID)
	must(t, err)
	if got.Settings.Phase == "changed" {
		t.Fatal("the store kept the state given to CreateBoard")
	}
}

func testCommit(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	before := f.load(t)
	if before.Seq != 1 {
		t.Fatalf("after the join, seq is %d, want 1", before.Seq)
	}
	id := uuid.NewString()
	c, err := f.ops(ctxT(t), noteOp(id, "Idé", 5))
	must(t, err)
	if c.Seq != 2 {
		t.Fatalf("change seq %d, want 2", c.Seq)
	}
	after := f.load(t)
	if after.Seq != 2 || after.Objects[id] == nil || after.Objects[id].Text("text") != "Idé" {
		t.Fatalf("after commit: seq %d, object %+v", after.Seq, after.Objects[id])
	}
	if o := after.Objects[id]; o.CreatedBy != f.fac || o.CreatedAt != c.At {
		t.Fatalf("object kept fields %+v, want author %s at %d", o, f.fac, c.At)
	}
	before.Apply(c)
	sameState(t, "Load after commit", after, before)
	for i := range 5 {
		c := f.note(t, fmt.Sprint("n", i))
		if c.Seq != uint64(3+i) {
			t.Fatalf("commit %d got seq %d, want %d", i, c.Seq, 3+i)
		}
	}
	// A prepare that decides there is nothing to do stores nothing.
	c, err = s.Commit(ctxT(t), f.id, func(*board.State) (*board.Change, error) { return nil, nil })
	if c != nil || err != nil {
		t.Fatalf("nil change: Commit = %v, %v", c, err)
	}
	if got := f.load(t).Seq; got != 7 {
		t.Fatalf("seq %d after a no-op prepare, want 7", got)
	}
}

func testCommitErrors(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	f.note(t, "x")
	before := f.load(t)
	sentinel := board.Errorf(board.EInvalid, "no")
	_, err := s.Commit(ctxT(t), f.id, func(*board.State) (*board.Change, error) { return nil, sentinel })
	if err != sentinel {
		t.Fatalf("Commit returned %v, want prepare's error unchanged", err)
	}
	plain := errors.New("plain")
	_, err = s.Commit(ctxT(t), f.id, func(*board.State) (*board.Change, error) { return nil, plain })
	if err != plain {
		t.Fatalf("Commit returned %v, want prepare's error unchanged", err)
	}
	// A prepare that panics leaves the board usable (net/http recovers
	// handler panics, so a server goes on).
	func() {
		defer func() { _ = recover() }()
		s.Commit(ctxT(t), f.id, func(*board.State) (*board.Change, error) { panic("prepare bug") })
	}()
	// The seq is the domain's to give (State.Follows): a change prepared
	// at another seq is refused, not renumbered.
	_, err = s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		c, err := st.PrepareOps(st.Participants[f.fac], "skew", []board.Op{noteOp(uuid.NewString(), "z", 3)}, now().UnixMilli())
		if c != nil {
			c.Seq += 5
		}
		return c, err
	})
	wantCode(t, err, board.EInternal)
	// A batch that fails validation stores nothing of it.
	_, err = f.ops(ctxT(t), noteOp(uuid.NewString(), "ok", 1), board.Op{Op: board.OpUpdate, ID: uuid.NewString(), Props: map[string]any{"text": "x"}})
	wantCode(t, err, board.ENotFound)
	sameState(t, "after failed commits", f.load(t), before)
	changes, err := s.Since(ctxT(t), f.id, before.Seq)
	must(t, err)
	if len(changes) != 0 {
		t.Fatalf("failed commits left %d changes in the log", len(changes))
	}
	// prepare sees the current state and must be able to read it all.
	c, err := s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		if st.Seq != before.Seq || len(st.Objects) != len(before.Objects) {
			return nil, fmt.Errorf("prepare saw seq %d, %d objects", st.Seq, len(st.Objects))
		}
		return st.PrepareOps(st.Participants[f.fac], "b", []board.Op{noteOp(uuid.NewString(), "y", 2)}, now().UnixMilli())
	})
	must(t, err)
	if c.Seq != before.Seq+1 {
		t.Fatalf("seq %d after failed commits, want %d", c.Seq, before.Seq+1)
	}
}

// allChanges commits one change of every type and returns them.
func allChanges(t testing.TB, f *fixture) []*board.Change {
	t.Helper()
	ctx := ctxT(t)
	var out []*board.Change
	commit := func(prepare func(st *board.State) (*board.Change, error)) {
		t.Helper()
		c, err := f.s.Commit(ctx, f.id, prepare)
		must(t, err)
		out = append(out, c)
	}
	p2 := uuid.NewString()
	out = append(out, f.join(t, p2, board.RoleParticipant))
	lane, step, note, link := uuid.NewString(), uuid.NewString(), uuid.NewString(), uuid.NewString()
	c, err := f.ops(ctx,
		board.Op{Op: board.OpCreate, ID: lane, Kind: board.KindLane, Props: map[string]any{"title": "Fastighetskontoret", "order": 1.0, "color": "#AABBCC"}},
		board.Op{Op: board.OpCreate, ID: step, Kind: board.KindStep, Props: map[string]any{"text": "Beställ", "lane": lane, "x": 10.0, "y": 20.0}},
		noteOp(note, "Hinder", 30),
		board.Op{Op: board.OpCreate, ID: link, Kind: board.KindLink, Props: map[string]any{"from": step, "to": note, "label": "leder till"}},
	)
	must(t, err)
	out = append(out, c)
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareSettings(st.Participants[f.fac], "s1", json.RawMessage(`{"voting":{"open":true,"dots":3,"kinds":["note","step"],"hidden":true}}`), now().UnixMilli())
	})
	for _, voter := range []string{f.fac, p2, p2} {
		commit(func(st *board.State) (*board.Change, error) {
			return st.PrepareVote(st.Participants[voter], "v", note, 1, now().UnixMilli())
		})
	}
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareVote(st.Participants[p2], "v", step, 1, now().UnixMilli())
	})
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareVote(st.Participants[p2], "v", note, -1, now().UnixMilli())
	})
	// Deleting the lane unsets the step's lane; deleting the note deletes
	// the link and the dots on it.
	c, err = f.ops(ctx, board.Op{Op: board.OpDelete, ID: lane}, board.Op{Op: board.OpDelete, ID: note},
		board.Op{Op: board.OpUpdate, ID: step, Props: map[string]any{"text": "Beställ nu", "color": "#00FF00"}})
	must(t, err)
	out = append(out, c)
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareRole(st.Participants[f.fac], p2, board.RoleObserver, now().UnixMilli())
	})
	p3 := uuid.NewString()
	out = append(out, f.join(t, p3, board.RoleParticipant))
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareVote(st.Participants[p3], "v", step, 1, now().UnixMilli())
	})
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareRemove(nil, p3, now().UnixMilli())
	})
	commit(func(st *board.State) (*board.Change, error) {
		patch := fmt.Sprintf(`{"phase":%q,"locked":true,"voting":{"open":false},"focus":{"x":1,"y":2,"zoom":1.5},"timer":{"seconds":300,"start":true}}`,
			board.TemplatePhases(st.Info.Template)[1])
		return st.PrepareSettings(st.Participants[f.fac], "s2", json.RawMessage(patch), now().UnixMilli())
	})
	// Reopening the vote clears the dots.
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareSettings(st.Participants[f.fac], "s3", json.RawMessage(`{"voting":{"open":true}}`), now().UnixMilli())
	})
	commit(func(st *board.State) (*board.Change, error) {
		return st.PrepareVote(st.Participants[f.fac], "v", step, 1, now().UnixMilli())
	})
	return out
}

func testAllChangeTypes(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateProcessMap)
	initial := f.load(t)
	changes := allChanges(t, f)
	replay := initial.Clone()
	for i, c := range changes {
		if c.Seq != initial.Seq+uint64(i)+1 {
			t.Fatalf("change %d has seq %d, want %d", i, c.Seq, initial.Seq+uint64(i)+1)
		}
		replay.Apply(c)
	}
	got := f.load(t)
	sameState(t, "Load vs replay", got, replay)
	if len(got.Votes) != 1 || got.Votes[f.fac][changes[1].Ops[1].ID] != 1 {
		t.Fatalf("votes after reopening the vote: %v", got.Votes)
	}
	logged, err := s.Since(ctxT(t), f.id, initial.Seq)
	must(t, err)
	replay = initial.Clone()
	for _, c := range logged {
		replay.Apply(c)
	}
	sameState(t, "replay of Since", got, replay)
}

func testCommitConcurrent(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	initial := f.load(t)
	const writers, each = 8, 10
	var mu sync.Mutex
	var changes []*board.Change
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			shared := uuid.NewString()
			for i := range each {
				ops := []board.Op{noteOp(uuid.NewString(), fmt.Sprint(w, "/", i), float64(i))}
				if i == 0 {
					ops = append(ops, noteOp(shared, "shared", 0))
				} else {
					// Updates of one object by one writer: the last one wins.
					ops = append(ops, board.Op{Op: board.OpUpdate, ID: shared, Props: map[string]any{"x": float64(i)}})
				}
				c, err := f.ops(ctxT(t), ops...)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				changes = append(changes, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.SortFunc(changes, func(a, b *board.Change) int { return int(a.Seq) - int(b.Seq) })
	replay := initial.Clone()
	for i, c := range changes {
		if want := initial.Seq + uint64(i) + 1; c.Seq != want {
			t.Fatalf("seqs are not distinct and consecutive: change %d has %d, want %d", i, c.Seq, want)
		}
		replay.Apply(c)
	}
	got := f.load(t)
	if got.Seq != initial.Seq+writers*each {
		t.Fatalf("final seq %d, want %d", got.Seq, initial.Seq+writers*each)
	}
	sameState(t, "Load vs replay of concurrent commits", got, replay)
	if n := len(got.Objects); n != writers*(each+1) {
		t.Fatalf("%d objects, want %d", n, writers*(each+1))
	}
}

func testSince(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	base := f.load(t).Seq
	var made []*board.Change
	for i := range 5 {
		made = append(made, f.note(t, fmt.Sprint(i)))
	}
	for from := base; from <= base+5; from++ {
		got, err := s.Since(ctx, f.id, from)
		must(t, err)
		want := made[from-base:]
		if len(got) != len(want) {
			t.Fatalf("Since(%d) has %d changes, want %d", from, len(got), len(want))
		}
		for i := range got {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			if string(g) != string(w) {
				t.Fatalf("Since(%d)[%d] = %s, want %s", from, i, g, w)
			}
		}
	}
	got, err := s.Since(ctx, f.id, base+5)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("Since(current) = %#v, want an empty slice", got)
	}
	_, err = s.Since(ctx, f.id, base+6)
	wantCode(t, err, board.ETooOld)
}

func testSinceTooOld(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	for i := range LogBound + 5 {
		f.note(t, fmt.Sprint(i))
	}
	cur := f.load(t).Seq
	got, err := s.Since(ctx, f.id, cur-LogBound)
	must(t, err)
	if len(got) != LogBound || got[0].Seq != cur-LogBound+1 || got[len(got)-1].Seq != cur {
		t.Fatalf("Since(cur-bound) gave %d changes", len(got))
	}
	_, err = s.Since(ctx, f.id, cur-LogBound-1)
	wantCode(t, err, board.ETooOld)
	_, err = s.Since(ctx, f.id, 0)
	wantCode(t, err, board.ETooOld)
}

// receive reads n changes from ch, failing on a gap, a duplicate, a
// closed channel or a timeout. Only the test's goroutine may call it;
// others call collect.
func receive(t testing.TB, ch <-chan *board.Change, after uint64, n int) []*board.Change {
	t.Helper()
	out, err := collect(ch, after, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// collect reads n changes from ch and reports a gap, a duplicate, a
// closed channel or a timeout as an error.
func collect(ch <-chan *board.Change, after uint64, n int) ([]*board.Change, error) {
	var out []*board.Change
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case c, ok := <-ch:
			if !ok {
				return out, fmt.Errorf("channel closed after %d of %d changes", len(out), n)
			}
			if want := after + uint64(len(out)) + 1; c.Seq != want {
				return out, fmt.Errorf("got change %d, want %d (gap or duplicate)", c.Seq, want)
			}
			out = append(out, c)
		case <-deadline:
			return out, fmt.Errorf("got %d of %d changes in %v", len(out), n, timeout)
		}
	}
	return out, nil
}

func testSubscribe(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateProcessMap)
	f.note(t, "before")
	st, ch, err := s.Subscribe(ctxT(t), f.id)
	must(t, err)
	sameState(t, "Subscribe state", st, f.load(t))
	var made []*board.Change
	for i := range 5 {
		made = append(made, f.note(t, fmt.Sprint(i)))
	}
	got := receive(t, ch, st.Seq, 5)
	for i := range got {
		g, _ := json.Marshal(got[i])
		w, _ := json.Marshal(made[i])
		if string(g) != string(w) {
			t.Fatalf("change %d: got %s, want %s", i, g, w)
		}
		st.Apply(got[i])
	}
	sameState(t, "subscriber's replica", st, f.load(t))
	select {
	case c := <-ch:
		t.Fatalf("unexpected change %d", c.Seq)
	case <-time.After(50 * time.Millisecond):
	}
	// The state is private too.
	st.Seq = 1000
	if f.load(t).Seq == 1000 {
		t.Fatal("the subscriber's state is shared with the store")
	}
}

func testSubscribeConcurrent(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	const subscribers, writers, each = 3, 4, 10
	type subscription struct {
		st *board.State
		ch <-chan *board.Change
	}
	var subs []subscription
	for range subscribers {
		st, ch, err := s.Subscribe(ctxT(t), f.id)
		must(t, err)
		subs = append(subs, subscription{st, ch})
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := f.ops(ctxT(t), noteOp(uuid.NewString(), fmt.Sprint(w, i), 1)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	results := make([]*board.State, subscribers)
	var rg sync.WaitGroup
	for i, sub := range subs {
		rg.Go(func() {
			for c := range sub.ch {
				if c.Seq != sub.st.Seq+1 {
					t.Errorf("subscriber %d: change %d after %d", i, c.Seq, sub.st.Seq)
					return
				}
				sub.st.Apply(c)
				if sub.st.Seq == 1+writers*each {
					results[i] = sub.st
					return
				}
			}
			t.Errorf("subscriber %d: channel closed at seq %d", i, sub.st.Seq)
		})
	}
	wg.Wait()
	rg.Wait()
	final := f.load(t)
	for i, st := range results {
		if st != nil {
			sameState(t, fmt.Sprint("subscriber ", i), st, final)
		}
	}
}

func closed(t testing.TB, ch <-chan *board.Change, what string) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("%s: channel still open after %v", what, timeout)
		}
	}
}

func testSubscribeCancel(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	ctx, cancel := context.WithCancel(context.Background())
	_, ch, err := s.Subscribe(ctx, f.id)
	must(t, err)
	_, other, err := s.Subscribe(ctxT(t), f.id)
	must(t, err)
	cancel()
	closed(t, ch, "after cancel")
	// Others go on.
	c := f.note(t, "x")
	got := receive(t, other, c.Seq-1, 1)
	if got[0].Seq != c.Seq {
		t.Fatal("wrong change")
	}
}

func testSubscribeSlow(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	st, slow, err := s.Subscribe(ctxT(t), f.id)
	must(t, err)
	_, fast, err := s.Subscribe(ctxT(t), f.id)
	must(t, err)
	n := SubscriberBuffer*2 + 4
	fastErr := make(chan error, 1)
	go func() {
		_, err := collect(fast, st.Seq, n)
		fastErr <- err
	}()
	for i := range n {
		f.note(t, fmt.Sprint(i))
	}
	if err := <-fastErr; err != nil {
		t.Fatalf("the fast subscriber: %v", err)
	}
	// The slow one gets what fit, in order, then a closed channel.
	next := st.Seq + 1
	deadline := time.After(timeout)
	for {
		select {
		case c, ok := <-slow:
			if !ok {
				if next > st.Seq+uint64(n) {
					t.Fatal("the slow subscriber got every change: its buffer is larger than SubscriberBuffer")
				}
				return
			}
			if c.Seq != next {
				t.Fatalf("slow subscriber got %d, want %d", c.Seq, next)
			}
			next++
		case <-deadline:
			t.Fatal("a subscriber that fell behind was not dropped")
		}
	}
}

func testCloseEndsSubscriptions(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	f := newBoard(t, s, board.TemplateBlank)
	_, ch, err := s.Subscribe(ctxT(t), f.id)
	must(t, err)
	must(t, s.Close())
	closed(t, ch, "after Close")
	must(t, s.Close())
}

func testExports(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	strategy := uuid.NewString()
	var ids []string
	for i := range 3 {
		pdf := fmt.Appendf(nil, "%%PDF-1.7 export %d \x00\xff binary", i)
		e := &board.Export{ID: uuid.NewString(), Board: f.id, Municipality: "1480", Strategy: strategy, Title: "Karta", FileName: "karta.pdf", Seq: uint64(i), Lang: "sv", CreatedAt: now(), Bytes: len(pdf), SHA256: "abc"}
		must(t, s.SaveExport(ctx, e, pdf))
		ids = append(ids, e.ID)
		got, err := s.Export(ctx, e.ID)
		must(t, err)
		if got.ID != e.ID || got.Board != f.id || got.Strategy != strategy || got.Bytes != len(pdf) || got.FileName != "karta.pdf" || got.Seq != uint64(i) || !got.CreatedAt.Equal(e.CreatedAt) {
			t.Fatalf("Export = %+v, want %+v", got, e)
		}
		b, err := s.ExportPDF(ctx, e.ID)
		must(t, err)
		if string(b) != string(pdf) {
			t.Fatalf("ExportPDF = %q, want %q", b, pdf)
		}
	}
	must(t, s.SaveExport(ctx, &board.Export{ID: uuid.NewString(), Board: f.id, Strategy: uuid.NewString(), CreatedAt: now()}, []byte("%PDF other")))
	wantCode(t, s.SaveExport(ctx, &board.Export{ID: ids[0], Strategy: strategy}, []byte("x")), board.EConflict)
	// A board without a strategy exports too; the export is listed nowhere.
	loose := &board.Export{ID: uuid.NewString(), Board: f.id, CreatedAt: now()}
	must(t, s.SaveExport(ctx, loose, []byte("%PDF loose")))
	if got, err := s.Export(ctx, loose.ID); err != nil || got.Strategy != "" {
		t.Fatalf("Export(loose) = %+v, %v", got, err)
	}
	if l, err := s.Exports(ctx, ""); err != nil || len(l) != 0 {
		t.Fatalf("Exports(\"\") = %d exports, %v", len(l), err)
	}
	list, err := s.Exports(ctx, strategy)
	must(t, err)
	var got []string
	for _, e := range list {
		got = append(got, e.ID)
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("Exports = %v, want %v oldest first", got, ids)
	}
	list, err = s.Exports(ctx, uuid.NewString())
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("Exports(unknown) = %v", list)
	}
	_, err = s.Export(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
	_, err = s.ExportPDF(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
}

func testReopen(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	_, err := s.InitMeta(ctx, "key", "v1")
	must(t, err)
	municipality(t, s, "0114")
	f := newBoard(t, s, board.TemplateGoalWorkshop)
	strategy := &board.Strategy{ID: uuid.NewString(), Municipality: "1480", Title: "Strategi", Revision: "2026", CreatedAt: now()}
	must(t, s.CreateStrategy(ctx, strategy))
	allChanges(t, f)
	for i := range LogBound / 2 {
		f.note(t, fmt.Sprint(i))
	}
	must(t, s.SetJoinCode(ctx, f.id, "WXY347"))
	export := &board.Export{ID: uuid.NewString(), Board: f.id, Strategy: strategy.ID, CreatedAt: now()}
	must(t, s.SaveExport(ctx, export, []byte("%PDF")))
	want := f.load(t)
	wantLog, err := s.Since(ctx, f.id, want.Seq-LogBound/2)
	must(t, err)
	must(t, s.Close())

	s = open(t)
	f.s = s
	got := f.load(t)
	sameState(t, "after reopen", got, want)
	log, err := s.Since(ctx, f.id, want.Seq-LogBound/2)
	must(t, err)
	if g, w := mustJSON(t, log), mustJSON(t, wantLog); g != w {
		t.Fatalf("log after reopen:\n got %s\nwant %s", g, w)
	}
	if v, err := s.InitMeta(ctx, "key", "v2"); err != nil || v != "v1" {
		t.Fatalf("meta after reopen: %q, %v", v, err)
	}
	ms, err := s.Municipalities(ctx)
	must(t, err)
	if len(ms) != 2 {
		t.Fatalf("%d municipalities after reopen", len(ms))
	}
	if sts, err := s.Strategies(ctx, "1480"); err != nil || len(sts) != 1 || sts[0].ID != strategy.ID {
		t.Fatalf("strategies after reopen: %v, %v", sts, err)
	}
	if id, err := s.BoardByJoinCode(ctx, "WXY347"); err != nil || id != f.id {
		t.Fatalf("join code after reopen: %q, %v", id, err)
	}
	if bs, err := s.Boards(ctx, ""); err != nil || len(bs) != 1 || bs[0].JoinCode != "WXY347" {
		t.Fatalf("boards after reopen: %v, %v", bs, err)
	}
	if pdf, err := s.ExportPDF(ctx, export.ID); err != nil || string(pdf) != "%PDF" {
		t.Fatalf("export after reopen: %q, %v", pdf, err)
	}
	if es, err := s.Exports(ctx, strategy.ID); err != nil || len(es) != 1 {
		t.Fatalf("exports after reopen: %v, %v", es, err)
	}
	// The seq goes on where it was.
	c := f.note(t, "after reopen")
	if c.Seq != want.Seq+1 {
		t.Fatalf("seq after reopen %d, want %d", c.Seq, want.Seq+1)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
