package boltstore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
)

// The fixture's contents (testdata/format1/README.md).
const (
	fixtureBoard = "f9e182e6-326d-44e9-9b4b-374d24fe99ba"
	fixtureCode  = "UW4FVQ"
	fixtureToken = "48ebef860ffece2c133049505be7a019b468ed6fb5eb75ff95c2d5713bdb4864"
)

func fixtureDir(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/format1/" + FileName)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func formatIn(t *testing.T, s *Store) string {
	t.Helper()
	var v string
	if err := s.view(func(tx *bolt.Tx) error { v = string(tx.Bucket(bMeta).Get(kFormat)); return nil }); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkFixture checks that everything the format-1 fixture holds works.
func checkFixture(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if v := formatIn(t, s); v != "2" {
		t.Fatalf("format after upgrade: %q", v)
	}
	id, err := s.BoardByJoinCode(ctx, fixtureCode)
	if err != nil || id != fixtureBoard {
		t.Fatalf("join code after upgrade: %q, %v", id, err)
	}
	st, err := s.Load(ctx, fixtureBoard)
	if err != nil {
		t.Fatal(err)
	}
	pid := st.Tokens[board.HashToken(fixtureToken)]
	if p := st.Participants[pid]; p == nil || p.Name != "Karin" {
		t.Fatalf("the participant's token no longer names her: %v", p)
	}
	// The upgrade's work: the summary is stored, not computed per request.
	var stored bool
	s.view(func(tx *bolt.Tx) error {
		stored = tx.Bucket(bBoards).Bucket([]byte(fixtureBoard)).Get(kSummary) != nil
		return nil
	})
	sums, err := s.Summaries(ctx, []string{fixtureBoard})
	if err != nil || !stored || len(sums) != 1 || len(sums[0].Goals) != 6 || sums[0].ByPosition["politician"] != 1 {
		t.Fatalf("summary after upgrade: stored %v, %+v, %v", stored, sums, err)
	}
	sts, err := s.Strategies(ctx, "0780")
	if err != nil || len(sts) != 1 || sts[0].Revision != "2024" {
		t.Fatalf("strategies after upgrade: %+v, %v", sts, err)
	}
	// And it takes new changes.
	if _, err := s.Commit(ctx, fixtureBoard, func(st *board.State) (*board.Change, error) {
		return st.PrepareOps(st.Participants[pid], "b1", []board.Op{{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindNote, Props: map[string]any{"text": "efter uppgradering", "x": 1.0, "y": 1.0}}}, 1)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeFromFormat1 opens a file written by round 1's code: it is
// upgraded once, a copy of the old file is kept, and all of it works.
func TestUpgradeFromFormat1(t *testing.T) {
	dir := fixtureDir(t)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkFixture(t, s)
	s.Close()
	kept := filepath.Join(dir, FileName+".format1-backup")
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("no copy of the old file: %v", err)
	}
	// The copy is the old format: it has no version.
	old, err := bolt.Open(kept, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	old.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(kFormat); v != nil {
			t.Errorf("the kept copy records format %s", v)
		}
		return nil
	})
	old.Close()
	// Once: a second start does not upgrade again (which would copy the
	// file first).
	os.Remove(kept)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkFixture(t, s)
	s.Close()
	if _, err := os.Stat(kept); err == nil {
		t.Fatal("the second start upgraded again")
	}
}

// TestUpgradeResumes: a start that died after the copy and part of the
// upgrade, before the version was written, is finished by the next start.
func TestUpgradeResumes(t *testing.T) {
	dir := fixtureDir(t)
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *bolt.Tx) error { return tx.CopyFile(filepath.Join(dir, FileName+".format1-backup"), 0o600) })
	if err := addSummaries(db); err != nil {
		t.Fatal(err)
	}
	db.Close() // the crash: no version written
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkFixture(t, s)
}

// TestNewerFormatRefused: a file from a newer version is refused with a
// message that says what to do, and left byte for byte as it was.
func TestNewerFormatRefused(t *testing.T) {
	dir := fixtureDir(t)
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(kFormat, []byte("3")) })
	db.Close()
	before, _ := os.ReadFile(path)
	_, err = Open(dir)
	if err == nil || !strings.Contains(err.Error(), "newer Processkarta") || !strings.Contains(err.Error(), "format 3") {
		t.Fatalf("Open of a newer file: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the refused file was changed")
	}
}

// TestNewStoreRecordsFormat: a new file starts at the current format.
func TestNewStoreRecordsFormat(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v := formatIn(t, s); v != "2" {
		t.Fatalf("new store records format %q", v)
	}
}
