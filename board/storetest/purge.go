package storetest

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// RunPurge checks that erasure reaches the disk: after a participant's
// erasure, and after a board's deletion, the erased name and
// administration are gone from every file under dataDir within
// board.PurgeWithin, while another board on the store is edited without
// a single failure throughout (the purge pauses the store at most). s
// must be a fresh store whose files are under dataDir, with its default
// purge delay; purges returns how many purges (compactions, rewrites) it
// has completed, so that the test knows the bytes went because of one and
// not by chance (a busy file reuses freed space).
func RunPurge(t *testing.T, s board.Store, dataDir string, purges func() int64) {
	ctx := ctxT(t)
	suffix := uuid.NewString()[:8]
	name, adm := "Greta Raderasson "+suffix, "Raderingsförvaltningen "+suffix
	name2, adm2 := "Holger Tavelsson "+suffix, "Tavelförvaltningen "+suffix

	f := newBoard(t, s, board.TemplateProcessMap)
	doomed := newBoard(t, s, board.TemplateBlank)
	busy := newBoard(t, s, board.TemplateBlank)
	join := func(f *fixture, name, adm string) string {
		id := uuid.NewString()
		p := &board.Participant{ID: id, Name: name, Administration: adm, Position: board.PositionManager, Role: board.RoleParticipant}
		_, err := s.Commit(ctx, f.id, func(st *board.State) (*board.Change, error) {
			return st.PrepareJoin(p, board.HashToken(id), now().UnixMilli())
		})
		must(t, err)
		return id
	}
	victim := join(f, name, adm)
	join(doomed, name2, adm2)
	for i := range 5 {
		f.note(t, "lapp "+string(rune('A'+i)))
		doomed.note(t, "lapp")
	}
	if !onDisk(t, dataDir, name) || !onDisk(t, dataDir, adm2) {
		t.Fatal("the names are not found in the data files before the erasure: the search would prove nothing")
	}

	// Someone edits another board all along, and must never fail.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var edits atomic.Int64
	var worst atomic.Int64
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			ectx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := busy.ops(ectx, noteOp(uuid.NewString(), "busy", float64(i)))
			if err == nil {
				_, err = s.Load(ectx, busy.id)
			}
			cancel()
			if err != nil {
				select {
				case errs <- err:
				default:
				}
				return
			}
			edits.Add(1)
			if d := int64(time.Since(start)); d > worst.Load() {
				worst.Store(d)
			}
		}
	}()

	gone := func(what string, strs ...string) {
		t.Helper()
		start := time.Now()
		deadline := start.Add(board.PurgeWithin)
		n := purges()
		for {
			found := purges() == n
			for _, s := range strs {
				if onDisk(t, dataDir, s) {
					found = true
				}
			}
			if !found {
				t.Logf("%s: gone from the data files after %v", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still in the data files after %v (%d purges)", what, board.PurgeWithin, purges()-n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	before := edits.Load()
	_, err := f.erase(t, "", victim)
	must(t, err)
	gone("the erased participant", name, adm)
	must(t, s.DeleteBoard(ctx, doomed.id))
	gone("the deleted board", name2, adm2)
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("editing another board failed during the purge: %v", err)
	default:
	}
	if edits.Load() <= before {
		t.Fatal("no edit went through while the purges ran")
	}
	t.Logf("%d edits of another board meanwhile; the slowest took %v", edits.Load(), time.Duration(worst.Load()).Round(time.Millisecond))
	st := busy.load(t)
	if int64(len(st.Objects)) != edits.Load() {
		t.Fatalf("the busy board has %d notes, want %d", len(st.Objects), edits.Load())
	}
	// The erased board still works.
	f.note(t, "efteråt")
}

// onDisk reports whether any file under dir holds s.
func onDisk(t testing.TB, dir, s string) bool {
	t.Helper()
	needle := []byte(s)
	found := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // removed while walking
			}
			return err
		}
		if d.IsDir() || found {
			return nil
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		found = bytes.Contains(b, needle)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
