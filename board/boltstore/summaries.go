package boltstore

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
)

// Summaries returns the stored summaries of the given boards, in that
// order, leaving out boards that do not exist. A board stored before
// summaries were kept is loaded and summed up instead.
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
	for _, i := range missing {
		st, err := s.Load(ctx, boardIDs[i])
		if board.ErrorCode(err) == board.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = board.Summarize(st, st.Info.CreatedAt.UnixMilli())
	}
	return compact(out), nil
}

func compact(s []*board.Summary) []*board.Summary {
	out := s[:0]
	for _, v := range s {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}
