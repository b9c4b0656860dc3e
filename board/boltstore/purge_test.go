package boltstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"

	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/board/storetest"
)

// TestErasureReachesTheDisk: after an erasure and a deletion, a byte
// search of the data directory finds neither name nor administration
// within board.PurgeWithin, while another board is edited throughout.
func TestErasureReachesTheDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.RunPurge(t, s, dir, func() int64 { n, _ := s.Compactions(); return n })
	done, failed := s.Compactions()
	if done < 2 || failed != 0 {
		t.Fatalf("%d compactions, %d failed; want one per purge", done, failed)
	}
	t.Logf("the last compaction paused the store for %v", s.LastCompaction())
	// The compacted file opens again with everything in it.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
}

// TestUnlinkingIsNotErasure shows why the store compacts: without a
// compaction, an erased name stays in the file's freed pages.
func TestUnlinkingIsNotErasure(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.WithPurgeDelay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Title: "T", Municipality: "1480", Template: board.TemplateBlank, CreatedAt: time.Now()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBoard(ctx, st); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	p := &board.Participant{ID: id, Name: "Ulla Olänkad", Administration: "Kvarförvaltningen", Position: board.PositionOther, Role: board.RoleParticipant}
	commit := func(prepare func(*board.State) (*board.Change, error)) {
		if _, err := s.Commit(ctx, st.Info.ID, prepare); err != nil {
			t.Fatal(err)
		}
	}
	commit(func(st *board.State) (*board.Change, error) { return st.PrepareJoin(p, board.HashToken(id), 1) })
	commit(func(st *board.State) (*board.Change, error) { return st.PrepareErase(nil, []string{id}, 2) })
	if st, err := s.Load(ctx, st.Info.ID); err != nil || len(st.Participants) != 0 {
		t.Fatalf("the participant is still there: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, boltstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("Ulla Olänkad")) {
		t.Fatal("the erased name left the file without a compaction; the compaction test may prove nothing")
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	if b, err = os.ReadFile(filepath.Join(dir, boltstore.FileName)); err != nil || bytes.Contains(b, []byte("Ulla Olänkad")) || bytes.Contains(b, []byte("Kvarförvaltningen")) {
		t.Fatalf("the name is in the file after compaction (%v)", err)
	}
}
