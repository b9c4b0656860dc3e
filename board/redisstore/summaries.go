package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Summaries returns the stored summaries of the given boards, in that
// order, leaving out boards that do not exist: one pipelined round trip
// (one per node on Redis Cluster). A board stored before summaries were
// kept is loaded and summed up instead.
func (s *Store) Summaries(ctx context.Context, boardIDs []string) ([]*board.Summary, error) {
	out := make([]*board.Summary, len(boardIDs))
	if len(boardIDs) == 0 {
		return out, nil
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	cmds := make([]*redis.StringCmd, len(boardIDs))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range boardIDs {
			cmds[i] = p.Get(ctx, summaryKey(id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap(err)
	}
	var missing []int
	for i, c := range cmds {
		b, err := c.Bytes()
		if errors.Is(err, redis.Nil) {
			missing = append(missing, i)
			continue
		}
		if err != nil {
			return nil, wrap(err)
		}
		if out[i], err = s.summaries.Decode(boardIDs[i], b); err != nil {
			return nil, wrap(err)
		}
	}
	return storekit.CompleteSummaries(ctx, boardIDs, out, missing, s.Load)
}
