package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// loadLocked makes sure the board is cached, loading it from disk if
// needed, and rebuilds the pending state after a failed write. The caller
// holds d.mu.
func (s *Store) loadLocked(b *storekit.Board[boardData]) error {
	d := &b.Data
	d.brokenMu.Lock()
	broken := d.broken
	d.brokenMu.Unlock()
	if broken {
		// Wait until the board's queue is empty; the cached state, which
		// advanced only with successful writes, is then exactly what the
		// disk holds, and pending starts again from it.
		if d.last != nil {
			<-d.last.done
		}
		d.brokenMu.Lock()
		d.broken = false
		d.brokenMu.Unlock()
		d.pending = nil
	}
	if d.pending != nil {
		return nil
	}
	if st := b.Snapshot(); st != nil {
		d.pending = st
		return nil
	}
	var rec *storekit.Records
	err := s.view(func(tx *bolt.Tx) error {
		bb := tx.Bucket(bBoards).Bucket([]byte(b.ID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", b.ID)
		}
		rec = readRecords(bb)
		return nil
	})
	if err != nil {
		return err
	}
	st, err := storekit.Decode(rec)
	if err != nil {
		return wrap(err)
	}
	d.pending = st.Clone()
	b.Replace(st)
	return nil
}

// Load returns a private copy of a board's current state: every change
// acknowledged so far, and none that is not durable yet.
func (s *Store) Load(ctx context.Context, boardID string) (*board.State, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if st := b.Snapshot(); st != nil {
		return st, nil
	}
	d := &b.Data
	d.mu.Lock()
	err := s.loadLocked(b)
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return b.Snapshot(), nil
}

// Since returns the durable changes after seq, in order. ETooOld if the log
// no longer holds all of them, and also if seq is ahead of the board (the
// caller needs a full state either way); empty if seq is current.
func (s *Store) Since(ctx context.Context, boardID string, seq uint64) ([]*board.Change, error) {
	out := []*board.Change{}
	err := s.view(func(tx *bolt.Tx) error {
		bb := tx.Bucket(bBoards).Bucket([]byte(boardID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", boardID)
		}
		cur := binary.BigEndian.Uint64(bb.Get(kSeq))
		c := bb.Bucket(bLog).Cursor()
		k, v := c.Seek(be64(seq + 1))
		var first uint64
		if k != nil {
			first = binary.BigEndian.Uint64(k)
		}
		if current, err := board.CatchUp(seq, cur, first); current || err != nil {
			return err
		}
		for ; k != nil; k, v = c.Next() {
			ch := &board.Change{}
			if err := json.Unmarshal(v, ch); err != nil {
				return err
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Subscribe returns the board's durable state and a channel of every change
// after it.
func (s *Store) Subscribe(ctx context.Context, boardID string) (*board.State, <-chan *board.Change, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if !b.Loaded() {
		d := &b.Data
		d.mu.Lock()
		err := s.loadLocked(b)
		d.mu.Unlock()
		if err != nil {
			return nil, nil, err
		}
	}
	return b.Subscribe(ctx)
}

// janitor drops idle boards from the cache.
func (s *Store) janitor() {
	defer close(s.janitorDone)
	t := time.NewTicker(max(s.cfg.cacheIdle/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.stopJanitor:
			return
		case <-t.C:
			for _, b := range s.live.Evict(s.cfg.cacheIdle) {
				b.Unload()
			}
		}
	}
}
