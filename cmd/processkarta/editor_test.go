package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// The fault tests' participants: each keeps adding notes at a person's
// pace, one batch at a time, and remembers what the server answered, so
// that a test can kill a process under them and then check that every
// acknowledged note is on the board.

// editTimeout is how long one edit may wait for its answer before the
// test calls it hung: far above any answer a working server gives, far
// below "forever".
const editTimeout = 15 * time.Second

// editor is one participant editing through the Go client.
type editor struct {
	name string
	c    *client.Client
	// mustStay: the connection must never end (its node stays up).
	mustStay bool

	mu sync.Mutex
	// moveTo is where the client reconnects when its connection ends, as
	// a load balancer would send it; "" reconnects to the same node.
	moveTo      string
	acked       []string
	latencies   []time.Duration
	unavailable int // rejects with code unavailable and retry
	closed      int // connections that ended under the editor
	problems    []string
	// answered is signalled after every answer, for tests that wait for
	// progress.
	answered chan struct{}
}

func newEditor(name string, c *client.Client, mustStay bool) *editor {
	return &editor{name: name, c: c, mustStay: mustStay, answered: make(chan struct{}, 1)}
}

// run edits until stop closes. Every edit gets an answer within
// editTimeout or counts as a problem.
func (e *editor) run(ctx context.Context, stop <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond) // 10 edits a second: under the per-socket budget
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		id := uuid.NewString()
		ectx, cancel := context.WithTimeout(ctx, editTimeout)
		start := time.Now()
		_, err := e.c.Ops(ectx, board.Op{Op: "create", ID: id, Kind: "note",
			Props: map[string]any{"text": fmt.Sprintf("%s %d", e.name, i), "x": float64(i % 40 * 10), "y": 1.0}})
		took := time.Since(start)
		cancel()
		var ce *client.Error
		e.mu.Lock()
		e.latencies = append(e.latencies, took)
		switch {
		case err == nil:
			e.acked = append(e.acked, id)
		case errors.As(err, &ce) && ce.Code == board.EUnavailable && ce.Retry:
			e.unavailable++
			if internals(ce.Message) {
				e.problems = append(e.problems, fmt.Sprintf("edit %d: the reject shows internals: %q", i, ce.Message))
			}
		case errors.As(err, &ce) && ce.Code == board.ERateLimited:
		case errors.Is(err, client.ErrClosed):
			e.closed++
			if e.mustStay {
				e.problems = append(e.problems, fmt.Sprintf("the connection ended (close %d)", e.c.CloseStatus()))
			}
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			e.problems = append(e.problems, fmt.Sprintf("edit %d had no answer in %v", i, editTimeout))
		default:
			e.problems = append(e.problems, fmt.Sprintf("edit %d: %v", i, err))
		}
		moveTo := e.moveTo
		e.mu.Unlock()
		select {
		case e.answered <- struct{}{}:
		default:
		}
		if errors.Is(err, client.ErrClosed) || errors.Is(err, context.DeadlineExceeded) {
			if !e.reconnect(ctx, stop, moveTo) {
				return
			}
		}
	}
}

