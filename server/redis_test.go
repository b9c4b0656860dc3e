package server_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// redisNodes starts k servers, each with its own Redis store as separate
// processes would have, on one real redis-server.
func redisNodes(t *testing.T, rs *redistest.Server, k int) ([]*node, []*redisstore.Store) {
	t.Helper()
	var nodes []*node
	var stores []*redisstore.Store
	for range k {
		s, err := redisstore.Open(ctxT(t), rs.URL(), redisstore.WithTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
		nodes = append(nodes, startNode(t, s, s.Presence(), fastLimits))
	}
	return nodes, stores
}

func TestConvergenceTwoNodesRedis(t *testing.T) {
	rs := redistest.Start(t)
	nodes, stores := redisNodes(t, rs, 2)
	runConvergence(t, stores[0], nodes, 42, 20, 60)
}

func TestVotingTwoNodesRedis(t *testing.T) {
	rs := redistest.Start(t)
	nodes, _ := redisNodes(t, rs, 2)
	testVotingConcurrent(t, nodes)
}

func TestPresenceAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	nodes, _ := redisNodes(t, rs, 2)
	b := newBoard(t, nodes[0], "blank")
	j := join(t, nodes[1], b.JoinCode, "Fia", "official")
	watcher := dial(t, nodes[0], b.ID, b.FacilitatorToken)
	fia := dial(t, nodes[1], b.ID, j.Token)
	waitFor(t, func() bool { return online(watcher, j.Participant.ID) })
	waitFor(t, func() bool { return online(fia, watcher.You().ID) })
	fia.Drop()
	waitFor(t, func() bool { return !online(watcher, j.Participant.ID) })
}

// Redis is killed mid-session and restarted: clients stay connected, edits
// in between are rejected as retryable, and afterwards everything
// converges with nothing acknowledged lost.
func TestRedisKilledAndRestarted(t *testing.T) {
	rs := redistest.Start(t)
	nodes, _ := redisNodes(t, rs, 2)
	b := newBoard(t, nodes[0], "process-map")
	ctx := ctxT(t)
	ja := join(t, nodes[0], b.JoinCode, "Anna", "official")
	jb := join(t, nodes[1], b.JoinCode, "Bo", "manager")
	anna := dial(t, nodes[0], b.ID, ja.Token)
	bo := dial(t, nodes[1], b.ID, jb.Token)

	var acked []string
	for i := range 20 {
		op := note("före", float64(i), 0)
		if _, err := anna.Ops(ctx, op); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, op.ID)
	}
	rs.Kill()
	var ce *client.Error
	_, err := bo.Ops(ctx, note("under avbrottet", 1, 1))
	if !errors.As(err, &ce) || ce.Code != "unavailable" || !ce.Retry {
		t.Fatalf("edit while Redis is down: %v", err)
	}
	_, err = anna.Ops(ctx, note("under avbrottet", 2, 2))
	if !errors.As(err, &ce) || ce.Code != "unavailable" {
		t.Fatalf("edit while Redis is down: %v", err)
	}
	time.Sleep(3 * time.Second)
	for _, c := range []*client.Client{anna, bo} {
		select {
		case <-c.Done():
			t.Fatalf("a client was disconnected while Redis was down (close %d)", c.CloseStatus())
		default:
		}
	}
	rs.Restart()
	// Edits go through again once the stores reconnect.
	var seq uint64
	waitFor(t, func() bool {
		op := note("efter", 3, 3)
		s, err := bo.Ops(ctx, op)
		if err == nil {
			seq = s
			acked = append(acked, op.ID)
		}
		return err == nil
	})
	for range 10 {
		op := note("efter", 4, 4)
		s, err := anna.Ops(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		seq = max(seq, s)
		acked = append(acked, op.ID)
	}
	for _, c := range []*client.Client{anna, bo} {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := c.WaitSeq(wctx, seq)
		cancel()
		if err != nil {
			// A client the node had to drop reconnects, as a browser does.
			if rerr := c.Reconnect(ctx); rerr != nil {
				t.Fatal(err, rerr)
			}
			if err := c.WaitSeq(ctx, seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, server := snapshotObjects(t, nodes[1], b.ID)
	for _, c := range []*client.Client{anna, bo} {
		if d := sameObjects(c.Objects(), server); d != "" {
			t.Fatalf("diverged after the outage: %s", d)
		}
	}
	for _, id := range acked {
		if server[id] == nil {
			t.Fatalf("acknowledged note %s lost", id)
		}
	}
	// And a fresh store, as a restarted node would have, reads it all back.
	fresh, err := redisstore.Open(ctx, rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	st, err := fresh.Load(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range acked {
		if st.Objects[id] == nil {
			t.Fatalf("acknowledged note %s not in Redis after restart", id)
		}
	}
}

// A rotated join code reaches the facilitators on every node, and no one
// else.
func TestJoinCodeRotationReachesFacilitators(t *testing.T) {
	rs := redistest.Start(t)
	nodes, _ := redisNodes(t, rs, 2)
	b := newBoard(t, nodes[0], "blank")
	j := join(t, nodes[0], b.JoinCode, "Pia", "official")
	var mu sync.Mutex
	leaked := false
	pia, err := client.Dial(ctxT(t), nodes[0].URL(), b.ID, j.Token, &client.Options{OnMessage: func(m *client.Message) {
		if m.Type == "joincode" {
			mu.Lock()
			leaked = true
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer pia.Drop()
	fac := dial(t, nodes[1], b.ID, b.FacilitatorToken)
	here := dial(t, nodes[0], b.ID, b.FacilitatorToken) // on Pia's node
	var out struct{ JoinCode string }
	if err := nodes[0].api.Do(ctxT(t), "POST", "/api/boards/"+b.ID+"/join-code", b.FacilitatorToken, nil, &out); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return fac.Info().JoinCode == out.JoinCode && here.Info().JoinCode == out.JoinCode })
	// Pia's node has announced the code to its sockets (the facilitator
	// there has it); an answer to Pia sent after that follows anything
	// the announcement queued for her.
	if _, err := pia.Ops(ctxT(t), note("efter bytet", 1, 1)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if leaked {
		t.Fatal("a participant was sent the join code")
	}
}
