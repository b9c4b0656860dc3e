package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// RunBench benchmarks Commit: a batch of three ops (three notes moved, as
// when a participant drags a selection) on one board, from 1 and from 8
// concurrent writers. It reports batches/s; ns/op is the time per batch.
func RunBench(b *testing.B, open func(b *testing.B) board.Store) {
	for _, writers := range []int{1, 8} {
		name := "Commit3Ops/writers=1"
		if writers == 8 {
			name = "Commit3Ops/writers=8"
		}
		b.Run(name, func(b *testing.B) { benchCommit(b, open(b), writers) })
	}
}

func benchCommit(b *testing.B, s board.Store, writers int) {
	f := newBoard(b, s, board.TemplateBlank)
	ids := make([]string, 3*writers)
	var create []board.Op
	for i := range ids {
		ids[i] = uuid.NewString()
		create = append(create, noteOp(ids[i], "note", 0))
	}
	if _, err := f.ops(context.Background(), create...); err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		wg.Go(func() {
			mine := ids[3*w : 3*w+3]
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				x := float64(n % 1000)
				ops := make([]board.Op, 3)
				for i, id := range mine {
					ops[i] = board.Op{Op: board.OpUpdate, ID: id, Props: map[string]any{"x": x, "y": x + float64(i)}}
				}
				if _, err := f.ops(context.Background(), ops...); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
}