// internals reports whether a message meant for people shows network
// addresses or Go's errors.
func internals(msg string) bool {
	for _, w := range []string{"127.0.0.1", "tcp", "dial", "i/o", "EOF", "context deadline"} {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}

// reconnect connects again with since, to moveTo if set, retrying at a
// person's pace while the server cannot take it yet.
func (e *editor) reconnect(ctx context.Context, stop <-chan struct{}, moveTo string) bool {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		var err error
		if moveTo != "" {
			err = e.c.ReconnectTo(ctx, moveTo)
		} else {
			err = e.c.Reconnect(ctx)
		}
		if err == nil {
			return true
		}
		select {
		case <-stop:
			return false
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
}

// count returns how many edits were acknowledged and how many refused as
// unavailable so far.
func (e *editor) count() (acked, unavailable int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.acked), e.unavailable
}

// crew runs editors and stops them together.
type crew struct {
	editors []*editor
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startCrew(ctx context.Context, editors ...*editor) *crew {
	cr := &crew{editors: editors, stop: make(chan struct{})}
	for _, e := range editors {
		cr.wg.Add(1)
		go func() { defer cr.wg.Done(); e.run(ctx, cr.stop) }()
	}
	return cr
}

// halt stops every editor and waits for its last edit's answer.
func (cr *crew) halt() {
	close(cr.stop)
	cr.wg.Wait()
}

// await waits until cond holds for every editor, checking after each
// answer; it fails the test after limit.
func (cr *crew) await(t *testing.T, what string, limit time.Duration, cond func(*editor) bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		var behind *editor
		for _, e := range cr.editors {
			if p := e.problem(); p != "" {
				t.Fatalf("%s: %s: %s", what, e.name, p)
			}
			if !cond(e) {
				behind = e
				break
			}
		}
		if behind == nil {
			return
		}
		select {
		case <-behind.answered:
		case <-deadline.C:
			t.Fatalf("%s: not within %v (%s: %s)", what, limit, behind.name, behind.summary())
		}
	}
}

// ackedSince waits until every editor has n more acknowledged edits than
// it had when ackedSince was called.
func (cr *crew) ackedSince(t *testing.T, what string, n int, limit time.Duration) {
	t.Helper()
	base := map[*editor]int{}
	for _, e := range cr.editors {
		base[e], _ = e.count()
	}
	cr.await(t, what, limit, func(e *editor) bool { a, _ := e.count(); return a >= base[e]+n })
}

// problem returns the first problem the editor met, or "".
func (e *editor) problem() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.problems) == 0 {
		return ""
	}
	return e.problems[0]
}

func (e *editor) summary() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("%d acknowledged, %d unavailable, %d connections ended, slowest answer %v, problems %v",
		len(e.acked), e.unavailable, e.closed, slowest(e.latencies), e.problems)
}

func slowest(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d)
}

// checkAcked fails the test unless every edit acknowledged to any editor
// is on the board as base serves it, no editor met a problem, and every
// client converged on the board without a gap.
func checkAcked(t *testing.T, ctx context.Context, base, boardID, token string, editors []*editor) {
	t.Helper()
	api := &client.API{Base: base}
	var snap struct {
		Seq     uint64
		Objects []*board.Object
	}
	if err := api.Do(ctx, "GET", "/api/boards/"+boardID, token, nil, &snap); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, o := range snap.Objects {
		have[o.ID] = true
	}
	total := 0
	for _, e := range editors {
		t.Logf("%s: %s", e.name, e.summary())
		e.mu.Lock()
		acked, problems := slices.Clone(e.acked), slices.Clone(e.problems)
		e.mu.Unlock()
		for _, p := range problems {
			t.Errorf("%s: %s", e.name, p)
		}
		for _, id := range acked {
			if !have[id] {
				t.Errorf("%s: acknowledged note %s is not on the board", e.name, id)
			}
		}
		total += len(acked)
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := e.c.WaitSeq(wctx, snap.Seq)
		cancel()
		if err != nil {
			t.Errorf("%s: %v", e.name, err)
			continue
		}
		if e.c.Gaps() != 0 {
			t.Errorf("%s: %d gaps in the changes it was sent", e.name, e.c.Gaps())
		}
		if e.c.Seq() == snap.Seq {
			mine := e.c.Objects()
			if len(mine) != len(snap.Objects) {
				t.Errorf("%s: %d objects in the client, %d on the server at seq %d", e.name, len(mine), len(snap.Objects), snap.Seq)
			}
			for id := range mine {
				if !have[id] {
					t.Errorf("%s: the client holds %s, the server does not", e.name, id)
				}
			}
		}
	}
	t.Logf("%d acknowledged notes, all on the board (seq %d, %d objects)", total, snap.Seq, len(snap.Objects))
}
