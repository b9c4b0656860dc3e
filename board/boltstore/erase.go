package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
)

// lastChange returns the time of the board's latest logged change, or
// created if it has none.
func lastChange(bb *bolt.Bucket, created time.Time) time.Time {
	log := bb.Bucket(bLog)
	if log == nil {
		return created
	}
	_, v := log.Cursor().Last()
	var c struct {
		At int64 `json:"at"`
	}
	if v == nil || json.Unmarshal(v, &c) != nil {
		return created
	}
	return board.LastChangeOr(c.At, created)
}

// scrubLog rewrites the logged changes of a board that name one of the
// erased participants (see board.Change.Scrub), in the transaction that
// stores the erase change.
func scrubLog(bb *bolt.Bucket, erased []string) error {
	log := bb.Bucket(bLog)
	if log == nil || len(erased) == 0 {
		return nil
	}
	gone := make(map[string]bool, len(erased))
	needles := make([][]byte, len(erased))
	for i, id := range erased {
		gone[id] = true
		needles[i] = []byte(`"` + id + `"`)
	}
	type entry struct{ k, v []byte }
	var rewrite []entry
	err := log.ForEach(func(k, v []byte) error {
		hit := false
		for _, n := range needles {
			if bytes.Contains(v, n) {
				hit = true
				break
			}
		}
		if !hit {
			return nil
		}
		c := &board.Change{}
		if err := json.Unmarshal(v, c); err != nil {
			return err
		}
		if c.Scrub(gone) {
			b, err := json.Marshal(c)
			if err != nil {
				return err
			}
			rewrite = append(rewrite, entry{clone(k), b})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Not during ForEach: bbolt forbids changing a bucket while iterating.
	for _, e := range rewrite {
		if err := log.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// DeleteBoard deletes a board with its change log, participants, tokens,
// join code and exports, and schedules the compaction that takes their
// bytes off the disk.
func (s *Store) DeleteBoard(ctx context.Context, boardID string) error {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	// Under the board's commit lock: no commit is prepared meanwhile, and
	// the queued ones are waited for, so none writes after the delete.
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last != nil {
		<-d.last.done
	}
	err := s.update(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		bb := boards.Bucket([]byte(boardID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", boardID)
		}
		info := &board.Info{}
		if err := json.Unmarshal(bb.Get(kInfo), info); err != nil {
			return err
		}
		if info.JoinCode != "" {
			codes := tx.Bucket(bJoinCodes)
			if string(codes.Get([]byte(info.JoinCode))) == boardID {
				if err := codes.Delete([]byte(info.JoinCode)); err != nil {
					return err
				}
			}
		}
		if err := deleteValue(tx.Bucket(bBoardOrder), boardID); err != nil {
			return err
		}
		if _, err := deleteExports(tx, boardID, nil); err != nil {
			return err
		}
		return boards.DeleteBucket([]byte(boardID))
	})
	if err != nil {
		return err
	}
	d.pending, d.last = nil, nil
	b.Unload()
	s.schedulePurge()
	return nil
}

// deleteValue deletes the entries of an index bucket whose value is id.
func deleteValue(idx *bolt.Bucket, id string) error {
	var keys [][]byte
	_ = idx.ForEach(func(k, v []byte) error {
		if string(v) == id {
			keys = append(keys, clone(k))
		}
		return nil
	})
	for _, k := range keys {
		if err := idx.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// deleteExports deletes the board's exports that match (all with nil).
func deleteExports(tx *bolt.Tx, boardID string, match func(*board.Export) bool) (int, error) {
	meta := tx.Bucket(bExports)
	var gone []*board.Export
	err := meta.ForEach(func(_, v []byte) error {
		e := &board.Export{}
		if err := json.Unmarshal(v, e); err != nil {
			return err
		}
		if e.Board == boardID && (match == nil || match(e)) {
			gone = append(gone, e)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, e := range gone {
		if err := meta.Delete([]byte(e.ID)); err != nil {
			return 0, err
		}
		if err := tx.Bucket(bExportPDFs).Delete([]byte(e.ID)); err != nil {
			return 0, err
		}
		if idx := tx.Bucket(bExportIndex).Bucket([]byte(e.Strategy)); e.Strategy != "" && idx != nil {
			if err := deleteValue(idx, e.ID); err != nil {
				return 0, err
			}
		}
	}
	return len(gone), nil
}

// DeleteExports deletes the board's exports that match (all with a nil
// match) and schedules a compaction if it deleted any.
func (s *Store) DeleteExports(ctx context.Context, boardID string, match func(*board.Export) bool) (int, error) {
	var n int
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		n, err = deleteExports(tx, boardID, match)
		return err
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.schedulePurge()
	}
	return n, nil
}

// Lease always holds: only one process can open the file, so this one is
// the only node.
func (s *Store) Lease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	return true, s.Ping(ctx)
}
