package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Summaries returns the stored summaries of the given boards, in that
// order, leaving out boards that do not exist. A board stored before
// summaries were kept is loaded and summed up instead (missing counts
// boards without a summary record; boards without a bucket do not exist).
func (s *Store) Summaries(ctx context.Context, boardIDs []string) ([]*board.Summary, error) {
	out := make([]*board.Summary, len(boardIDs))
	var missing []int
	err := s.view(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		for i, id := range boardIDs {
			bb := boards.Bucket([]byte(id))
			if bb == nil {
				continue
			}
			v := bb.Get(kSummary)
			if v == nil {
				missing = append(missing, i)
				continue
			}
			sum, err := s.summaries.Decode(id, v)
			if err != nil {
				return err
			}
			out[i] = sum
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	return storekit.CompleteSummaries(ctx, boardIDs, out, missing, s.Load)
}
