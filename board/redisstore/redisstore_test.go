// This file is long because it holds the store's behaviour against a real
// redis-server that the conformance suite cannot show: several nodes on
// one Redis, a stale cache, pub/sub loss, an unreachable Redis, kill -9,
// a failed open and presence.

package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/board/storetest"
)

// servers maps each test to its redis-server, so that opening again in the
// same test reaches the same data, as storetest expects.
var servers sync.Map

func server(tb testing.TB) *redistest.Server {
	if s, ok := servers.Load(tb); ok {
		return s.(*redistest.Server)
	}
	s := redistest.Start(tb)
	servers.Store(tb, s)
	tb.Cleanup(func() { servers.Delete(tb) })
	return s
}

func openURL(tb testing.TB, url string, opts ...redisstore.Option) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.Open(context.Background(), url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) board.Store {
		return openURL(t, server(t).URL(), redisstore.WithLogBound(storetest.LogBound), redisstore.WithSubscriberBuffer(storetest.SubscriberBuffer))
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.RunBench(b, func(b *testing.B) board.Store {
		return openURL(b, redistest.Start(b).URL())
	})
}

func TestOpenFails(t *testing.T) {
	_, err := redisstore.Open(context.Background(), "http://nope")
	if board.ErrorCode(err) != board.EInvalid {
		t.Fatalf("bad url: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = redisstore.Open(context.Background(), "redis://"+addr+"/0", redisstore.WithTimeout(time.Second))
	if board.ErrorCode(err) != board.EUnavailable {
		t.Fatalf("no redis: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Open took %v without redis", d)
	}
}

// makeBoard creates a board with a facilitator on s.
func makeBoard(t testing.TB, s board.Store) (id, fac string) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateMunicipality(ctx, &board.Municipality{Code: "1480", Name: "Göteborg"}); err != nil && board.ErrorCode(err) != board.EConflict {
		t.Fatal(err)
	}
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Municipality: "1480", Template: board.TemplateProcessMap, JoinCode: board.NewJoinCode()}, 1)
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

func note(ctx context.Context, s board.Store, id, fac, text string) (*board.Change, error) {
	return s.Commit(ctx, id, func(st *board.State) (*board.Change, error) {
		op := board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindNote, Props: map[string]any{"text": text, "x": 1.0, "y": 2.0}}
		return st.PrepareOps(st.Participants[fac], text, []board.Op{op}, 1)
	})
}

