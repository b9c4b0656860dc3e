package boltstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Unlinking is not erasure: bbolt writes copy-on-write and keeps the pages
// a transaction freed, old contents and all, until it reuses them. So after
// a deletion or an erasure the store compacts: it copies the live data into
// a new file, swaps it for the old one, and overwrites the old file's
// bytes before letting it go. Meanwhile every transaction waits (readers
// and writers pause; none fails), for about as long as copying the live
// data takes.

// DefaultPurgeDelay is how long the store waits after a deletion or an
// erasure before it compacts, so that a burst of them (the retention job
// erasing many boards) costs one compaction.
const DefaultPurgeDelay = 2 * time.Second

// WithPurgeDelay sets how long after a deletion or an erasure the file is
// compacted (default 2s; it must stay well below board.PurgeWithin).
func WithPurgeDelay(d time.Duration) Option {
	return func(c *config) { c.purgeDelay = d }
}

// compactTxSize bounds one copy transaction, as bbolt's own tool does.
const compactTxSize = 64 << 20

// schedulePurge asks for a compaction after the purge delay.
func (s *Store) schedulePurge() {
	select {
	case s.purgeReq <- struct{}{}:
	default: // one is asked for already
	}
}

// purger compacts the file when asked to, once per purge delay at most.
func (s *Store) purger() {
	defer close(s.purgerDone)
	for {
		select {
		case <-s.stopPurger:
			return
		case <-s.purgeReq:
		}
		t := time.NewTimer(s.cfg.purgeDelay)
		select {
		case <-s.stopPurger:
			t.Stop()
			// Closing: compact now rather than leave the bytes
			// behind. Close waits for this before closing the file.
			s.compactFile()
			return
		case <-t.C:
		}
		s.compactOrLog()
	}
}

func (s *Store) compactOrLog() {
	if err := s.Compact(); err != nil && !errors.Is(err, errCompactClosed) {
		// The next deletion asks again; keep trying until then.
		s.compactErrors.Add(1)
		select {
		case s.purgeReq <- struct{}{}:
		default:
		}
	}
}

var errCompactClosed = errors.New("boltstore: closed")

// Compactions returns how many compactions have completed, and how many
// failed, since the store opened.
func (s *Store) Compactions() (done, failed int64) {
	return s.compactions.Load(), s.compactErrors.Load()
}

// Compact rewrites the database file with only its live data and
// overwrites the old file, so that deleted data leaves the disk. It pauses
// the store's transactions while it runs; it runs by itself after
// deletions and erasures.
func (s *Store) Compact() error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return errCompactClosed
	}
	return s.compactFile()
}

// compactFile does Compact's work; the file must be open.
func (s *Store) compactFile() error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	start := time.Now()
	path := filepath.Join(s.dir, FileName)
	tmp := path + ".compact"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	opts := boltOptions()
	opts.NoSync = true // one fsync at the end instead of one per copy transaction
	dst, err := bolt.Open(tmp, 0o600, opts)
	if err != nil {
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := bolt.Compact(dst, s.db, compactTxSize); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	// Keep a handle on the old file to overwrite it once it is replaced.
	old, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	defer old.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore: compact: %w", err)
	}
	// From here the store must end up with an open database whatever
	// happens: rename is atomic, so path is the old file or the new one.
	renameErr := os.Rename(tmp, path)
	if renameErr == nil {
		renameErr = syncDir(s.dir)
	}
	db, err := bolt.Open(path, 0o600, boltOptions())
	if err != nil {
		// Nothing can be served without the file; keep trying briefly
		// (the lock of the closed handle may linger a moment).
		for range 20 {
			time.Sleep(50 * time.Millisecond)
			if db, err = bolt.Open(path, 0o600, boltOptions()); err == nil {
				break
			}
		}
		if err != nil {
			panic(fmt.Sprintf("boltstore: the database cannot be reopened after compaction: %v", err))
		}
	}
	s.db = db
	if renameErr != nil {
		os.Remove(tmp)
		return fmt.Errorf("boltstore: compact: %w", renameErr)
	}
	if err := overwrite(old); err != nil {
		return fmt.Errorf("boltstore: compact: overwriting the old file: %w", err)
	}
	s.compactions.Add(1)
	s.lastCompact.Store(int64(time.Since(start)))
	return nil
}

// LastCompaction returns how long the last compaction paused the store.
func (s *Store) LastCompaction() time.Duration { return time.Duration(s.lastCompact.Load()) }

// overwrite fills an unlinked file with zeros and syncs it, so that its
// blocks no longer hold the old data when the file system frees them. (On
// copy-on-write file systems and SSDs the device may still keep old
// blocks; docs/operations.md says why the data directory belongs on an
// encrypted volume.)
func overwrite(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, 1<<20)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	for left := fi.Size(); left > 0; {
		n := min(left, int64(len(zeros)))
		if _, err := f.Write(zeros[:n]); err != nil {
			return err
		}
		left -= n
	}
	return f.Sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// counters of the purger, kept apart for atomic access.
type purgeStats struct {
	compactions   atomic.Int64
	compactErrors atomic.Int64
	lastCompact   atomic.Int64
}
