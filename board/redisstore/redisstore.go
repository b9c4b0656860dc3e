// Package redisstore is the board.Store for several server processes that
// share boards through one Redis.
//
// # Layout
//
// A board's keys share the hash tag {<board id>} ("pk:b:{id}:seq",
// ":info", ":joincode", ":settings", hashes ":objects", ":participants",
// ":tokens", ":votes", and the stream ":log" of changes with IDs
// "<seq>-1", trimmed exactly to the log bound); its changes are published
// on the channel "pk:b:{id}:changes". Global data (meta, municipalities,
// strategies, join codes, board lists, exports) lives under "pk:{g}:", one
// hash slot too. Every script touches one slot only, so the same store
// runs on one Redis, on Redis Cluster and behind Sentinel (topology.go).
//
// # Commits
//
// Every node caches the boards in use. Commit runs prepare on the cached
// state and sends one script call that checks that the stored seq is the
// one prepare saw, writes the records the change touched, increments the
// seq, appends the change to the stream and publishes it. If another node
// got there first, the script answers STALE; the node then reads the
// missing changes from the stream (or a whole snapshot if the stream no
// longer has them) and prepares again, a bounded number of times. So no
// change is lost or reordered, whatever the nodes do concurrently.
//
// # Subscriptions
//
// One pub/sub connection per store carries the changes of the cached
// boards. A change that leaves a gap makes the node read the stream; after
// the connection drops and comes back, the renewed subscription of every
// board (its confirmation, read with Receive) makes the node check the
// board against the stream; and every second a cheap check of all cached
// seqs catches anything else.
//
// # Availability and durability
//
// While Redis is unreachable, every method fails within a few seconds with
// a *board.Error of code board.EUnavailable, and the store recovers by
// itself when Redis is back. A change is acknowledged when Redis has
// executed the script; run Redis with "appendonly yes" and "appendfsync
// always" so that no acknowledged change is lost even if Redis crashes
// (with "appendfsync everysec", up to a second of changes may be). If a
// connection fails after Redis ran the script but before the reply came,
// Commit reports EUnavailable although the change is stored; subscribers
// still get it.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Defaults of the options.
const (
	DefaultLogBound         = 10_000
	DefaultSubscriberBuffer = 256
	DefaultTimeout          = 3 * time.Second
	DefaultCheckInterval    = time.Second
	DefaultCacheIdle        = 10 * time.Minute
	DefaultCommitAttempts   = 50
)

// Option configures a Store.
type Option func(*config)

type config struct {
	logBound  int
	subBuffer int
	timeout   time.Duration
	check     time.Duration
	cacheIdle time.Duration
	attempts  int
	// purgeDelay: see WithPurgeDelay.
	purgeDelay time.Duration
	// sentinelMaster and waitReplicas: see WithSentinelMaster and
	// WithWaitReplicas (topology.go).
	sentinelMaster string
	waitReplicas   int
}

// WithLogBound sets how many changes each board's stream keeps (default
// 10,000). Since answers ETooOld for older seqs.
func WithLogBound(n int) Option {
	return func(c *config) { storekit.SetPositive(&c.logBound, n) }
}

// WithSubscriberBuffer sets how many changes a subscriber's channel holds
// (default 256). A subscriber that lets it fill up is dropped.
func WithSubscriberBuffer(n int) Option {
	return func(c *config) { storekit.SetPositive(&c.subBuffer, n) }
}

// WithTimeout bounds each method's work with Redis (default 3s): after it,
// the method fails with EUnavailable.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { storekit.SetPositive(&c.timeout, d) }
}

// WithCheckInterval sets how often the cached boards' seqs are compared
// with Redis (default 1s), the safety net behind pub/sub.
func WithCheckInterval(d time.Duration) Option {
	return func(c *config) { storekit.SetPositive(&c.check, d) }
}

// WithCacheIdle sets how long a board without subscribers stays cached
// after its last use (default 10 minutes).
func WithCacheIdle(d time.Duration) Option {
	return func(c *config) { storekit.SetPositive(&c.cacheIdle, d) }
}

// WithCommitAttempts sets how often Commit prepares again after another
// node changed the board first (default 50) before it gives up with
// EUnavailable.
func WithCommitAttempts(n int) Option {
	return func(c *config) { storekit.SetPositive(&c.attempts, n) }
}

