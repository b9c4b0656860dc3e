package server_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

type acked struct {
	seq   uint64
	batch int
}

// runConvergence puts clients on the nodes (round robin) and lets them
// edit one board at random, dropping and resuming their connections, then
// checks that every replica equals the server's board and that every
// acknowledged batch is in the board's change log.
func runConvergence(t *testing.T, store board.Store, nodes []*node, seed uint64, clients, rounds int) {
	ctx := ctxT(t)
	b := newBoard(t, nodes[0], "process-map")
	cs := make([]*client.Client, clients)
	for i := range cs {
		n := nodes[i%len(nodes)]
		j := join(t, n, b.JoinCode, fmt.Sprintf("Deltagare %d", i), board.Positions[i%4])
		c, err := client.Dial(ctx, n.URL(), b.ID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c
	}
	var mu sync.Mutex
	var acks []acked
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for r := range rounds {
				switch x := rng.IntN(100); {
				case x < 8:
					c.Drop()
					time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
					for err := c.Reconnect(ctx); err != nil; err = c.Reconnect(ctx) {
						if ctx.Err() != nil {
							// Past the test's deadline: fail, do not spin.
							t.Errorf("client %d cannot reconnect: %v", i, err)
							return
						}
						time.Sleep(10 * time.Millisecond)
					}
				case x < 12:
					time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
				default:
					ops := randomOps(rng, c.Objects())
					seq, err := c.Ops(ctx, ops...)
					var ce *client.Error
					switch {
					case err == nil:
						mu.Lock()
						acks = append(acks, acked{seq, i*100000 + r})
						mu.Unlock()
					case errors.Is(err, client.ErrClosed), errors.As(err, &ce):
						// Rejected as stale, or fate learnt after reconnecting.
					default:
						t.Errorf("client %d: %v", i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	final, server := snapshotObjects(t, nodes[0], b.ID)
	for i, c := range cs {
		if err := c.WaitSeq(ctx, final); err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if d := sameObjects(c.Objects(), server); d != "" {
			t.Fatalf("client %d (node %d) diverged at seq %d: %s", i, i%len(nodes), c.Seq(), d)
		}
		if c.Gaps() != 0 {
			t.Fatalf("client %d saw %d gaps", i, c.Gaps())
		}
		c.Drop()
	}
	changes, err := store.Since(ctx, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := map[uint64]*board.Change{}
	for _, ch := range changes {
		bySeq[ch.Seq] = ch
	}
	for _, a := range acks {
		if ch := bySeq[a.seq]; ch == nil || ch.Type != board.ChangeOps {
			t.Fatalf("acknowledged seq %d is not in the log", a.seq)
		}
	}
	t.Logf("%d clients, %d acknowledged batches, final seq %d, %d objects", clients, len(acks), final, len(server))
}

// randomOps makes a batch of one to four ops against what the client sees;
// some will be stale by the time they arrive, which is the point.
func randomOps(rng *rand.Rand, objs map[string]*board.Object) []board.Op {
	var ids, lanes, nodes []string
	for id, o := range objs {
		ids = append(ids, id)
		switch o.Kind {
		case board.KindLane:
			lanes = append(lanes, id)
		case board.KindLink:
		default:
			nodes = append(nodes, id)
		}
	}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	var ops []board.Op
	for range 1 + rng.IntN(4) {
		switch x := rng.IntN(10); {
		case x < 4 || len(ids) == 0:
			props := map[string]any{"x": float64(rng.IntN(2000)), "y": float64(rng.IntN(1000)), "text": fmt.Sprintf("Steg %d åäö", rng.IntN(1000))}
			kind := board.KindNote
			if len(lanes) > 0 && rng.IntN(2) == 0 {
				kind, props["lane"] = board.KindStep, pick(lanes)
			}
			n := id()
			ops = append(ops, board.Op{Op: "create", ID: n, Kind: kind, Props: props})
			nodes = append(nodes, n)
		case x < 5 && len(nodes) > 1:
			from, to := pick(nodes), pick(nodes)
			if from != to {
				ops = append(ops, board.Op{Op: "create", ID: id(), Kind: board.KindLink, Props: map[string]any{"from": from, "to": to}})
			}
		case x < 9:
			target := pick(ids)
			o := objs[target]
			props := map[string]any{}
			if o != nil && o.Kind != board.KindLane && o.Kind != board.KindLink {
				props["x"] = float64(rng.IntN(2000))
				if rng.IntN(2) == 0 {
					props["text"] = fmt.Sprintf("ändrad %d", rng.IntN(100))
				}
			} else if o != nil && o.Kind == board.KindLink {
				props["label"] = fmt.Sprintf("etikett %d", rng.IntN(100))
			} else {
				props["title"] = fmt.Sprintf("Förvaltning %d", rng.IntN(100))
			}
			ops = append(ops, board.Op{Op: "update", ID: target, Props: props})
		default:
			ops = append(ops, board.Op{Op: "delete", ID: pick(ids)})
		}
	}
	if len(ops) == 0 {
		ops = append(ops, note("reserv", 1, 1))
	}
	return ops
}

var fastLimits = server.Limits{EditsPerSecond: 10000, EditBurst: 10000}

// Two servers on one embedded store in one process: the hub's fan-out and
// catch-up under concurrency, without Redis.
func TestConvergenceTwoNodesOneProcess(t *testing.T) {
	store := openBolt(t)
	presence := board.NewLocalPresence()
	nodes := []*node{startNode(t, store, presence, fastLimits), startNode(t, store, presence, fastLimits)}
	runConvergence(t, store, nodes, 1, 20, 60)
}

func TestConvergenceSeeds(t *testing.T) {
	for seed := uint64(2); seed < 5; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			store := openBolt(t)
			runConvergence(t, store, []*node{startNode(t, store, nil, fastLimits)}, seed, 8, 40)
		})
	}
}
