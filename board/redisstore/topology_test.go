package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/board/storetest"
)

// TestCluster runs the store conformance suite on a 3-master Redis Cluster
// (one cluster, emptied before each subtest), then checks that boards
// spread over the masters' slots commit, subscribe and catch up.
func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	var flushed sync.Map
	t.Run("Conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) board.Store {
			if _, done := flushed.LoadOrStore(t, true); !done {
				c.FlushAll(t)
			}
			return openURL(t, c.URL(), redisstore.WithLogBound(storetest.LogBound), redisstore.WithSubscriberBuffer(storetest.SubscriberBuffer))
		})
	})
	t.Run("BoardsOverSlots", func(t *testing.T) {
		c.FlushAll(t)
		testBoardsOverSlots(t, c.URL(), c.Nodes)
	})
}

// testBoardsOverSlots creates boards until they sit on every master, then
// commits on one node and sees each change through another node's
// subscription and Since.
func testBoardsOverSlots(t *testing.T, url string, nodes []*redistest.Server) {
	ctx := context.Background()
	a := openURL(t, url)
	b := openURL(t, url)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{nodes[0].Addr()}})
	defer cc.Close()
	masters := map[string]bool{}
	var ids []string
	facs := map[string]string{}
	for i := 0; len(masters) < len(nodes) || len(ids) < 6; i++ {
		if i > 60 {
			t.Fatalf("boards reached only %d masters", len(masters))
		}
		id, fac := makeBoard(t, a)
		facs[id] = fac
		m, err := cc.MasterForKey(ctx, "pk:b:{"+id+"}:seq")
		if err != nil {
			t.Fatal(err)
		}
		masters[m.Options().Addr] = true
		ids = append(ids, id)
	}
	for _, id := range ids {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		st, ch, err := b.Subscribe(sctx, id)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		seq0 := st.Seq
		c, err := note(sctx, a, id, facs[id], "on "+id)
		if err != nil {
			cancel()
			t.Fatalf("commit on %s: %v", id, err)
		}
		follow(t, st, ch, c.Seq)
		cs, err := b.Since(sctx, id, seq0)
		if err != nil || len(cs) != 1 || cs[0].Seq != c.Seq {
			t.Fatalf("board %s: Since(%d) = %v, %v", id, seq0, cs, err)
		}
		cancel()
	}
}

// TestWaitReplicas: with WithWaitReplicas(1) a commit is acknowledged once
// the replica has it; with the replica gone the commit fails with
// EUnavailable, yet the change is stored and another node sees it.
func TestWaitReplicas(t *testing.T) {
	m := redistest.Start(t)
	r := redistest.StartReplica(t, m)
	s := openURL(t, m.URL(), redisstore.WithWaitReplicas(1), redisstore.WithTimeout(time.Second))
	id, fac := makeBoard(t, s)
	c := mustNote(t, s, id, fac, "replicated")
	rs := openURL(t, r.URL())
	if cs, err := rs.Since(context.Background(), id, c.Seq-1); err != nil || len(cs) != 1 || cs[0].Seq != c.Seq {
		t.Fatalf("replica: Since = %v, %v", cs, err)
	}
	r.Kill()
	start := time.Now()
	_, err := note(context.Background(), s, id, fac, "unconfirmed")
	if board.ErrorCode(err) != board.EUnavailable {
		t.Fatalf("commit without the replica: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the unconfirmed commit took %v", d)
	}
	other := openURL(t, m.URL())
	cs, err := other.Since(context.Background(), id, c.Seq)
	if err != nil || len(cs) != 1 {
		t.Fatalf("the unconfirmed change is not stored: %v, %v", cs, err)
	}
}

// TestSentinelFailover: master + 2 replicas + 3 Sentinels, the store with
// WithWaitReplicas(1). The master is killed mid-session: commits fail with
// EUnavailable for a while and then succeed on the promoted replica
// without anyone reopening the store, a subscriber follows, and every
// acknowledged change is there.
func TestSentinelFailover(t *testing.T) {
	m := redistest.Start(t)
	redistest.StartReplica(t, m)
	redistest.StartReplica(t, m)
	sen := redistest.StartSentinels(t, 3, "pk", m, 2, 500*time.Millisecond)
	url := "redis://" + sen[0].Addr() + "?addr=" + sen[1].Addr() + "&addr=" + sen[2].Addr()
	s := openURL(t, url, redisstore.WithSentinelMaster("pk"), redisstore.WithWaitReplicas(1), redisstore.WithTimeout(time.Second))
	id, fac := makeBoard(t, s)
	ctx := context.Background()
	st, ch, err := s.Subscribe(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var acked []uint64
	for i := range 5 {
		acked = append(acked, mustNote(t, s, id, fac, fmt.Sprint("before ", i)).Seq)
	}
	m.Kill()
	deadline := time.Now().Add(30 * time.Second)
	for after := 0; after < 5; {
		if time.Now().After(deadline) {
			t.Fatalf("no commit after the failover within 30s (%d acknowledged after)", after)
		}
		c, err := note(ctx, s, id, fac, fmt.Sprint("after ", after))
		if err != nil {
			if board.ErrorCode(err) != board.EUnavailable {
				t.Fatalf("commit during the failover: %v", err)
			}
			time.Sleep(50 * time.Millisecond) // retry pacing, as a client's back-off
			continue
		}
		acked = append(acked, c.Seq)
		after++
	}
	// Every acknowledged change is on the new master, read by a fresh node.
	other := openURL(t, url, redisstore.WithSentinelMaster("pk"))
	cur, err := other.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	all, err := other.Since(ctx, id, 0)
	if err != nil && board.ErrorCode(err) != board.ETooOld {
		t.Fatal(err)
	}
	have := map[uint64]bool{}
	for _, c := range all {
		have[c.Seq] = true
	}
	for _, seq := range acked {
		if seq > cur.Seq || (len(all) > 0 && !have[seq]) {
			t.Fatalf("acknowledged change %d lost (board at %d)", seq, cur.Seq)
		}
	}
	// The subscriber catches up unaided: on its channel, or, when the
	// store re-read the board after the failover and could not bring the
	// subscriber to it change by change (storekit.Board.Replace), its
	// channel is closed and a new subscription starts from the new
	// master's state, as the server's rooms do.
	want := acked[len(acked)-1]
	deadline = time.Now().Add(30 * time.Second)
	for st.Seq < want {
		if time.Now().After(deadline) {
			t.Fatalf("the subscriber is stuck at %d, want %d", st.Seq, want)
		}
		select {
		case c, ok := <-ch:
			if ok {
				if c.Seq != st.Seq+1 {
					t.Fatalf("got change %d after %d", c.Seq, st.Seq)
				}
				st.Apply(c)
				continue
			}
			t.Logf("the subscription closed at %d (the board was re-read after the failover); subscribing again", st.Seq)
			for {
				if st, ch, err = s.Subscribe(ctx, id); err == nil {
					break
				}
				if board.ErrorCode(err) != board.EUnavailable || time.Now().After(deadline) {
					t.Fatalf("subscribing again: %v", err)
				}
				time.Sleep(50 * time.Millisecond) // retry pacing, as a room's back-off
			}
		case <-time.After(time.Until(deadline)):
		}
	}
}