// Store is the Redis board.Store. It is safe for concurrent use.
type Store struct {
	// summaries keeps decoded board summaries (see Summaries).
	summaries storekit.SummaryCache

	rdb  redis.UniversalClient
	cfg  config
	live *storekit.Live[boardData]

	// psMu orders channel subscriptions against evictions' unsubscribes.
	psMu     sync.Mutex
	ps       *redis.PubSub
	presence *presence

	bg     context.Context // ends at Close
	stop   context.CancelFunc
	bgMu   sync.Mutex // guards closed against wg.Add
	closed bool
	wg     sync.WaitGroup

	// grouped counts changes committed in a pipeline with others.
	grouped atomic.Int64

	purgeReq    chan struct{}
	purges      atomic.Int64
	purgeErrors atomic.Int64
}

// boardData is the store's own part of a cached board.
type boardData struct {
	// commitMu serializes this node's commits of the board, so its own
	// writers do not race each other into STALE.
	commitMu sync.Mutex
	// unanswered counts the commits that Redis did not answer (timed out
	// or unreachable), so that commits queued behind one learn of it.
	unanswered atomic.Uint64
	// pending are the commits waiting for commitMu; the one that gets it
	// takes them all (groupcommit.go).
	pendMu  sync.Mutex
	pending []*commitReq
	// syncMu serializes loading and catching up.
	syncMu sync.Mutex

	// confirmed is closed when Redis confirms the subscription of the
	// board's channel.
	confMu     sync.Mutex
	confirmed  chan struct{}
	subscribed bool // a SUBSCRIBE was sent

	// A catch-up is running, and another was asked for meanwhile.
	running, dirty atomic.Bool
}

// Open connects to the Redis at url ("redis://[:password@]host:port/db")
// and starts the store's pub/sub listener. A URL with several addresses in
// go-redis' cluster form ("redis://h1:7000?addr=h2:7001&addr=h3:7002")
// connects to Redis Cluster; with WithSentinelMaster the URL's addresses
// are Sentinels and the store follows that master through failovers. It fails with EUnavailable if
// Redis does not answer within the timeout.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg := config{logBound: DefaultLogBound, subBuffer: DefaultSubscriberBuffer, timeout: DefaultTimeout,
		check: DefaultCheckInterval, cacheIdle: DefaultCacheIdle, attempts: DefaultCommitAttempts, purgeDelay: DefaultPurgeDelay}
	for _, o := range opts {
		o(&cfg)
	}
	rdb, err := newClient(url, cfg)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, wrap(err)
	}
	if err := (&Store{rdb: rdb, cfg: cfg}).upgrade(ctx); err != nil {
		rdb.Close()
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	s := &Store{
		rdb:  rdb,
		cfg:  cfg,
		live: storekit.NewLive[boardData](cfg.subBuffer),
		ps:   rdb.Subscribe(bg),
		bg:   bg,
		stop: stop,

		purgeReq: make(chan struct{}, 1),
	}
	s.presence = &presence{s: s, subs: map[string]map[chan []byte]struct{}{}}
	s.wg.Add(4)
	go s.purger()
	go s.listen()
	go s.checker()
	go s.janitor()
	return s, nil
}

// Close ends the subscriptions and the background work and closes the
// connections.
func (s *Store) Close() error {
	s.bgMu.Lock()
	if s.closed {
		s.bgMu.Unlock()
		return nil
	}
	s.closed = true
	s.bgMu.Unlock()
	s.stop()
	s.psMu.Lock()
	s.ps.Close()
	s.psMu.Unlock()
	s.wg.Wait()
	s.live.Close()
	s.presence.close()
	return s.rdb.Close()
}

func (s *Store) isClosed() bool {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	return s.closed
}

// op bounds one method's work.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if s.isClosed() {
		return nil, nil, board.Errorf(board.EUnavailable, "the store is closed")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	return ctx, cancel, nil
}

// wrap turns a Redis or network error into a *board.Error: EUnavailable
// for anything that means "Redis cannot answer now", EInternal otherwise.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	var be *board.Error
	if errors.As(err, &be) {
		return err
	}
	var re redis.Error
	if errors.As(err, &re) && !errors.Is(err, redis.ErrClosed) {
		msg := re.Error()
		for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY", "NOREPLICAS", "MISCONF"} {
			if strings.HasPrefix(msg, p) {
				return board.Errorf(board.EUnavailable, "redis: %s", msg)
			}
		}
		return fmt.Errorf("redisstore: %w", err)
	}
	// The message reaches people (a reject, a 503): it says what happened
	// without addresses or Go's network errors.
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return board.Errorf(board.EUnavailable, "the database (Redis) did not answer in time; try again in a moment")
	}
	return board.Errorf(board.EUnavailable, "the database (Redis) cannot be reached; try again in a moment")
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return wrap(s.rdb.Ping(ctx).Err())
}

var _ board.Store = (*Store)(nil)
