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
	"encoding/binary"
	"encoding/json"
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
	logBound  int
	subBuffer int
	cacheIdle time.Duration
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
	bObjects      = []byte("objects")
	bParticipants = []byte("participants")
	bTokens       = []byte("tokens")
	bVotes        = []byte("votes")
	bLog          = []byte("log")
)

var topBuckets = [][]byte{bMeta, bMunicipality, bStrategies, bStrategyIndex, bBoards, bBoardOrder, bJoinCodes, bExports, bExportPDFs, bExportIndex}

// Store is the bbolt board.Store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	cfg  config
	live *storekit.Live[boardData]

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

// write is one commit on its way to the disk.
type write struct {
	b      *storekit.Board[boardData]
	change *board.Change
	log    []byte // the change as JSON
	w      *storekit.Writes
	err    error
	done   chan struct{}
}

// Open opens (creating it if needed) the store in directory dir.
func Open(dir string, opts ...Option) (*Store, error) {
	cfg := config{logBound: DefaultLogBound, subBuffer: DefaultSubscriberBuffer, cacheIdle: DefaultCacheIdle}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	// The timeout turns a second process on the same file into an error
	// instead of a hang on the file lock. Not syncing the freelist halves
	// the bytes each commit fsyncs; bbolt rebuilds it by scanning at open,
	// so durability does not depend on it (etcd runs bbolt this way).
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", dir, err)
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
		cfg:         cfg,
		live:        storekit.NewLive[boardData](cfg.subBuffer),
		queue:       make(chan *write, maxGroup),
		writerDone:  make(chan struct{}),
		stopJanitor: make(chan struct{}),
		janitorDone: make(chan struct{}),
	}
	go s.writer()
	go s.janitor()
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
	return s.db.Close()
}

func errClosed() error { return board.Errorf(board.EUnavailable, "the store is closed") }

// view and update run a transaction unless the store is closed.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return errClosed()
	}
	return wrap(s.db.View(fn))
}

func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return errClosed()
	}
	return wrap(s.db.Update(fn))
}

// wrap leaves *board.Error alone and marks anything else as the store's.
func wrap(err error) error {
	var be *board.Error
	if err == nil || errors.As(err, &be) {
		return err
	}
	return fmt.Errorf("boltstore: %w", err)
}

func be64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	return true, json.Unmarshal(raw, v)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// appendIndex adds id under the next sequence number of the sub-bucket name
// of parent, so listing it gives ids in insertion order.
func appendIndex(parent *bolt.Bucket, name, id string) error {
	b, err := parent.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	return b.Put(be64(n), []byte(id))
}

func listIndex(parent *bolt.Bucket, name string) []string {
	b := parent.Bucket([]byte(name))
	if b == nil {
		return nil
	}
	var ids []string
	_ = b.ForEach(func(_, v []byte) error {
		ids = append(ids, string(v))
		return nil
	})
	return ids
}

// InitMeta stores value under key unless a value is there and returns the
// value in force.
func (s *Store) InitMeta(ctx context.Context, key, value string) (string, error) {
	out := value
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMeta)
		if v := b.Get([]byte(key)); v != nil {
			out = string(v)
			return nil
		}
		return b.Put([]byte(key), []byte(value))
	})
	return out, err
}

// CreateMunicipality stores m; EConflict if its code exists.
func (s *Store) CreateMunicipality(ctx context.Context, m *board.Municipality) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMunicipality)
		if b.Get([]byte(m.Code)) != nil {
			return board.Errorf(board.EConflict, "municipality %s exists already", m.Code)
		}
		return putJSON(b, []byte(m.Code), m)
	})
}

// Municipality returns one municipality by code.
func (s *Store) Municipality(ctx context.Context, code string) (*board.Municipality, error) {
	m := &board.Municipality{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bMunicipality), []byte(code), m)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no municipality %s", code)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Municipalities returns all municipalities ordered by code.