func mustNote(t testing.TB, s board.Store, id, fac, text string) *board.Change {
	t.Helper()
	c, err := note(context.Background(), s, id, fac, text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// follow reads a subscription until seq reaches want, checking order.
func follow(t testing.TB, st *board.State, ch <-chan *board.Change, want uint64) *board.State {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for st.Seq < want {
		select {
		case c, ok := <-ch:
			if !ok {
				t.Fatalf("subscription closed at %d, want %d", st.Seq, want)
			}
			if c.Seq != st.Seq+1 {
				t.Fatalf("got change %d after %d", c.Seq, st.Seq)
			}
			st.Apply(c)
		case <-deadline:
			t.Fatalf("subscription stuck at %d, want %d", st.Seq, want)
		}
	}
	return st
}

func sameJSON(t testing.TB, what string, a, b *board.State) {
	t.Helper()
	if x, y := mustJSON(t, a), mustJSON(t, b); x != y {
		t.Fatalf("%s differ:\n%s\n%s", what, x, y)
	}
}

// TestNodesShareBoards runs writers on three nodes of one board at once:
// every change gets a distinct consecutive seq, and every node's
// subscribers see all of them in order.
func TestNodesShareBoards(t *testing.T) {
	srv := server(t)
	nodes := []*redisstore.Store{openURL(t, srv.URL()), openURL(t, srv.URL()), openURL(t, srv.URL())}
	id, fac := makeBoard(t, nodes[0])
	type sub struct {
		st *board.State
		ch <-chan *board.Change
	}
	var subs []sub
	for _, n := range nodes {
		st, ch, err := n.Subscribe(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub{st, ch})
	}
	const writers, each = 3, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	seqs := map[uint64]bool{}
	for _, n := range nodes {
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					c, err := note(context.Background(), n, id, fac, fmt.Sprint(w, "-", i))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seqs[c.Seq] {
						t.Errorf("seq %d given twice", c.Seq)
					}
					seqs[c.Seq] = true
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	total := uint64(1 + len(nodes)*writers*each)
	for seq := uint64(2); seq <= total; seq++ {
		if !seqs[seq] {
			t.Fatalf("seq %d missing", seq)
		}
	}
	want, err := nodes[0].Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if want.Seq != total || len(want.Objects) != 7+len(nodes)*writers*each {
		t.Fatalf("seq %d with %d objects", want.Seq, len(want.Objects))
	}
	for i, n := range nodes {
		got := follow(t, subs[i].st, subs[i].ch, total)
		sameJSON(t, fmt.Sprint("node ", i, " subscriber"), got, want)
		loaded, err := n.Load(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, fmt.Sprint("node ", i, " Load"), loaded, want)
	}
}

// TestStaleCache: a node whose cache missed changes (and whose stream is
// trimmed past them) reloads and still commits in order.
func TestStaleCache(t *testing.T) {
	srv := server(t)
	opts := []redisstore.Option{redisstore.WithLogBound(5), redisstore.WithCheckInterval(time.Hour)}
	a, b := openURL(t, srv.URL(), opts...), openURL(t, srv.URL(), opts...)
	id, fac := makeBoard(t, a)
	st, ch, err := a.Subscribe(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// First only a short miss, which the stream still covers.
	a.DropChannelForTest(id)
	for i := range 3 {
		mustNote(t, b, id, fac, fmt.Sprint("b", i))
	}
	c := mustNote(t, a, id, fac, "a1")
	if c.Seq != 5 {
		t.Fatalf("a committed at %d, want 5", c.Seq)
	}
	// The subscriber saw the missed changes too, filled from the stream.
	follow(t, st, ch, 5)
	// Now a miss longer than the stream: a reloads a snapshot, and its
	// subscriber, which cannot be brought there without a gap, is closed.
	for i := range 8 {
		mustNote(t, b, id, fac, fmt.Sprint("c", i))
	}
	c = mustNote(t, a, id, fac, "a2")
	if c.Seq != 14 {
		t.Fatalf("a committed at %d, want 14", c.Seq)
	}
	for range ch {
	}
	x, _ := a.Load(context.Background(), id)
	y, _ := b.Load(context.Background(), id)
	sameJSON(t, "nodes", x, y)
	if len(x.Objects) != 7+13 {
		t.Fatalf("%d objects", len(x.Objects))
	}
}

// TestPubSubReconnect kills the pub/sub connections: after they come back,
// each subscribed board is checked against the stream, so subscribers miss
// nothing even without the periodic check.
func TestPubSubReconnect(t *testing.T) {
	srv := server(t)
	a := openURL(t, srv.URL(), redisstore.WithCheckInterval(time.Hour))
	b := openURL(t, srv.URL())
	id, fac := makeBoard(t, a)
	st, ch, err := a.Subscribe(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	admin := openAdmin(t, srv)
	for round := range 3 {
		n, err := admin.Do(context.Background(), "CLIENT", "KILL", "TYPE", "pubsub").Result()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("killed %v", n)
		var last *board.Change
		for i := range 5 {
			last = mustNote(t, b, id, fac, fmt.Sprint(round, i))
		}
		st = follow(t, st, ch, last.Seq)
	}
	// Deterministically: changes made while the channel is not
	// subscribed are found when the subscription is confirmed again.
	channel := "pk:b:{" + id + "}:changes"
	numsub := func() int64 {
		n, err := admin.PubSubNumSub(context.Background(), channel).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[channel]
	}
	before := numsub()
	a.DropChannelForTest(id)
	// Wait until Redis has a's unsubscribe: only then are the next
	// changes surely missed by a.
	deadline := time.Now().Add(5 * time.Second)
	for numsub() != before-1 {
		if time.Now().After(deadline) {
			t.Fatalf("the channel still has %d subscribers, want %d", numsub(), before-1)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var last *board.Change
	for i := range 3 {
		last = mustNote(t, b, id, fac, fmt.Sprint("missed ", i))
	}
	a.ResubscribeForTest(id)
	st = follow(t, st, ch, last.Seq)
	want, _ := b.Load(context.Background(), id)
	sameJSON(t, "subscriber after reconnects", st, want)
}

// TestUnavailable: with Redis gone, every method fails promptly with
// EUnavailable; when it is back, the store works again by itself and
// subscriptions go on.
func TestUnavailable(t *testing.T) {
	srv := server(t)
	s := openURL(t, srv.URL(), redisstore.WithTimeout(time.Second))
	other := openURL(t, srv.URL())
	id, fac := makeBoard(t, s)
	st, ch, err := s.Subscribe(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	srv.Kill()
	ctx := context.Background()
	calls := map[string]func() error{
		"Ping":               func() error { return s.Ping(ctx) },
		"InitMeta":           func() error { _, err := s.InitMeta(ctx, "k", "v"); return err },
		"CreateMunicipality": func() error { return s.CreateMunicipality(ctx, &board.Municipality{Code: "0114"}) },
		"Municipality":       func() error { _, err := s.Municipality(ctx, "1480"); return err },
		"Municipalities":     func() error { _, err := s.Municipalities(ctx); return err },
		"CreateStrategy":     func() error { return s.CreateStrategy(ctx, &board.Strategy{ID: "x", Municipality: "1480"}) },
		"Strategy":           func() error { _, err := s.Strategy(ctx, "x"); return err },
		"Strategies":         func() error { _, err := s.Strategies(ctx, "1480"); return err },
		"CreateBoard": func() error {
			st, _ := board.NewBoard(board.Info{ID: uuid.NewString(), Template: board.TemplateBlank, JoinCode: "AAAAAA"}, 1)
			return s.CreateBoard(ctx, st)
		},
		"Boards":          func() error { _, err := s.Boards(ctx, ""); return err },
		"BoardByJoinCode": func() error { _, err := s.BoardByJoinCode(ctx, "AAAAAA"); return err },
		"SetJoinCode":     func() error { return s.SetJoinCode(ctx, id, "CCCCCC") },
		"Load":            func() error { _, err := s.Load(ctx, id); return err },
		"LoadUncached":    func() error { _, err := s.Load(ctx, uuid.NewString()); return err },
		"Commit":          func() error { _, err := note(ctx, s, id, fac, "x"); return err },
		"Since":           func() error { _, err := s.Since(ctx, id, 0); return err },
		"Subscribe":       func() error { _, _, err := s.Subscribe(ctx, id); return err },
		"SaveExport":      func() error { return s.SaveExport(ctx, &board.Export{ID: "e"}, []byte("x")) },
		"Export":          func() error { _, err := s.Export(ctx, "e"); return err },
		"ExportPDF":       func() error { _, err := s.ExportPDF(ctx, "e"); return err },
		"Exports":         func() error { _, err := s.Exports(ctx, "x"); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if board.ErrorCode(err) != board.EUnavailable {
			t.Errorf("%s without redis: %v, want unavailable", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %v without redis", name, d)
		}
	}
	srv.Restart()
	// Back by itself: the same store object works again.
	deadline := time.Now().Add(10 * time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the store did not recover")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := mustNote(t, s, id, fac, "after")
	c2 := mustNote(t, other, id, fac, "from the other node")
	if c2.Seq != c.Seq+1 {
		t.Fatalf("seqs %d, %d", c.Seq, c2.Seq)
	}
	follow(t, st, ch, c2.Seq)
}

// TestRedisKillNine: changes acknowledged before Redis is killed are all
// there after it restarts (appendfsync always).
func TestRedisKillNine(t *testing.T) {
	srv := server(t)
	s := openURL(t, srv.URL(), redisstore.WithTimeout(time.Second))
	id, fac := makeBoard(t, s)
	var mu sync.Mutex
	acked := map[uint64]string{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("w%d-%d", w, i)
				c, err := note(context.Background(), s, id, fac, text)
				if err != nil {
					if board.ErrorCode(err) != board.EUnavailable {
						t.Errorf("commit: %v", err)
					}
					return
				}
				mu.Lock()
				acked[c.Seq] = text
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.Kill()
	close(stop)
	wg.Wait()
	srv.Restart()
	fresh := openURL(t, srv.URL())
	st, err := fresh.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, o := range st.Objects {
		texts[o.Text("text")] = true
	}
	for seq, text := range acked {
		if seq > st.Seq || !texts[text] {
			t.Fatalf("acknowledged change %d (%s) lost; board at %d", seq, text, st.Seq)
		}
	}
	t.Logf("%d acknowledged, board at %d", len(acked), st.Seq)
	// The first store recovers and goes on from there.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := note(context.Background(), s, id, fac, "after")
		if err == nil {
			if c.Seq != st.Seq+1 {
				t.Fatalf("seq %d after restart, want %d", c.Seq, st.Seq+1)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPresence carries ephemeral messages between nodes, to the sender's
// node too, and ends subscriptions with their context.
func TestPresence(t *testing.T) {
	srv := server(t)
	a, b := openURL(t, srv.URL()), openURL(t, srv.URL())
	ctx, cancel := context.WithCancel(context.Background())
	chA, err := a.Presence().Subscribe(ctx, "board-1")
	if err != nil {
		t.Fatal(err)
	}
	chB, err := b.Presence().Subscribe(context.Background(), "board-1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Presence().Subscribe(context.Background(), "board-2")
	if err != nil {
		t.Fatal(err)
	}
	// Subscriptions are confirmed asynchronously: publish until both see it.
	got := func(ch <-chan []byte, want string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case m := <-ch:
				if string(m) == want {
					return
				}
			case <-time.After(20 * time.Millisecond):
				if err := a.Presence().Publish(context.Background(), "board-1", []byte(want)); err != nil {
					t.Fatal(err)
				}
			case <-deadline:
				t.Fatalf("no %q", want)
			}
		}
	}
	got(chA, "hello")
	got(chB, "hello")
	select {
	case m := <-other:
		t.Fatalf("board-2 got %q", m)
	default:
	}
	cancel()
	for range chA {
	}
	b.Close()
	for range chB {
	}
	if _, err := b.Presence().Subscribe(context.Background(), "x"); board.ErrorCode(err) != board.EUnavailable {
		t.Fatalf("subscribe after close: %v", err)
	}
}
