package server_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// Issue 15: on a board of more than 32 connections, changes that come
// faster than the round interval share their writes (one system call
// carries several messages), and every client still gets every change,
// in order, once. The rounds are made long here (25 ms per connection, a
// second at 40) so that the burst surely falls within two or three of
// them however slow the machine: the first change goes out at once, the
// rest at the next round.
func TestWriteRoundsShareWrites(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{RoundPerConn: 25 * time.Millisecond, EditsPerSecond: 1000, EditBurst: 1000})
	b := newBoard(t, n, "blank")
	const people, changes = 40, 40
	var cs []*client.Client
	for i := range people {
		j := join(t, n, b.JoinCode, fmt.Sprintf("Deltagare %d", i), "official")
		cs = append(cs, dial(t, n, b.ID, j.Token))
	}
	w0, m0 := metric(t, n, "processkarta_ws_writes_total"), metric(t, n, "processkarta_ws_messages_out_total")
	var wg sync.WaitGroup
	var last atomic.Uint64
	for i := range changes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq, err := cs[0].Ops(ctxT(t), note(fmt.Sprintf("Hinder %d", i), float64(i*120), 0))
			if err != nil {
				t.Error(err)
				return
			}
			for {
				l := last.Load()
				if seq <= l || last.CompareAndSwap(l, seq) {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range cs {
		if err := c.WaitSeq(ctxT(t), last.Load()); err != nil {
			t.Fatal(err)
		}
		if len(c.Objects()) != changes || c.Gaps() != 0 {
			t.Fatalf("a client has %d of %d notes, %d gaps", len(c.Objects()), changes, c.Gaps())
		}
	}
	writes := metric(t, n, "processkarta_ws_writes_total") - w0
	msgs := metric(t, n, "processkarta_ws_messages_out_total") - m0
	if msgs < people*changes {
		t.Fatalf("%.0f messages sent, want at least %d", msgs, people*changes)
	}
	// Without rounds (RoundPerConn 1 ns) this gave about 700 writes
	// for 1,600 messages; with them, under 100.
	if writes > msgs/4 {
		t.Fatalf("%.0f writes for %.0f messages: the rounds did not share them", writes, msgs)
	}
}
