package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
)

// FormatVersion is the key layout this code writes, recorded in the meta
// hash under fieldFormat. 1 is round 1's (recorded nowhere); 2 adds each
// board's summary key. See boltstore.FormatVersion: the numbers agree.
const FormatVersion = 2

const fieldFormat = "format_version"

// upgrade brings the keyspace to FormatVersion at start. A keyspace
// written by a newer version is refused unchanged. The step from 1 to 2
// only adds keys (each board's summary), so the keys round 1 wrote stay
// as they were; several nodes starting at once may each run it, since it
// writes the same values.
func (s *Store) upgrade(ctx context.Context) error {
	rdb := s.rdb
	v, err := rdb.HGet(ctx, kMeta, fieldFormat).Result()
	version := 0
	switch {
	case err == redis.Nil:
		n, err := rdb.Exists(ctx, kBoards, kMunis).Result()
		if err != nil {
			return wrap(err)
		}
		if n == 0 {
			return wrap(rdb.HSet(ctx, kMeta, fieldFormat, FormatVersion).Err())
		}
		version = 1
	case err != nil:
		return wrap(err)
	default:
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return fmt.Errorf("the Redis database records data format %q, which no Processkarta writes", v)
		}
	}
	if version > FormatVersion {
		return fmt.Errorf("the Redis database was written by a newer Processkarta (data format %d; this program knows up to %d): run that version or newer, or restore a backup into an empty Redis with this one",
			version, FormatVersion)
	}
	if version == 1 {
		if err := s.addSummaries(ctx); err != nil {
			return fmt.Errorf("upgrading the Redis database from format 1 to 2: %w", err)
		}
	}
	if version < FormatVersion {
		return wrap(rdb.HSet(ctx, kMeta, fieldFormat, FormatVersion).Err())
	}
	return nil
}

// addSummaries writes the summary of every board that has none.
func (s *Store) addSummaries(ctx context.Context) error {
	rdb := s.rdb
	ids, err := rdb.ZRange(ctx, kBoards, 0, -1).Result()
	if err != nil {
		return wrap(err)
	}
	for _, id := range ids {
		n, err := rdb.Exists(ctx, summaryKey(id)).Result()
		if err != nil {
			return wrap(err)
		}
		if n == 1 {
			continue
		}
		st, err := s.snapshot(ctx, id)
		if board.ErrorCode(err) == board.ENotFound {
			continue // listed but never created
		}
		if err != nil {
			return err
		}
		sum, err := json.Marshal(board.Summarize(st, st.Info.CreatedAt.UnixMilli()))
		if err != nil {
			return err
		}
		// SETNX: a summary a commit wrote meanwhile is newer; keep it.
		if err := rdb.SetNX(ctx, summaryKey(id), sum, 0).Err(); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// Durability returns Redis' appendonly and appendfsync settings, so that
// the server can warn an operator whose Redis would lose acknowledged
// edits. A Redis that does not allow CONFIG answers with an error.
func (s *Store) Durability(ctx context.Context) (appendonly, appendfsync string, err error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return "", "", err
	}
	defer cancel()
	m, err := s.rdb.ConfigGet(ctx, "append*").Result()
	if err != nil {
		return "", "", wrap(err)
	}
	return m["appendonly"], m["appendfsync"], nil
}
