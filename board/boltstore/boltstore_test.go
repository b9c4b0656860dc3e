package boltstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/board/storetest"
)

// dirs maps each test to its data directory, so that opening again in the
// same test reopens the same data, as storetest expects.
var dirs sync.Map

func open(tb testing.TB) board.Store {
	d, _ := dirs.LoadOrStore(tb, tb.TempDir())
	s, err := boltstore.Open(d.(string), boltstore.WithLogBound(storetest.LogBound), boltstore.WithSubscriberBuffer(storetest.SubscriberBuffer))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) board.Store { return open(t) })
}

func BenchmarkStore(b *testing.B) {
	storetest.RunBench(b, func(b *testing.B) board.Store {
		s, err := boltstore.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}

func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if s2, err := boltstore.Open(dir); err == nil {
		s2.Close()
		t.Fatal("a second store opened the same file")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the second open took %v", d)
	}
}

func TestClosedStore(t *testing.T) {
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ctx := context.Background()
	checks := map[string]error{
		"Ping":   s.Ping(ctx),
		"Muni":   s.CreateMunicipality(ctx, &board.Municipality{Code: "1480"}),
		"Commit": func() error { _, err := s.Commit(ctx, "x", nil); return err }(),
		"Load":   func() error { _, err := s.Load(ctx, "x"); return err }(),
	}
	for name, err := range checks {
		if board.ErrorCode(err) != board.EUnavailable {
			t.Errorf("%s on a closed store: %v, want unavailable", name, err)
		}
	}
}

// TestCacheEviction checks that a board evicted from the cache is loaded
// again from disk with everything in it.
func TestCacheEviction(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir, boltstore.WithCacheIdle(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, fac := makeBoard(t, s)
	ctx := context.Background()
	for i := range 3 {
		commitNote(t, s, id, fac, fmt.Sprint(i))
	}
	want, _ := s.Load(ctx, id)
	if !s.CachedForTest(id) {
		t.Fatal("a board in use is not cached")
	}
	// The janitor runs every second at least; the board is idle at once.
	deadline := time.Now().Add(5 * time.Second)
	for s.CachedForTest(id) {
		if time.Now().After(deadline) {
			t.Fatal("the idle board was not evicted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Loaded again from the disk, it is the same board.
	got, err := s.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != want.Seq || len(got.Objects) != len(want.Objects) {
		t.Fatalf("after eviction: seq %d, %d objects; want %d, %d", got.Seq, len(got.Objects), want.Seq, len(want.Objects))
	}
	if c := commitNote(t, s, id, fac, "after"); c.Seq != want.Seq+1 {
		t.Fatalf("seq %d after eviction, want %d", c.Seq, want.Seq+1)
	}
}

func makeBoard(t testing.TB, s board.Store) (id, fac string) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateMunicipality(ctx, &board.Municipality{Code: "1480", Name: "Göteborg"}); err != nil && board.ErrorCode(err) != board.EConflict {
		t.Fatal(err)
	}
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Municipality: "1480", Template: board.TemplateBlank, JoinCode: board.NewJoinCode()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBoard(ctx, st); err != nil {
		t.Fatal(err)
	}
	fac = uuid.NewString()
	_, err = s.Commit(ctx, st.Info.ID, func(st *board.State) (*board.Change, error) {
		return st.PrepareJoin(&board.Participant{ID: fac, Name: "Fia", Position: board.PositionOfficial, Role: board.RoleFacilitator}, "h", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st.Info.ID, fac
}

func commitNote(t testing.TB, s board.Store, id, fac, text string) *board.Change {
	t.Helper()
	c, err := s.Commit(context.Background(), id, func(st *board.State) (*board.Change, error) {
		op := board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindNote, Props: map[string]any{"text": text, "x": 1.0, "y": 2.0}}
		return st.PrepareOps(st.Participants[fac], "b", []board.Op{op}, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The crash test runs the test binary again as a child that commits in a
// loop and prints every acknowledged seq; the parent kills it with SIGKILL
// and checks that every acknowledged change is on disk.
const childEnv = "BOLTSTORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		crashChild(dir, os.Getenv("BOLTSTORE_CRASH_BOARD"), os.Getenv("BOLTSTORE_CRASH_FAC"))
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir, id, fac string) {
	s, err := boltstore.Open(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	out := make(chan string, 64)
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				text := fmt.Sprintf("w%d-%d", w, i)
				c, err := s.Commit(context.Background(), id, func(st *board.State) (*board.Change, error) {
					op := board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindNote, Props: map[string]any{"text": text, "x": 1.0, "y": 2.0}}
					return st.PrepareOps(st.Participants[fac], text, []board.Op{op}, 1)
				})
				if err != nil {
					out <- "error " + err.Error()
					return
				}
				out <- fmt.Sprintf("ack %d %s", c.Seq, text)
			}
		}()
	}
	for line := range out {
		// Unbuffered: a line written is a change acknowledged.
		fmt.Fprintln(os.Stdout, line)
	}
}

func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, fac := makeBoard(t, s)
	s.Close()

	for round := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, "BOLTSTORE_CRASH_BOARD="+id, "BOLTSTORE_CRASH_FAC="+fac)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[uint64]string{}
		sc := bufio.NewScanner(stdout)
		killAt := 100 + 37*round
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if f[0] != "ack" {
				t.Fatalf("child: %s", sc.Text())
			}
			seq, _ := strconv.ParseUint(f[1], 10, 64)
			acked[seq] = f[2]
			if len(acked) == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		cmd.Wait()
		if len(acked) < killAt {
			t.Fatalf("the child acknowledged only %d changes", len(acked))
		}

		s, err := boltstore.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Load(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		texts := map[string]bool{}
		for _, o := range st.Objects {
			texts[o.Text("text")] = true
		}
		log, err := s.Since(context.Background(), id, st.Seq-min(st.Seq-1, 1000))
		if err != nil {
			t.Fatal(err)
		}
		logged := map[uint64]string{}
		for _, c := range log {
			logged[c.Seq] = c.Batch
		}
		for seq, text := range acked {
			if seq > st.Seq || !texts[text] {
				t.Fatalf("round %d: acknowledged change %d (%s) is lost; the board is at %d", round, seq, text, st.Seq)
			}
			if logged[seq] != text {
				t.Fatalf("round %d: the log has %q at %d, want %q", round, logged[seq], seq, text)
			}
		}
		if len(st.Objects) != int(st.Seq-1) {
			t.Fatalf("%d objects at seq %d", len(st.Objects), st.Seq)
		}
		t.Logf("round %d: %d acknowledged, %d stored", round, len(acked), st.Seq-1)
		s.Close()
	}
}
