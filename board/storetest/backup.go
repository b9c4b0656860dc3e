package storetest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// testBackup writes a backup of a store holding every kind of record and
// restores it into a fresh store: everything reads back the same, the
// join code and the participants' tokens still work, and a damaged or
// cut-short backup, or one restored over data, is refused.
func testBackup(t *testing.T, open func(t *testing.T) board.Store) {
	src := open(t)
	ctx := ctxT(t)
	if _, ok := src.(board.Backuper); !ok {
		t.Fatal("the store does not implement board.Backuper")
	}
	_, err := src.InitMeta(ctx, "organizer_key", "nyckel-123")
	must(t, err)
	f := newBoard(t, src, board.TemplateProcessMap)
	allChanges(t, f)
	strategy := &board.Strategy{ID: uuid.NewString(), Municipality: "1480", Title: "Energi- och klimatstrategi", Revision: "2026", CreatedAt: now()}
	must(t, src.CreateStrategy(ctx, strategy))
	municipality(t, src, "0780")
	second := newBoard(t, src, board.TemplateGoalWorkshop)
	second.note(t, "Mål: fossilfri fordonsflotta")
	var exports []*board.Export
	for i, strat := range []string{strategy.ID, strategy.ID, ""} {
		pdf := []byte("%PDF-1.7 \x00\xff" + strings.Repeat("x", i))
		e := &board.Export{ID: uuid.NewString(), Board: f.id, Municipality: "1480", Strategy: strat, Title: "Karta", FileName: "karta.pdf", Seq: uint64(i), Lang: "sv", CreatedAt: now().Add(time.Duration(i) * time.Millisecond), Bytes: len(pdf), SHA256: "abc"}
		must(t, src.SaveExport(ctx, e, pdf))
		exports = append(exports, e)
	}

	acct := &board.Account{ID: uuid.NewString(), Email: "ledare@vaxjo.se", Name: "Processledare", Role: board.AccountLeader, Municipalities: []string{"0780"}, PasswordHash: "$argon2id$v=19$m=65536,t=1,p=4$c2FsdA$aGFzaA", CreatedAt: now(), UpdatedAt: now()}
	must(t, src.CreateAccount(ctx, acct))
	for _, action := range []string{"board.created", "export.created"} {
		must(t, src.AddAudit(ctx, &board.AuditEvent{At: now(), Action: action, Account: acct.ID, Board: f.id}))
	}

	var buf bytes.Buffer
	sum, err := board.WriteBackup(ctx, src.(board.Backuper), "test", &buf)
	must(t, err)
	if sum.Counts[board.BackupBoard] != 2 || sum.Counts[board.BackupExport] != 3 || sum.Counts[board.BackupMunicipality] != 2 || sum.Counts[board.BackupStrategy] != 1 {
		t.Fatalf("backup counts %v", sum.Counts)
	}
	if sum.Seqs[f.id] != f.load(t).Seq {
		t.Fatalf("backup has board at seq %d, store at %d", sum.Seqs[f.id], f.load(t).Seq)
	}

	// open gives the same store again within one test; a subtest gets a
	// fresh one.
	fresh := func(name string, fn func(t *testing.T, s board.Store)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) { fn(t, open(t)) }) {
			t.FailNow()
		}
	}
	fresh("into", func(t *testing.T, dst board.Store) {
		// val takes a store call's result and fails the test on its error.
		val := func(v any, err error) any {
			t.Helper()
			must(t, err)
			return v
		}
		got, err := board.RestoreBackup(ctx, dst, bytes.NewReader(buf.Bytes()))
		must(t, err)
		if mustJSON(t, got.Counts) != mustJSON(t, sum.Counts) {
			t.Fatalf("restored %v, backed up %v", got.Counts, sum.Counts)
		}
		if v, err := dst.InitMeta(ctx, "organizer_key", "other"); err != nil || v != "nyckel-123" {
			t.Fatalf("organizer key after restore: %q, %v", v, err)
		}
		sameJSON(t, "municipalities", val(src.Municipalities(ctx)), val(dst.Municipalities(ctx)))
		sameJSON(t, "strategies", val(src.Strategies(ctx, "1480")), val(dst.Strategies(ctx, "1480")))
		sameJSON(t, "boards", val(src.Boards(ctx, "")), val(dst.Boards(ctx, "")))
		sameJSON(t, "accounts", val(src.Accounts(ctx)), val(dst.Accounts(ctx)))
		sameJSON(t, "audit", val(src.Audit(ctx, 10)), val(dst.Audit(ctx, 10)))
		// Summaries are derived and made anew from the restored state;
		// when they were last rewritten is not part of what they say.
		summaries := func(s board.Store) []*board.Summary {
			l, err := s.Summaries(ctx, []string{f.id, second.id})
			must(t, err)
			for _, x := range l {
				x.Seq, x.ActiveAt = 0, 0
			}
			return l
		}
		sameJSON(t, "summaries", summaries(src), summaries(dst))
		sameJSON(t, "exports", val(src.Exports(ctx, strategy.ID)), val(dst.Exports(ctx, strategy.ID)))
		for _, e := range exports {
			a, b := val(src.ExportPDF(ctx, e.ID)), val(dst.ExportPDF(ctx, e.ID))
			if !bytes.Equal(a.([]byte), b.([]byte)) {
				t.Fatalf("export %s PDF differs after restore", e.ID)
			}
		}
		for _, id := range []string{f.id, second.id} {
			want, err := src.Load(ctx, id)
			must(t, err)
			have, err := dst.Load(ctx, id)
			must(t, err)
			sameState(t, "restored board", have, want)
			sameJSON(t, "log", val(src.Since(ctx, id, 1)), val(dst.Since(ctx, id, 1)))
			code, err := dst.BoardByJoinCode(ctx, want.Info.JoinCode)
			if err != nil || code != id {
				t.Fatalf("join code %s after restore: %q, %v", want.Info.JoinCode, code, err)
			}
		}
		// The restored board goes on: the facilitator's token hash still
		// names them, and a commit follows the restored seq.
		rf := &fixture{s: dst, id: f.id, fac: f.fac}
		if pid := rf.load(t).Tokens[board.HashToken(f.fac)]; pid != f.fac {
			t.Fatalf("the facilitator's token no longer works after restore")
		}
		c := rf.note(t, "efter återställning")
		if c.Seq != sum.Seqs[f.id]+1 {
			t.Fatalf("first change after restore has seq %d, want %d", c.Seq, sum.Seqs[f.id]+1)
		}

		// Over data: refused.
		_, err = board.RestoreBackup(ctx, dst, bytes.NewReader(buf.Bytes()))
		if err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("restore over data: %v", err)
		}
	})
	// Cut short or damaged: refused with the line.
	lines := bytes.SplitAfter(buf.Bytes(), []byte("\n"))
	cut := bytes.Join(lines[:len(lines)-2], nil)
	fresh("cut", func(t *testing.T, s board.Store) {
		if _, err := board.RestoreBackup(ctx, s, bytes.NewReader(cut)); err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Fatalf("restore of a cut backup: %v", err)
		}
	})
	bad := append(bytes.Join(lines[:3], nil), []byte("{\"type\":\"board\",\"board\":{\"state\":\"x\"}}\n")...)
	fresh("damaged", func(t *testing.T, s board.Store) {
		if _, err := board.RestoreBackup(ctx, s, bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 4") {
			t.Fatalf("restore of a damaged backup: %v", err)
		}
	})
	fresh("foreign", func(t *testing.T, s board.Store) {
		if _, err := board.RestoreBackup(ctx, s, strings.NewReader("PK\x03\x04 not a backup")); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Fatalf("restore of a foreign file: %v", err)
		}
	})
}

func sameJSON(t testing.TB, what string, a, b any) {
	t.Helper()
	if x, y := mustJSON(t, a), mustJSON(t, b); x != y {
		t.Fatalf("%s differ after restore:\n was %s\n now %s", what, x, y)
	}
}
