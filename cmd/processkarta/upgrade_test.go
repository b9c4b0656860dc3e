package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// buildVersion builds the command with its version set, as a release
// would be built.
func buildVersion(t *testing.T, v string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "processkarta-"+v)
	cmd := exec.Command("go", "build", "-o", bin, "-ldflags", "-X main.version="+v, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// upgradeNode is one running build of the command.
type upgradeNode struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

func startBuild(t *testing.T, bin, redisURL, key string) *upgradeNode {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "-addr", addr, "-redis", redisURL, "-organizer-key", key, "-log-level", "warn")
	pr, pw, _ := os.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving on") {
				ready <- sc.Text()
			}
		}
	}()
	n := &upgradeNode{cmd: cmd, base: "http://" + addr, done: make(chan struct{})}
	go func() { cmd.Wait(); close(n.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-n.done })
	select {
	case line := <-ready:
		t.Logf("started: %s", line)
	case <-n.done:
		t.Fatal("the node exited at start")
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not start")
	}
	return n
}

// stop sends SIGTERM, as systemd or docker would, and waits for the exit.
func (n *upgradeNode) stop(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop within 30 s of SIGTERM")
	}
	if code := n.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("the node exited with %d after SIGTERM", code)
	}
}

// TestRollingUpgrade runs a workshop on two nodes of build A on one Redis
// and replaces them one at a time by build B while 12 participants edit:
// start a B node, stop an A node (its participants get 1001 and move to
// the new node with since), then the same for the other. Every acknowledged
// edit is on the board afterwards, every replica equals the server's
// board, and no participant reconnected more than once.
func TestRollingUpgrade(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	binA, binB := buildVersion(t, "1.0.0-A"), buildVersion(t, "1.1.0-B")
	rs := redistest.Start(t)
	const key = "rolling-upgrade-organizer-key"
	a1, a2 := startBuild(t, binA, rs.URL(), key), startBuild(t, binA, rs.URL(), key)

	api := &client.API{Base: a1.base, Key: key}
	if err := api.EnsureMunicipality(ctx, "1280"); err != nil {
		t.Fatal(err)
	}
	b, err := api.CreateBoard(ctx, "Malmö nuläge", "1280", "process-map")
	if err != nil {
		t.Fatal(err)
	}

	// replacement says where a node's participants go when it stops, as
	// a load balancer would send them to the node that is up.
	var mu sync.Mutex
	replacement := map[string]string{}
	type participant struct {
		c          *client.Client
		reconnects int
		acked      []string
	}
	ps := make([]*participant, 12)
	for i := range ps {
		n := []*upgradeNode{a1, a2}[i%2]
		j, err := (&client.API{Base: n.base}).Join(ctx, b.JoinCode, fmt.Sprintf("Deltagare %d", i), "Stadsbyggnadskontoret", "official")
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.Dial(ctx, n.base, b.ID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = &participant{c: c}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed sync.Once
	fail := func(format string, args ...any) { failed.Do(func() { t.Errorf(format, args...) }) }
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := []*upgradeNode{a1, a2}[i%2].base
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-p.c.Done():
					// The node went away: it must have said so with 1001.
					if st := p.c.CloseStatus(); st != websocket.StatusGoingAway {
						fail("participant %d: closed with %d, want 1001", i, st)
						return
					}
					mu.Lock()
					next := replacement[base]
					mu.Unlock()
					if err := p.c.ReconnectTo(ctx, next); err != nil {
						fail("participant %d: reconnect to %s: %v", i, next, err)
						return
					}
					base = next
					p.reconnects++
					continue
				default:
				}
				id := uuid.NewString()
				_, err := p.c.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"text": fmt.Sprintf("Hinder %d", n), "x": float64(n), "y": float64(i)}})
				var ce *client.Error
				switch {
				case err == nil:
					mu.Lock()
					p.acked = append(p.acked, id)
					mu.Unlock()
				case errors.Is(err, client.ErrClosed), errors.As(err, &ce):
					// In flight when the node stopped, or rate-limited: not
					// acknowledged, so the test does not count it.
				default:
					fail("participant %d: %v", i, err)
					return
				}
				time.Sleep(20 * time.Millisecond) // a person's pace, not a sync
			}
		}()
	}
	// progress waits until every participant has three more edits
	// acknowledged, so that each step happens while the workshop edits.
	progress := func() {
		t.Helper()
		want := make([]int, len(ps))
		mu.Lock()
		for i, p := range ps {
			want[i] = len(p.acked) + 3
		}
		mu.Unlock()
		deadline := time.Now().Add(30 * time.Second)
		for i, p := range ps {
			for {
				mu.Lock()
				n := len(p.acked)
				mu.Unlock()
				if n >= want[i] {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("participant %d made no progress", i)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	progress()
	b1 := startBuild(t, binB, rs.URL(), key)
	mu.Lock()
	replacement[a1.base] = b1.base
	mu.Unlock()
	a1.stop(t)
	progress()
	b2 := startBuild(t, binB, rs.URL(), key)
	mu.Lock()
	replacement[a2.base] = b2.base
	mu.Unlock()
	a2.stop(t)
	progress()
	close(stop)
	wg.Wait()
	if t.Failed() {
		return
	}

	var snap struct {
		Seq     uint64
		Objects []*board.Object
	}
	if err := (&client.API{Base: b2.base}).Do(ctx, "GET", "/api/boards/"+b.ID, key, nil, &snap); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, o := range snap.Objects {
		have[o.ID] = true
	}
	total := 0
	for i, p := range ps {
		for _, id := range p.acked {
			if !have[id] {
				t.Fatalf("participant %d's acknowledged note %s was lost in the upgrade", i, id)
			}
		}
		total += len(p.acked)
		if p.reconnects != 1 {
			t.Fatalf("participant %d reconnected %d times, want exactly 1", i, p.reconnects)
		}
		if err := p.c.WaitSeq(ctx, snap.Seq); err != nil {
			t.Fatal(err)
		}
		if got := len(p.c.Objects()); got != len(snap.Objects) {
			t.Fatalf("participant %d's replica has %d objects, the board %d", i, got, len(snap.Objects))
		}
	}
	t.Logf("%d acknowledged edits across the upgrade, none lost; every participant reconnected once", total)
}
