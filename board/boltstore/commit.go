package boltstore

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// write is one commit on its way to the disk.
type write struct {
	b      *storekit.Board[boardData]
	change *board.Change
	log    []byte // the change as JSON
	// summary is the board's summary after the change, nil if the change
	// leaves it as it was.
	summary []byte
	w       *storekit.Writes
	err     error
	done    chan struct{}
}

// Commit prepares a change against the board's cached state, queues it for
// the writer and returns once it is durable.
func (s *Store) Commit(ctx context.Context, boardID string, prepare func(*board.State) (*board.Change, error)) (*board.Change, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	w, err := s.enqueue(b, prepare)
	if w == nil {
		return nil, err
	}
	// The write cannot be called back once queued, so wait for it even if
	// ctx ends: the caller must learn whether it is stored.
	<-w.done
	if w.err != nil {
		return nil, w.err
	}
	return w.change, nil
}

// enqueue prepares a change under the board's commit lock, applies it to
// the pending state and queues its write. It returns a nil write when
// there is nothing to store (prepare's error, or no change).
func (s *Store) enqueue(b *storekit.Board[boardData], prepare func(*board.State) (*board.Change, error)) (*write, error) {
	d := &b.Data
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := s.loadLocked(b); err != nil {
		return nil, err
	}
	// If prepare panics, the deferred unlock keeps the board usable.
	c, err := prepare(d.pending)
	if err != nil || c == nil {
		return nil, err
	}
	if err := d.pending.Follows(c); err != nil {
		return nil, err
	}
	w := &write{b: b, change: c, done: make(chan struct{})}
	t := storekit.Touch(d.pending, c)
	d.pending.Apply(c)
	if w.w, err = t.Writes(d.pending); err == nil {
		w.log, err = board.MarshalJSON(c)
	}
	if err == nil {
		w.summary, err = t.Summary(d.pending, d.pending)
	}
	if err != nil {
		// pending has the change but the disk never will.
		d.pending = nil
		return nil, wrap(err)
	}
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		d.pending = nil
		return nil, errClosed()
	}
	// Queued under d.mu, so the board's writes reach the writer in seq
	// order.
	s.queue <- w
	d.last = w
	return w, nil
}

// writer writes the queued commits, grouping those that wait at the same
// time into one transaction and so one fsync.
func (s *Store) writer() {
	defer close(s.writerDone)
	for w := range s.queue {
		group := []*write{w}
	more:
		for len(group) < maxGroup {
			select {
			case w, ok := <-s.queue:
				if !ok {
					break more
				}
				group = append(group, w)
			default:
				break more
			}
		}
		s.writeGroup(group)
	}
}

func (s *Store) writeGroup(group []*write) {
	// Shared with every other use of the file; a compaction waits.
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, w := range group {
			if err := s.writeOne(tx, w); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(group) > 1 {
		// One bad write spoils the whole transaction; write them one by
		// one so that only the bad one fails.
		for _, w := range group {
			w.err = s.db.Update(func(tx *bolt.Tx) error { return s.writeOne(tx, w) })
		}
	} else {
		for _, w := range group {
			w.err = err
		}
	}
	purge := false
	for _, w := range group {
		if w.err == nil && w.change.Type == board.ChangeErase {
			purge = true
		}
		if w.err != nil {
			w.err = board.Errorf(board.EUnavailable, "the change could not be stored: %v", w.err)
			d := &w.b.Data
			d.brokenMu.Lock()
			d.broken = true
			d.brokenMu.Unlock()
		} else {
			// Durable now: let Load and the subscribers see it.
			w.b.Advance(w.change)
		}
		close(w.done)
	}
	if purge {
		s.schedulePurge()
	}
}

// writeOne writes one change into the board's bucket. The stored seq must
// be the one the change was prepared against: that keeps a board's history
// a chain even if an earlier write of it failed.
func (s *Store) writeOne(tx *bolt.Tx, w *write) error {
	bb := tx.Bucket(bBoards).Bucket([]byte(w.b.ID))
	if bb == nil {
		return fmt.Errorf("board %s is gone", w.b.ID)
	}
	seq := w.change.Seq
	if v := bb.Get(kSeq); len(v) != 8 || binary.BigEndian.Uint64(v) != seq-1 {
		return fmt.Errorf("board %s: change %d does not follow the stored seq", w.b.ID, seq)
	}
	put := func(name []byte, m map[string][]byte) error {
		b := bb.Bucket(name)
		for k, v := range m {
			var err error
			if v == nil {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(bObjects, w.w.Objects); err != nil {
		return err
	}
	if err := put(bParticipants, w.w.Participants); err != nil {
		return err
	}
	if err := put(bVotes, w.w.Votes); err != nil {
		return err
	}
	for h, id := range w.w.Tokens {
		var err error
		if id == "" {
			err = bb.Bucket(bTokens).Delete([]byte(h))
		} else {
			err = bb.Bucket(bTokens).Put([]byte(h), []byte(id))
		}
		if err != nil {
			return err
		}
	}
	if w.w.Settings != nil {
		if err := bb.Put(kSettings, w.w.Settings); err != nil {
			return err
		}
	}
	if w.summary != nil {
		if err := bb.Put(kSummary, w.summary); err != nil {
			return err
		}
	}
	if err := bb.Put(kSeq, be64(seq)); err != nil {
		return err
	}
	log := bb.Bucket(bLog)
	if w.change.Type == board.ChangeErase {
		// The erased names leave the log with the change that erases
		// them, atomically.
		if err := scrubLog(bb, w.change.Erased); err != nil {
			return err
		}
	}
	if err := log.Put(be64(seq), w.log); err != nil {
		return err
	}
	// Trim to the bound; usually this drops one entry.
	if seq > uint64(s.cfg.logBound) {
		cut := seq - uint64(s.cfg.logBound)
		c := log.Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= cut; k, _ = c.First() {
			if err := log.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
