// Package boltstore is the embedded board.Store: one bbolt file in the data
// directory. It is the default store of a single Processkarta server.
//
// Every board has its own bucket with one record per object, participant,
// token and voter, so a commit writes only what its change touched, plus a
// change log keyed by big-endian seq and trimmed to a bound (Since answers
// from it). The states of boards in use are cached in memory: Commit runs
// prepare against the cache, never against the disk.
//
// A commit is durable when Commit returns: its transaction has been fsync'd.
// Commits of all boards go through one writer goroutine that groups the
// commits waiting at that moment into one transaction (group commit), so
// concurrent writers share fsyncs, while each board's changes are still
// written, acknowledged and fanned out in seq order.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// FileName is the name of the database file in the data directory.
const FileName = "processkarta.db"

// Defaults of the options.
const (
	DefaultLogBound         = 10_000
	DefaultSubscriberBuffer = 256
	DefaultCacheIdle        = 10 * time.Minute
)

// maxGroup caps how many commits one transaction takes, so a group's
// latency stays bounded under a flood.
const maxGroup = 256

// Option configures a Store.
type Option func(*config)

type config struct {
	logBound   int
	subBuffer  int
	cacheIdle  time.Duration
	purgeDelay time.Duration
}

// WithLogBound sets how many changes each board's log keeps (default
// 10,000). Since answers ETooOld for older seqs.
func WithLogBound(n int) Option {
	return func(c *config) { storekit.SetPositive(&c.logBound, n) }
}

// WithSubscriberBuffer sets how many changes a subscriber's channel holds
// (default 256). A subscriber that lets it fill up is dropped.
func WithSubscriberBuffer(n int) Option {
	return func(c *config) { storekit.SetPositive(&c.subBuffer, n) }
}

// WithCacheIdle sets how long a board without subscribers stays cached
// after its last use (default 10 minutes).
func WithCacheIdle(d time.Duration) Option {
	return func(c *config) { storekit.SetPositive(&c.cacheIdle, d) }
}

// Bucket names. Top-level buckets hold the global data; each board has a
// bucket of its own under bBoards.
var (
	bMeta          = []byte("meta")
	bMunicipality  = []byte("municipalities")
	bStrategies    = []byte("strategies")
	bStrategyIndex = []byte("strategy_index") // municipality → seq → strategy id
	bBoards        = []byte("boards")         // board id → board bucket
	bBoardOrder    = []byte("board_order")    // seq → board id
	bJoinCodes     = []byte("join_codes")     // join code → board id
	bExports       = []byte("exports")
	bExportPDFs    = []byte("export_pdfs")
	bExportIndex   = []byte("export_index") // strategy → seq → export id

	// In a board's bucket.
	kInfo         = []byte("info")
	kSettings     = []byte("settings")
	kSeq          = []byte("seq")
	kSummary      = []byte("summary")
	bObjects      = []byte("objects")
	bParticipants = []byte("participants")
	bTokens       = []byte("tokens")
	bVotes        = []byte("votes")
	bLog          = []byte("log")
)

var topBuckets = [][]byte{bMeta, bMunicipality, bStrategies, bStrategyIndex, bBoards, bBoardOrder, bJoinCodes, bExports, bExportPDFs, bExportIndex}

// Store is the bbolt board.Store. It is safe for concurrent use.
type Store struct {
	// summaries keeps decoded board summaries (see Summaries).
	summaries storekit.SummaryCache

	// db is replaced by Compact; dbMu is held shared by every use of it
	// and exclusively while the file is swapped.
	dbMu sync.RWMutex
	db   *bolt.DB
	dir  string
	cfg  config
	live *storekit.Live[boardData]

	purgeReq   chan struct{}
	stopPurger chan struct{}
	purgerDone chan struct{}
	purgeStats

	// closing guards queue against sends after Close.
	closing     sync.RWMutex
	closed      bool
	queue       chan *write
	writerDone  chan struct{}
	stopJanitor chan struct{}
	janitorDone chan struct{}
}

// boardData is the store's own part of a cached board.
type boardData struct {
	// mu serializes the board's commits and guards the fields below.
	mu sync.Mutex
	// pending is the state with every queued change applied; commits are
	// prepared against it so they need not wait for the disk. The cached
	// state in storekit.Board advances only when a change is durable.
	pending *board.State
	// last is the board's latest queued write; once it is done, every
	// earlier one is.
	last *write
	// broken is set by the writer when a write failed: pending holds a
	// change that is not stored and must be rebuilt.
	broken bool
	// brokenMu guards broken, which the writer sets without mu.
	brokenMu sync.Mutex
}

// Open opens (creating it if needed) the store in directory dir.
func Open(dir string, opts ...Option) (*Store, error) {
	cfg := config{logBound: DefaultLogBound, subBuffer: DefaultSubscriberBuffer, cacheIdle: DefaultCacheIdle, purgeDelay: DefaultPurgeDelay}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	// A compaction cut short by a crash leaves its half-written copy.
	os.Remove(filepath.Join(dir, FileName+".compact"))
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, boltOptions())
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", dir, err)
	}
	if err := upgrade(db, dir); err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range topBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	s := &Store{
		db:          db,
		dir:         dir,
		cfg:         cfg,
		purgeReq:    make(chan struct{}, 1),
		stopPurger:  make(chan struct{}),
		purgerDone:  make(chan struct{}),
		live:        storekit.NewLive[boardData](cfg.subBuffer),
		queue:       make(chan *write, maxGroup),
		writerDone:  make(chan struct{}),
		stopJanitor: make(chan struct{}),
		janitorDone: make(chan struct{}),
	}
	go s.writer()
	go s.janitor()
	go s.purger()
	return s, nil
}

// Ping reports whether the store is open.
func (s *Store) Ping(ctx context.Context) error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return errClosed()
	}
	return nil
}

// Close waits for the queued commits, ends every subscription and closes
// the file.
func (s *Store) Close() error {
	s.closing.Lock()
	if s.closed {
		s.closing.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.closing.Unlock()
	<-s.writerDone
	close(s.stopJanitor)
	<-s.janitorDone
	s.live.Close()
	// A purge that is due runs now, before the file closes.
	close(s.stopPurger)
	<-s.purgerDone
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	return s.db.Close()
}

func errClosed() error { return board.Errorf(board.EUnavailable, "the store is closed") }

// view and update run a transaction unless the store is closed.
func (s *Store) view(fn func(tx *bolt.Tx) error) error { return s.tx(false, fn) }

func (s *Store) update(fn func(tx *bolt.Tx) error) error { return s.tx(true, fn) }

func (s *Store) tx(write bool, fn func(tx *bolt.Tx) error) error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return errClosed()
	}
	// The db is read under dbMu: compaction swaps it.
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if write {
		return wrap(s.db.Update(fn))
	}
	return wrap(s.db.View(fn))
}

// boltOptions are the options the database file is opened with.
func boltOptions() *bolt.Options {
	// The timeout turns a second process on the same file into an error
	// instead of a hang on the file lock. Not syncing the freelist halves
	// the bytes each commit fsyncs; bbolt rebuilds it by scanning at open,
	// so durability does not depend on it (etcd runs bbolt this way).
	return &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true}
}

// wrap leaves *board.Error alone and marks anything else as the store's.
func wrap(err error) error {
	var be *board.Error
	if err == nil || errors.As(err, &be) {
		return err
	}
	return fmt.Errorf("boltstore: %w", err)
}

var _ board.Store = (*Store)(nil)
