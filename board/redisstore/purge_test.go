package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/board/storetest"
)

// TestErasureReachesTheDisk: after an erasure and a deletion, a byte
// search of Redis' directory (the append-only files) finds neither name
// nor administration within board.PurgeWithin, while another board is
// edited throughout. The AOF is written without an RDB preamble, so that
// no compression could hide a name from the search.
func TestErasureReachesTheDisk(t *testing.T) {
	srv := redistest.Start(t, redistest.WithArgs("--aof-use-rdb-preamble", "no"))
	s := openURL(t, srv.URL())
	storetest.RunPurge(t, s, srv.Dir(), func() int64 { n, _ := s.Purges(); return n })
	if _, failed := s.Purges(); failed != 0 {
		t.Fatalf("%d purges failed", failed)
	}
}

// TestLeaseOneNode: of several nodes asking for the lease at once, one
// gets it; after its time another may.
func TestLeaseOneNode(t *testing.T) {
	srv := server(t)
	var nodes []*redisstore.Store
	for range 4 {
		nodes = append(nodes, openURL(t, srv.URL()))
	}
	var mu sync.Mutex
	held := 0
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := n.Lease(context.Background(), "retention", 300*time.Millisecond)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				held++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if held != 1 {
		t.Fatalf("%d nodes got the lease, want 1", held)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := nodes[1].Lease(context.Background(), "retention", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lease never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
