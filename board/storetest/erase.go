package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// The person the erasure tests erase; their name and administration must
// leave every answer of the store.
const (
	erasedName = "Greta Raderasson"
	erasedAdm  = "Raderingsförvaltningen"
)

// joinErasable joins the person to be erased and gives them a role change
// too, so that two kinds of logged change name them.
func (f *fixture) joinErasable(t testing.TB) string {
	t.Helper()
	id := uuid.NewString()
	p := &board.Participant{ID: id, Name: erasedName, Administration: erasedAdm, Position: board.PositionPolitician, Role: board.RoleParticipant}
	_, err := f.s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		return st.PrepareJoin(p, board.HashToken(id), now().UnixMilli())
	})
	must(t, err)
	_, err = f.s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		return st.PrepareRole(st.Participants[f.fac], id, board.RoleObserver, now().UnixMilli())
	})
	must(t, err)
	return id
}

// names reports whether v, as JSON, holds the erased name or
// administration.
func names(t testing.TB, v any) bool {
	s := mustJSON(t, v)
	return strings.Contains(s, erasedName) || strings.Contains(s, erasedAdm)
}

func (f *fixture) erase(t testing.TB, by string, ids ...string) (*board.Change, error) {
	return f.s.Commit(ctxT(t), f.id, func(st *board.State) (*board.Change, error) {
		var p *board.Participant
		if by != "" {
			p = st.Participants[by]
		}
		return st.PrepareErase(p, ids, now().UnixMilli())
	})
}

func testErase(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	f.note(t, "före")
	id := f.joinErasable(t)
	f.note(t, "efter")
	log, err := s.Since(ctx, f.id, 0)
	must(t, err)
	if !names(t, log) {
		t.Fatal("the log does not name the person before the erasure: the test checks nothing")
	}
	_, ch, err := s.Subscribe(ctx, f.id)
	must(t, err)

	c, err := f.erase(t, id, id)
	must(t, err)
	if c.Type != board.ChangeErase || len(c.Erased) != 1 || c.Erased[0] != id || names(t, c) {
		t.Fatalf("erase change = %+v", c)
	}
	got := receive(t, ch, c.Seq-1, 1)
	if got[0].Type != board.ChangeErase {
		t.Fatalf("subscriber got %+v", got[0])
	}
	st := f.load(t)
	if st.Participants[id] != nil || st.Tokens[board.HashToken(id)] != "" || names(t, st) {
		t.Fatalf("the person is still on the board: %s", mustJSON(t, st))
	}
	check := func(what string, s board.Store) {
		t.Helper()
		log, err := s.Since(ctx, f.id, 0)
		must(t, err)
		if names(t, log) {
			t.Fatalf("%s: the log still names the person: %s", what, mustJSON(t, log))
		}
		if len(log) < int(c.Seq) {
			t.Fatalf("%s: the log has %d changes, want all %d", what, len(log), c.Seq)
		}
		scrubbed := 0
		for i, l := range log {
			if l.Seq != uint64(i+1) {
				t.Fatalf("%s: log entry %d has seq %d", what, i, l.Seq)
			}
			if l.Participant != nil && l.Participant.ID == id {
				if l.Participant.Name != board.ErasedName || l.Participant.Administration != board.ErasedName {
					t.Fatalf("%s: logged %s change names %+v", what, l.Type, l.Participant)
				}
				scrubbed++
			}
		}
		if scrubbed != 2 {
			t.Fatalf("%s: %d logged changes refer to the erased person, want the join and the role change", what, scrubbed)
		}
		if l := log[c.Seq-1]; l.Type != board.ChangeErase || l.Erased[0] != id {
			t.Fatalf("%s: logged erase change %+v", what, l)
		}
	}
	check("after the erasure", s)
	// Erasing again changes nothing.
	if c, err := f.erase(t, "", id); err != nil || c != nil {
		t.Fatalf("second erasure: %+v, %v", c, err)
	}
	// The last facilitator cannot erase themself; the organizer can.
	_, err = f.erase(t, f.fac, f.fac)
	wantCode(t, err, board.EConflict)
	c2, err := f.erase(t, "", f.fac)
	must(t, err)
	if len(f.load(t).Participants) != 0 {
		t.Fatal("the organizer's erasure left participants")
	}
	must(t, s.Close())
	s = open(t)
	f.s = s
	check("after reopening", s)
	if st := f.load(t); st.Seq != c2.Seq || len(st.Participants) != 0 {
		t.Fatalf("after reopening: seq %d, %d participants", st.Seq, len(st.Participants))
	}
}

