package boltstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
)

// BenchmarkCompact measures how long a compaction pauses the store with
// 50 MB of exports in the file:
//
//	go test -run '^$' -bench Compact -benchtime 3x ./board/boltstore/
func BenchmarkCompact(b *testing.B) {
	s, err := boltstore.Open(b.TempDir(), boltstore.WithPurgeDelay(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pdf := make([]byte, 500<<10)
	rand.Read(pdf)
	for i := range 100 {
		e := &board.Export{ID: uuid.NewString(), Board: "b", Strategy: fmt.Sprint(i % 3)}
		if err := s.SaveExport(context.Background(), e, pdf); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if err := s.Compact(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.LastCompaction().Milliseconds()), "ms-paused")
}