func (s *Store) Municipalities(ctx context.Context) ([]*board.Municipality, error) {
	out := []*board.Municipality{}
	err := s.view(func(tx *bolt.Tx) error {
		// Bolt keeps keys sorted, so the codes come in order.
		return tx.Bucket(bMunicipality).ForEach(func(_, v []byte) error {
			m := &board.Municipality{}
			if err := json.Unmarshal(v, m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateStrategy stores st; its municipality must exist.
func (s *Store) CreateStrategy(ctx context.Context, st *board.Strategy) error {
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bMunicipality).Get([]byte(st.Municipality)) == nil {
			return board.Errorf(board.ENotFound, "no municipality %s", st.Municipality)
		}
		b := tx.Bucket(bStrategies)
		if b.Get([]byte(st.ID)) != nil {
			return board.Errorf(board.EConflict, "strategy %s exists already", st.ID)
		}
		for _, id := range listIndex(tx.Bucket(bStrategyIndex), st.Municipality) {
			other := &board.Strategy{}
			if ok, err := getJSON(b, []byte(id), other); err != nil {
				return err
			} else if ok && other.Key() == st.Key() {
				return board.Errorf(board.EConflict, "the municipality already has the strategy %q, revision %q", other.Title, other.Revision)
			}
		}
		if err := putJSON(b, []byte(st.ID), st); err != nil {
			return err
		}
		return appendIndex(tx.Bucket(bStrategyIndex), st.Municipality, st.ID)
	})
}

// Strategy returns one strategy by id.
func (s *Store) Strategy(ctx context.Context, id string) (*board.Strategy, error) {
	st := &board.Strategy{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bStrategies), []byte(id), st)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no strategy %s", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Strategies returns a municipality's strategies in creation order.
func (s *Store) Strategies(ctx context.Context, municipality string) ([]*board.Strategy, error) {
	out := []*board.Strategy{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bStrategies)
		for _, id := range listIndex(tx.Bucket(bStrategyIndex), municipality) {
			st := &board.Strategy{}
			if ok, err := getJSON(b, []byte(id), st); err != nil {
				return err
			} else if ok {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateBoard stores a new board and indexes its join code.
func (s *Store) CreateBoard(ctx context.Context, st *board.State) error {
	rec, err := storekit.Encode(st)
	if err != nil {
		return wrap(err)
	}
	id := st.Info.ID
	return s.update(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		if id == "" || boards.Bucket([]byte(id)) != nil {
			return board.Errorf(board.EConflict, "board %s exists already", id)
		}
		codes := tx.Bucket(bJoinCodes)
		if code := st.Info.JoinCode; code != "" {
			if codes.Get([]byte(code)) != nil {
				return board.Errorf(board.EConflict, "join code %s is taken", code)
			}
			if err := codes.Put([]byte(code), []byte(id)); err != nil {
				return err
			}
		}
		bb, err := boards.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		if err := writeRecords(bb, rec); err != nil {
			return err
		}
		order := tx.Bucket(bBoardOrder)
		n, err := order.NextSequence()
		if err != nil {
			return err
		}
		return order.Put(be64(n), []byte(id))
	})
}

func writeRecords(bb *bolt.Bucket, r *storekit.Records) error {
	if err := bb.Put(kInfo, r.Info); err != nil {
		return err
	}
	if err := bb.Put(kSettings, r.Settings); err != nil {
		return err
	}
	if err := bb.Put(kSeq, be64(r.Seq)); err != nil {
		return err
	}
	for _, name := range [][]byte{bObjects, bParticipants, bTokens, bVotes, bLog} {
		if _, err := bb.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	put := func(name []byte, m map[string][]byte) error {
		b := bb.Bucket(name)
		for k, v := range m {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := put(bObjects, r.Objects); err != nil {
		return err
	}
	if err := put(bParticipants, r.Participants); err != nil {
		return err
	}
	if err := put(bVotes, r.Votes); err != nil {
		return err
	}
	for h, id := range r.Tokens {
		if err := bb.Bucket(bTokens).Put([]byte(h), []byte(id)); err != nil {
			return err
		}
	}
	return nil
}

func readRecords(bb *bolt.Bucket) *storekit.Records {
	r := &storekit.Records{
		Info:         clone(bb.Get(kInfo)),
		Settings:     clone(bb.Get(kSettings)),
		Objects:      map[string][]byte{},
		Participants: map[string][]byte{},
		Tokens:       map[string]string{},
		Votes:        map[string][]byte{},
	}
	if v := bb.Get(kSeq); len(v) == 8 {
		r.Seq = binary.BigEndian.Uint64(v)
	}
	get := func(name []byte, m map[string][]byte) {
		if b := bb.Bucket(name); b != nil {
			_ = b.ForEach(func(k, v []byte) error {
				m[string(k)] = clone(v)
				return nil
			})
		}
	}
	get(bObjects, r.Objects)
	get(bParticipants, r.Participants)
	get(bVotes, r.Votes)
	if b := bb.Bucket(bTokens); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			r.Tokens[string(k)] = string(v)
			return nil
		})
	}
	return r
}

// clone copies a value out of a transaction, whose memory it may not
// outlive.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// Boards returns the info of a municipality's boards ("" for all), in
// creation order.
func (s *Store) Boards(ctx context.Context, municipality string) ([]*board.Info, error) {
	out := []*board.Info{}
	err := s.view(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		return tx.Bucket(bBoardOrder).ForEach(func(_, id []byte) error {
			bb := boards.Bucket(id)
			if bb == nil {
				return nil
			}
			info := &board.Info{}
			if err := json.Unmarshal(bb.Get(kInfo), info); err != nil {
				return err
			}
			if municipality == "" || info.Municipality == municipality {
				out = append(out, info)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BoardByJoinCode returns the id of the board whose join code is code.
func (s *Store) BoardByJoinCode(ctx context.Context, code string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bJoinCodes).Get([]byte(code))
		if v == nil {
			return board.Errorf(board.ENotFound, "no board has join code %s", code)
		}
		id = string(v)
		return nil
	})
	return id, err
}

// SetJoinCode gives a board a new join code; the old one stops working.
func (s *Store) SetJoinCode(ctx context.Context, boardID, code string) error {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	// Hold the board's commit lock so the cached states change with the
	// disk.
	d.mu.Lock()
	defer d.mu.Unlock()
	err := s.update(func(tx *bolt.Tx) error {
		bb := tx.Bucket(bBoards).Bucket([]byte(boardID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", boardID)
		}
		codes := tx.Bucket(bJoinCodes)
		if owner := codes.Get([]byte(code)); owner != nil {
			if string(owner) == boardID {
				return nil
			}
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
		info := &board.Info{}
		if err := json.Unmarshal(bb.Get(kInfo), info); err != nil {
			return err
		}
		if info.JoinCode != "" {
			if err := codes.Delete([]byte(info.JoinCode)); err != nil {
				return err
			}
		}
		info.JoinCode = code
		if err := codes.Put([]byte(code), []byte(boardID)); err != nil {
			return err
		}
		return putJSON(bb, kInfo, info)
	})
	if err != nil {
		return err
	}
	b.SetJoinCode(code)
	if d.pending != nil {
		d.pending.Info.JoinCode = code
	}
	return nil
}

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
	c.Seq = d.pending.Seq + 1
	w := &write{b: b, change: c, done: make(chan struct{})}
	t := storekit.Touch(d.pending, c)
	d.pending.Apply(c)
	if w.w, err = t.Writes(d.pending); err == nil {
		w.log, err = json.Marshal(c)
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
	for _, w := range group {
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
	if err := bb.Put(kSeq, be64(seq)); err != nil {
		return err
	}
	log := bb.Bucket(bLog)
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
		switch {
		case seq > cur:
			return board.Errorf(board.ETooOld, "seq %d is ahead of the board (%d)", seq, cur)
		case seq == cur:
			return nil
		}
		c := bb.Bucket(bLog).Cursor()
		k, v := c.Seek(be64(seq + 1))
		if k == nil || binary.BigEndian.Uint64(k) != seq+1 {
			return board.Errorf(board.ETooOld, "the log no longer holds the changes after %d", seq)
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

// SaveExport stores an export's metadata and PDF; EConflict if the id is
// taken (exports never change).
func (s *Store) SaveExport(ctx context.Context, e *board.Export, pdf []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bExports)
		if b.Get([]byte(e.ID)) != nil {
			return board.Errorf(board.EConflict, "export %s exists already", e.ID)
		}
		if err := putJSON(b, []byte(e.ID), e); err != nil {
			return err
		}
		if err := tx.Bucket(bExportPDFs).Put([]byte(e.ID), pdf); err != nil {
			return err
		}
		if e.Strategy == "" {
			return nil // not attached to a strategy, so listed under none
		}
		return appendIndex(tx.Bucket(bExportIndex), e.Strategy, e.ID)
	})
}

// Export returns an export's metadata.
func (s *Store) Export(ctx context.Context, id string) (*board.Export, error) {
	e := &board.Export{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bExports), []byte(id), e)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no export %s", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ExportPDF returns an export's PDF bytes.
func (s *Store) ExportPDF(ctx context.Context, id string) ([]byte, error) {
	var pdf []byte
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bExportPDFs).Get([]byte(id))
		if v == nil {
			return board.Errorf(board.ENotFound, "no export %s", id)
		}
		pdf = clone(v)
		return nil
	})
	return pdf, err
}

// Exports returns the exports attached to a strategy, oldest first.
func (s *Store) Exports(ctx context.Context, strategyID string) ([]*board.Export, error) {
	out := []*board.Export{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bExports)
		for _, id := range listIndex(tx.Bucket(bExportIndex), strategyID) {
			e := &board.Export{}
			if ok, err := getJSON(b, []byte(id), e); err != nil {
				return err
			} else if ok {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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

var _ board.Store = (*Store)(nil)