func testDeleteBoard(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateProcessMap)
	other := newBoard(t, s, board.TemplateBlank)
	f.joinErasable(t)
	f.note(t, "en lapp")
	strategy := uuid.NewString()
	mine := &board.Export{ID: uuid.NewString(), Board: f.id, Strategy: strategy, CreatedAt: now()}
	theirs := &board.Export{ID: uuid.NewString(), Board: other.id, Strategy: strategy, CreatedAt: now()}
	loose := &board.Export{ID: uuid.NewString(), Board: f.id, CreatedAt: now()}
	must(t, s.SaveExport(ctx, mine, []byte("%PDF mine")))
	must(t, s.SaveExport(ctx, theirs, []byte("%PDF theirs")))
	must(t, s.SaveExport(ctx, loose, []byte("%PDF loose")))
	code := f.load(t).Info.JoinCode
	_, ch, err := s.Subscribe(ctx, f.id)
	must(t, err)

	must(t, s.DeleteBoard(ctx, f.id))
	closed(t, ch, "a subscription of the deleted board")
	gone := func(what string, s board.Store) {
		t.Helper()
		_, err := s.Load(ctx, f.id)
		wantCode(t, err, board.ENotFound)
		_, err = s.Since(ctx, f.id, 0)
		wantCode(t, err, board.ENotFound)
		_, _, err = s.Subscribe(ctx, f.id)
		wantCode(t, err, board.ENotFound)
		_, err = f.ops(ctx, noteOp(uuid.NewString(), "x", 1))
		wantCode(t, err, board.ENotFound)
		_, err = s.BoardByJoinCode(ctx, code)
		wantCode(t, err, board.ENotFound)
		for _, e := range []*board.Export{mine, loose} {
			_, err = s.Export(ctx, e.ID)
			wantCode(t, err, board.ENotFound)
			_, err = s.ExportPDF(ctx, e.ID)
			wantCode(t, err, board.ENotFound)
		}
		if l, err := s.Exports(ctx, strategy); err != nil || len(l) != 1 || l[0].ID != theirs.ID {
			t.Fatalf("%s: Exports = %v, %v; want only the other board's", what, l, err)
		}
		if pdf, err := s.ExportPDF(ctx, theirs.ID); err != nil || string(pdf) != "%PDF theirs" {
			t.Fatalf("%s: the other board's export: %q, %v", what, pdf, err)
		}
		bs, err := s.Boards(ctx, "")
		must(t, err)
		if len(bs) != 1 || bs[0].ID != other.id {
			t.Fatalf("%s: Boards = %v, want only the other board", what, bs)
		}
		if _, err := s.Load(ctx, other.id); err != nil {
			t.Fatalf("%s: the other board: %v", what, err)
		}
	}
	gone("after the deletion", s)
	wantCode(t, s.DeleteBoard(ctx, f.id), board.ENotFound)
	wantCode(t, s.DeleteBoard(ctx, uuid.NewString()), board.ENotFound)
	must(t, s.Close())
	s = open(t)
	f.s = s
	gone("after reopening", s)
}

func testRevokeJoinCode(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	code := f.load(t).Info.JoinCode
	must(t, s.SetJoinCode(ctx, f.id, ""))
	_, err := s.BoardByJoinCode(ctx, code)
	wantCode(t, err, board.ENotFound)
	_, err = s.BoardByJoinCode(ctx, "")
	wantCode(t, err, board.ENotFound)
	if st := f.load(t); st.Info.JoinCode != "" {
		t.Fatalf("join code %q after revoking", st.Info.JoinCode)
	}
	if bs, err := s.Boards(ctx, ""); err != nil || len(bs) != 1 || bs[0].JoinCode != "" {
		t.Fatalf("Boards after revoking: %v, %v", bs, err)
	}
	must(t, s.SetJoinCode(ctx, f.id, ""))
	must(t, s.SetJoinCode(ctx, f.id, "WXY347"))
	if id, err := s.BoardByJoinCode(ctx, "WXY347"); err != nil || id != f.id {
		t.Fatalf("a new code after revoking: %q, %v", id, err)
	}
}

func testDeleteExports(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	f := newBoard(t, s, board.TemplateBlank)
	strategy := uuid.NewString()
	var anon, named []string
	for i := range 4 {
		e := &board.Export{ID: uuid.NewString(), Board: f.id, Strategy: strategy, CreatedAt: now(), Anonymous: i%2 == 0}
		must(t, s.SaveExport(ctx, e, fmt.Appendf(nil, "%%PDF %d", i)))
		if e.Anonymous {
			anon = append(anon, e.ID)
		} else {
			named = append(named, e.ID)
		}
	}
	n, err := s.DeleteExports(ctx, f.id, func(e *board.Export) bool { return !e.Anonymous })
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteExports deleted %d, want 2", n)
	}
	for _, id := range named {
		_, err := s.ExportPDF(ctx, id)
		wantCode(t, err, board.ENotFound)
	}
	l, err := s.Exports(ctx, strategy)
	must(t, err)
	if len(l) != 2 || l[0].ID != anon[0] || l[1].ID != anon[1] || !l[0].Anonymous {
		t.Fatalf("Exports after deleting the named ones: %v", l)
	}
	if n, err := s.DeleteExports(ctx, uuid.NewString(), nil); err != nil || n != 0 {
		t.Fatalf("DeleteExports of another board: %d, %v", n, err)
	}
	if n, err := s.DeleteExports(ctx, f.id, nil); err != nil || n != 2 {
		t.Fatalf("DeleteExports(nil): %d, %v", n, err)
	}
}

func testLease(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ok, err := s.Lease(ctxT(t), "retention", time.Minute)
	must(t, err)
	if !ok {
		t.Fatal("the first Lease did not hold")
	}
}

func testLastChange(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	municipality(t, s, "1480")
	created := now().Add(-48 * time.Hour)
	info := board.Info{ID: uuid.NewString(), Title: "Tom", Municipality: "1480", Template: board.TemplateBlank, CreatedAt: created}
	st, err := board.NewBoard(info, created.UnixMilli())
	must(t, err)
	must(t, s.CreateBoard(ctx, st))
	bs, err := s.Boards(ctx, "")
	must(t, err)
	if len(bs) != 1 || !bs[0].LastChange.Equal(created) {
		t.Fatalf("a board without changes: LastChange %v, want its creation %v", bs[0].LastChange, created)
	}
	f := &fixture{s: s, id: info.ID, fac: uuid.NewString()}
	before := now()
	f.join(t, f.fac, board.RoleFacilitator)
	bs, err = s.Boards(ctx, "1480")
	must(t, err)
	if lc := bs[0].LastChange; lc.Before(before) || lc.After(now()) {
		t.Fatalf("LastChange %v, want the join's time (after %v)", lc, before)
	}
}
