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
// hash slot too. Every script touches one slot only, so the layout suits
// Redis Cluster.
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
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
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
	rdb  *redis.Client
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
}

// boardData is the store's own part of a cached board.
type boardData struct {
	// commitMu serializes this node's commits of the board, so its own
	// writers do not race each other into STALE.
	commitMu sync.Mutex
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

// Keys.
const (
	boardPrefix = "pk:b:{"
	global      = "pk:{g}:"
	kMeta       = global + "meta"
	kMunis      = global + "municipalities"
	kStrategies = global + "strategies"
	// kStrategyKeys maps a municipality and a strategy's Key to its id, so
	// that a second strategy with the same title and revision is refused.
	kStrategyKeys = global + "strategy-keys"
	kJoinCodes  = global + "joincodes"
	kBoardSeq   = global + "board-counter"
	kBoards     = global + "boards"
	kExports    = global + "exports"
)

func bkey(id, name string) string { return boardPrefix + id + "}:" + name }

func channelOf(id string) string { return bkey(id, "changes") }

func boardOfChannel(ch string) (string, bool) {
	rest, ok := strings.CutPrefix(ch, boardPrefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "}:changes")
}

func muniStrategies(code string) string { return global + "municipality-strategies:" + code }
func muniBoards(code string) string     { return global + "municipality-boards:" + code }
func strategyExports(id string) string  { return global + "strategy-exports:" + id }
func exportPDF(id string) string        { return global + "export-pdf:" + id }

// boardKeys are the keys the snapshot and create scripts take, in order.
func boardKeys(id string) []string {
	return []string{bkey(id, "info"), bkey(id, "joincode"), bkey(id, "seq"), bkey(id, "settings"),
		bkey(id, "objects"), bkey(id, "participants"), bkey(id, "tokens"), bkey(id, "votes")}
}

// Open connects to the Redis at url ("redis://[:password@]host:port/db")
// and starts the store's pub/sub listener. It fails with EUnavailable if
// Redis does not answer within the timeout.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg := config{logBound: DefaultLogBound, subBuffer: DefaultSubscriberBuffer, timeout: DefaultTimeout,
		check: DefaultCheckInterval, cacheIdle: DefaultCacheIdle, attempts: DefaultCommitAttempts}
	for _, o := range opts {
		o(&cfg)
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
	}
	// Short timeouts: a method must fail promptly while Redis is away.
	o.DialTimeout = min(time.Second, cfg.timeout)
	o.ReadTimeout = cfg.timeout
	o.WriteTimeout = cfg.timeout
	o.PoolTimeout = cfg.timeout
	o.ContextTimeoutEnabled = true
	// No automatic retries: a commit script whose reply was lost must not
	// run twice.
	o.MaxRetries = -1
	o.DialerRetries = 1
	rdb := redis.NewClient(o)
	pctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, wrap(err)
	}
	bg, stop := context.WithCancel(context.Background())
	s := &Store{
		rdb:  rdb,
		cfg:  cfg,
		live: storekit.NewLive[boardData](cfg.subBuffer),
		ps:   rdb.Subscribe(bg),
		bg:   bg,
		stop: stop,
	}
	s.presence = &presence{s: s, subs: map[string]map[chan []byte]struct{}{}}
	s.wg.Add(3)
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
	return board.Errorf(board.EUnavailable, "redis is unreachable: %v", err)
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

// InitMeta stores value under key unless a value is there and returns the
// value in force.
func (s *Store) InitMeta(ctx context.Context, key, value string) (string, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return "", err
	}
	defer cancel()
	v, err := initMetaScript.Run(ctx, s.rdb, []string{kMeta}, key, value).Text()
	return v, wrap(err)
}

// CreateMunicipality stores m; EConflict if its code exists.
func (s *Store) CreateMunicipality(ctx context.Context, m *board.Municipality) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := json.Marshal(m)
	if err != nil {
		return wrap(err)
	}
	ok, err := s.rdb.HSetNX(ctx, kMunis, m.Code, b).Result()
	if err != nil {
		return wrap(err)
	}
	if !ok {
		return board.Errorf(board.EConflict, "municipality %s exists already", m.Code)
	}
	return nil
}

// Municipality returns one municipality by code.
func (s *Store) Municipality(ctx context.Context, code string) (*board.Municipality, error) {
	return hgetJSON[board.Municipality](ctx, s, kMunis, code, "municipality")
}

// Municipalities returns all municipalities ordered by code.
func (s *Store) Municipalities(ctx context.Context) ([]*board.Municipality, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	all, err := s.rdb.HGetAll(ctx, kMunis).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*board.Municipality, 0, len(all))
	for _, v := range all {
		m := &board.Municipality{}
		if err := json.Unmarshal([]byte(v), m); err != nil {
			return nil, wrap(err)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *board.Municipality) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// CreateStrategy stores st; its municipality must exist.
func (s *Store) CreateStrategy(ctx context.Context, st *board.Strategy) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := json.Marshal(st)
	if err != nil {
		return wrap(err)
	}
	n, err := createStrategyScript.Run(ctx, s.rdb, []string{kMunis, kStrategies, muniStrategies(st.Municipality), kStrategyKeys},
		st.Municipality, st.ID, b, st.Municipality+"\x00"+st.Key()).Int()
	switch {
	case err != nil:
		return wrap(err)
	case n == 0:
		return board.Errorf(board.ENotFound, "no municipality %s", st.Municipality)
	case n == -2:
		return board.Errorf(board.EConflict, "the municipality already has the strategy %q, revision %q", st.Title, st.Revision)
	case n < 0:
		return board.Errorf(board.EConflict, "strategy %s exists already", st.ID)
	}
	return nil
}

// Strategy returns one strategy by id.
func (s *Store) Strategy(ctx context.Context, id string) (*board.Strategy, error) {
	return hgetJSON[board.Strategy](ctx, s, kStrategies, id, "strategy")
}

// Strategies returns a municipality's strategies in creation order.
func (s *Store) Strategies(ctx context.Context, municipality string) ([]*board.Strategy, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return listed[board.Strategy](ctx, s.rdb, muniStrategies(municipality), kStrategies)
}

// listed reads the ids in list and their JSON values from hash.
func listed[T any](ctx context.Context, rdb *redis.Client, list, hash string) ([]*T, error) {
	ids, err := rdb.LRange(ctx, list, 0, -1).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*T, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := rdb.HMGet(ctx, hash, ids...).Result()
	if err != nil {
		return nil, wrap(err)
	}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		x := new(T)
		if err := json.Unmarshal([]byte(str), x); err != nil {
			return nil, wrap(err)
		}
		out = append(out, x)
	}
	return out, nil
}

// CreateBoard stores a new board and indexes its join code.
func (s *Store) CreateBoard(ctx context.Context, st *board.State) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	id, code := st.Info.ID, st.Info.JoinCode
	if id == "" {
		return board.Errorf(board.EInvalid, "a board needs an id")
	}
	rec, err := storekit.Encode(st)
	if err != nil {
		return wrap(err)
	}
	// The join code lives in a key of its own, so it can change without
	// rewriting the info.
	info := st.Info
	info.JoinCode = ""
	if rec.Info, err = json.Marshal(info); err != nil {
		return wrap(err)
	}
	if code != "" {
		ok, err := s.rdb.HSetNX(ctx, kJoinCodes, code, id).Result()
		if err != nil {
			return wrap(err)
		}
		if !ok {
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
	}
	release := func() {
		if code != "" {
			rctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout)
			defer cancel()
			releaseCodeScript.Run(rctx, s.rdb, []string{kJoinCodes}, code, id)
		}
	}
	// Listed before it exists: a crash in between leaves an entry that
	// Boards skips, rather than a board nobody can list.
	if err := indexBoardScript.Run(ctx, s.rdb, []string{kBoardSeq, kBoards, muniBoards(st.Info.Municipality)}, id).Err(); err != nil {
		release()
		return wrap(err)
	}
	args := []any{rec.Info, code, rec.Seq, rec.Settings, len(rec.Objects), len(rec.Participants), len(rec.Tokens), len(rec.Votes)}
	for k, v := range rec.Objects {
		args = append(args, k, v)
	}
	for k, v := range rec.Participants {
		args = append(args, k, v)
	}
	for k, v := range rec.Tokens {
		args = append(args, k, v)
	}
	for k, v := range rec.Votes {
		args = append(args, k, v)
	}
	n, err := createBoardScript.Run(ctx, s.rdb, boardKeys(id), args...).Int()
	if err != nil || n == 0 {
		release()
	}
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.EConflict, "board %s exists already", id)
	}
	return nil
}

// Boards returns the info of a municipality's boards ("" for all), in
// creation order.
func (s *Store) Boards(ctx context.Context, municipality string) ([]*board.Info, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	list := kBoards
	if municipality != "" {
		list = muniBoards(municipality)
	}
	ids, err := s.rdb.ZRange(ctx, list, 0, -1).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := []*board.Info{}
	if len(ids) == 0 {
		return out, nil
	}
	// Each board's keys are in its own slot: one pipeline, not MGET.
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.MGet(ctx, bkey(id, "info"), bkey(id, "joincode"))
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	for _, c := range cmds {
		v := c.Val()
		raw, ok := v[0].(string)
		if !ok {
			continue // listed but never created
		}
		info := &board.Info{}
		if err := json.Unmarshal([]byte(raw), info); err != nil {
			return nil, wrap(err)
		}
		info.JoinCode, _ = v[1].(string)
		if municipality == "" || info.Municipality == municipality {
			out = append(out, info)
		}
	}
	return out, nil
}

// BoardByJoinCode returns the id of the board whose join code is code.
func (s *Store) BoardByJoinCode(ctx context.Context, code string) (string, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return "", err
	}
	defer cancel()
	id, err := s.rdb.HGet(ctx, kJoinCodes, code).Result()
	if errors.Is(err, redis.Nil) {
		return "", board.Errorf(board.ENotFound, "no board has join code %s", code)
	}
	if err != nil {
		return "", wrap(err)
	}
	// The board's own key is the truth: an index entry left by a rotation
	// that failed halfway must not let an old code in.
	cur, err := s.rdb.Get(ctx, bkey(id, "joincode")).Result()
	if errors.Is(err, redis.Nil) || (err == nil && cur != code) {
		return "", board.Errorf(board.ENotFound, "no board has join code %s", code)
	}
	if err != nil {
		return "", wrap(err)
	}
	return id, nil
}

// SetJoinCode gives a board a new join code; the old one stops working.
func (s *Store) SetJoinCode(ctx context.Context, boardID, code string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	n, err := s.rdb.Exists(ctx, bkey(boardID, "info")).Result()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	ok, err := s.rdb.HSetNX(ctx, kJoinCodes, code, boardID).Result()
	if err != nil {
		return wrap(err)
	}
	if !ok {
		owner, err := s.rdb.HGet(ctx, kJoinCodes, code).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return wrap(err)
		}
		if owner != boardID {
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
	}
	old, err := setJoinCodeScript.Run(ctx, s.rdb, []string{bkey(boardID, "info"), bkey(boardID, "joincode")}, code).Text()
	if errors.Is(err, redis.Nil) {
		return board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	if err != nil {
		return wrap(err)
	}
	if old != "" && old != code {
		if err := releaseCodeScript.Run(ctx, s.rdb, []string{kJoinCodes}, old, boardID).Err(); err != nil {
			return wrap(err)
		}
	}
	if b := s.live.Lookup(boardID); b != nil {
		b.SetJoinCode(code)
	}
	return nil
}

// snapshot reads a whole board atomically.
func (s *Store) snapshot(ctx context.Context, id string) (*board.State, error) {
	res, err := snapshotScript.Run(ctx, s.rdb, boardKeys(id)).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no board %s", id)
	}
	if err != nil {
		return nil, wrap(err)
	}
	if len(res) != 8 {
		return nil, fmt.Errorf("redisstore: snapshot of %s: %d values", id, len(res))
	}
	str := func(v any) string { s, _ := v.(string); return s }
	pairs := func(v any) map[string]string {
		l, _ := v.([]any)
		m := make(map[string]string, len(l)/2)
		for i := 0; i+1 < len(l); i += 2 {
			m[str(l[i])] = str(l[i+1])
		}
		return m
	}
	bytesOf := func(m map[string]string) map[string][]byte {
		out := make(map[string][]byte, len(m))
		for k, v := range m {
			out[k] = []byte(v)
		}
		return out
	}
	seq, err := strconv.ParseUint(str(res[2]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redisstore: seq of %s: %w", id, err)
	}
	st, err := storekit.Decode(&storekit.Records{
		Seq:          seq,
		Info:         []byte(str(res[0])),
		Settings:     []byte(str(res[3])),
		Objects:      bytesOf(pairs(res[4])),
		Participants: bytesOf(pairs(res[5])),
		Tokens:       pairs(res[6]),
		Votes:        bytesOf(pairs(res[7])),
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: board %s: %w", id, err)
	}
	st.Info.JoinCode = str(res[1])
	return st, nil
}

// sync makes the cached board current: it loads it if needed, subscribes
// its channel, and reads what the cache misses from the stream.
func (s *Store) sync(ctx context.Context, b *storekit.Board[boardData]) error {
	d := &b.Data
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	if !b.Loaded() {
		st, err := s.snapshot(ctx, b.ID)
		if err != nil {
			return err
		}
		b.Replace(st)
		// Changes published before the subscription is confirmed are
		// read from the stream by catchUp below.
		if err := s.listenTo(ctx, b); err != nil {
			// Forget the subscription too: the entry may be dropped now.
			s.unlisten(b)
			b.Unload()
			return err
		}
	}
	return s.catchUp(ctx, b)
}

// catchUp brings a loaded board to the seq stored in Redis. The caller
// holds syncMu.
func (s *Store) catchUp(ctx context.Context, b *storekit.Board[boardData]) error {
	// The cached seq is read first: pub/sub may advance the cache at any
	// time, but never past what Redis had when it was read, so a stored
	// seq read afterwards that is lower means Redis lost changes.
	have, loaded := b.Seq()
	if !loaded {
		return nil
	}
	vals, err := s.rdb.MGet(ctx, bkey(b.ID, "seq"), bkey(b.ID, "joincode")).Result()
	if err != nil {
		return wrap(err)
	}
	raw, ok := vals[0].(string)
	if !ok {
		return board.Errorf(board.ENotFound, "no board %s", b.ID)
	}
	cur, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("redisstore: seq of %s: %w", b.ID, err)
	}
	if code, ok := vals[1].(string); ok {
		b.SetJoinCode(code)
	}
	switch {
	case cur == have:
		return nil
	case cur < have:
		// Redis lost changes the cache has (it ran without fsync, or was
		// replaced): its state is the truth now.
		return s.reload(ctx, b)
	}
	msgs, err := s.rdb.XRange(ctx, bkey(b.ID, "log"), fmt.Sprintf("%d-0", have+1), "+").Result()
	if err != nil {
		return wrap(err)
	}
	if len(msgs) == 0 || msgs[0].ID != fmt.Sprintf("%d-1", have+1) {
		return s.reload(ctx, b) // trimmed: too far behind for the stream
	}
	for _, m := range msgs {
		c, err := decodeChange(m.Values["c"])
		if err != nil {
			return err
		}
		if b.Advance(c) == storekit.Gap {
			return s.reload(ctx, b)
		}
	}
	return nil
}

func (s *Store) reload(ctx context.Context, b *storekit.Board[boardData]) error {
	st, err := s.snapshot(ctx, b.ID)
	if err != nil {
		return err
	}
	b.Replace(st)
	return nil
}

func decodeChange(v any) (*board.Change, error) {
	str, _ := v.(string)
	c := &board.Change{}
	if err := json.Unmarshal([]byte(str), c); err != nil || c.Seq == 0 {
		return nil, fmt.Errorf("redisstore: bad change %.80q: %v", str, err)
	}
	return c, nil
}

// listenTo subscribes the board's channel and waits for Redis to confirm.
func (s *Store) listenTo(ctx context.Context, b *storekit.Board[boardData]) error {
	d := &b.Data
	d.confMu.Lock()
	if d.confirmed == nil {
		d.confirmed = make(chan struct{})
	}
	confirmed := d.confirmed
	send := !d.subscribed
	d.subscribed = true
	d.confMu.Unlock()
	if send {
		s.psMu.Lock()
		// On error the channel stays recorded and is subscribed when the
		// connection comes back.
		err := s.ps.Subscribe(ctx, channelOf(b.ID))
		s.psMu.Unlock()
		if err != nil && s.isClosed() {
			return board.Errorf(board.EUnavailable, "the store is closed")
		}
	}
	select {
	case <-confirmed:
		return nil
	case <-ctx.Done():
		return board.Errorf(board.EUnavailable, "redis did not confirm the subscription of board %s", b.ID)
	}
}

// unlisten unsubscribes the board's channel if it was subscribed.
func (s *Store) unlisten(b *storekit.Board[boardData]) {
	d := &b.Data
	d.confMu.Lock()
	was := d.subscribed
	d.subscribed, d.confirmed = false, nil
	d.confMu.Unlock()
	if was {
		s.psMu.Lock()
		ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
		s.ps.Unsubscribe(ctx, channelOf(b.ID))
		cancel()
		s.psMu.Unlock()
	}
}

// Load returns a private copy of a board's current state.
func (s *Store) Load(ctx context.Context, boardID string) (*board.State, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if err := s.sync(ctx, b); err != nil {
		return nil, err
	}
	if st := b.Snapshot(); st != nil {
		return st, nil
	}
	return nil, board.Errorf(board.EUnavailable, "board %s was unloaded meanwhile", boardID)
}

// Subscribe returns the board's current state and a channel of every change
// after it, from every node.
func (s *Store) Subscribe(ctx context.Context, boardID string) (*board.State, <-chan *board.Change, error) {
	octx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if err := s.sync(octx, b); err != nil {
		return nil, nil, err
	}
	return b.Subscribe(ctx)
}

// Commit prepares a change against the cached board and stores it with one
// script call that fails if another node changed the board meanwhile; then
// it catches up and prepares again.
func (s *Store) Commit(ctx context.Context, boardID string, prepare func(*board.State) (*board.Change, error)) (*board.Change, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	// The timeout that tells an unreachable Redis starts only now: waiting
	// behind this node's other commits to the board is not Redis' fault,
	// and a burst of votes queues up here. The caller's deadline still holds.
	if err := ctx.Err(); err != nil {
		return nil, board.Errorf(board.EUnavailable, "gave up waiting for the board: %v", err)
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if !b.Loaded() {
		if err := s.sync(ctx, b); err != nil {
			return nil, err
		}
	}
	keys := []string{bkey(boardID, "seq"), bkey(boardID, "info"), bkey(boardID, "objects"), bkey(boardID, "participants"),
		bkey(boardID, "tokens"), bkey(boardID, "votes"), bkey(boardID, "settings"), bkey(boardID, "log")}
	for attempt := 1; ; attempt++ {
		var (
			c        *board.Change
			perr     error
			w        *storekit.Writes
			werr     error
			expected uint64
			loaded   bool
		)
		b.Read(func(st *board.State) {
			if loaded = st != nil; !loaded {
				return
			}
			if c, perr = prepare(st); perr != nil || c == nil {
				return
			}
			expected = st.Seq
			c.Seq = st.Seq + 1
			// Work out the records the change writes on a copy of just
			// those records: the cache changes only once Redis has it.
			t := storekit.Touch(st, c)
			part := t.Partial(st)
			part.Apply(c)
			w, werr = t.Writes(part)
		})
		if !loaded {
			return nil, board.Errorf(board.EUnavailable, "board %s was unloaded meanwhile", boardID)
		}
		if perr != nil || c == nil {
			return nil, perr
		}
		if werr != nil {
			return nil, wrap(werr)
		}
		log, err := json.Marshal(c)
		if err != nil {
			return nil, wrap(err)
		}
		args := []any{expected, log, s.cfg.logBound, channelOf(boardID)}
		args = appendWrites(args, w)
		res, err := commitScript.Run(ctx, s.rdb, keys, args...).Slice()
		if err != nil {
			return nil, wrap(err)
		}
		status, _ := res[0].(string)
		switch status {
		case "OK":
			b.Advance(c)
			return c, nil
		case "NOBOARD":
			return nil, board.Errorf(board.ENotFound, "no board %s", boardID)
		case "STALE":
			if attempt >= s.cfg.attempts {
				return nil, board.Errorf(board.EUnavailable, "board %s is too busy: gave up after %d attempts", boardID, attempt)
			}
			if !s.applyMissed(b, expected, res) {
				if err := s.sync(ctx, b); err != nil {
					return nil, err
				}
			}
			if attempt >= 3 {
				// Another node keeps winning: step aside for a random
				// moment so that the nodes' attempts spread out.
				time.Sleep(time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond))))
			}
		default:
			return nil, fmt.Errorf("redisstore: commit script answered %v", res)
		}
	}
}

// applyMissed applies the changes a STALE answer of the commit script
// carries. It reports whether the cache is then current.
func (s *Store) applyMissed(b *storekit.Board[boardData], expected uint64, res []any) bool {
	if len(res) < 3 {
		return false
	}
	cur, _ := res[1].(int64)
	entries, _ := res[2].([]any)
	for _, e := range entries {
		// An entry is [id, [field, value]].
		pair, _ := e.([]any)
		if len(pair) != 2 {
			return false
		}
		fields, _ := pair[1].([]any)
		if len(fields) != 2 {
			return false
		}
		c, err := decodeChange(fields[1])
		if err != nil || b.Advance(c) == storekit.Gap {
			return false
		}
	}
	seq, _ := b.Seq()
	return cur >= 0 && seq == uint64(cur)
}

func appendWrites(args []any, w *storekit.Writes) []any {
	hash := func(set, del string, m map[string][]byte) {
		for k, v := range m {
			if v == nil {
				args = append(args, del, k, "")
			} else {
				args = append(args, set, k, v)
			}
		}
	}
	hash("o", "O", w.Objects)
	hash("p", "P", w.Participants)
	hash("v", "V", w.Votes)
	for h, id := range w.Tokens {
		if id == "" {
			args = append(args, "T", h, "")
		} else {
			args = append(args, "t", h, id)
		}
	}
	if w.Settings != nil {
		args = append(args, "s", "", w.Settings)
	}
	return args
}

// Since returns the changes after seq, in order. ETooOld if the stream no
// longer holds all of them, and also if seq is ahead of the board (the
// caller needs a full state either way); empty if seq is current.
func (s *Store) Since(ctx context.Context, boardID string, seq uint64) ([]*board.Change, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var cur *redis.StringCmd
	var rng *redis.XMessageSliceCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		cur = p.Get(ctx, bkey(boardID, "seq"))
		rng = p.XRange(ctx, bkey(boardID, "log"), fmt.Sprintf("%d-0", seq+1), "+")
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	if err != nil {
		return nil, wrap(err)
	}
	n, err := cur.Uint64()
	if err != nil {
		return nil, wrap(err)
	}
	switch {
	case seq > n:
		return nil, board.Errorf(board.ETooOld, "seq %d is ahead of the board (%d)", seq, n)
	case seq == n:
		return []*board.Change{}, nil
	}
	msgs := rng.Val()
	if len(msgs) == 0 || msgs[0].ID != fmt.Sprintf("%d-1", seq+1) {
		return nil, board.Errorf(board.ETooOld, "the log no longer holds the changes after %d", seq)
	}
	out := make([]*board.Change, 0, len(msgs))
	for _, m := range msgs {
		c, err := decodeChange(m.Values["c"])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SaveExport stores an export's metadata and PDF; EConflict if the id is
// taken (exports never change).
func (s *Store) SaveExport(ctx context.Context, e *board.Export, pdf []byte) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	meta, err := json.Marshal(e)
	if err != nil {
		return wrap(err)
	}
	n, err := saveExportScript.Run(ctx, s.rdb, []string{kExports, exportPDF(e.ID), strategyExports(e.Strategy)}, e.ID, meta, pdf, e.Strategy != "").Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.EConflict, "export %s exists already", e.ID)
	}
	return nil
}

// Export returns an export's metadata.
func (s *Store) Export(ctx context.Context, id string) (*board.Export, error) {
	return hgetJSON[board.Export](ctx, s, kExports, id, "export")
}

// ExportPDF returns an export's PDF bytes.
func (s *Store) ExportPDF(ctx context.Context, id string) ([]byte, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b, err := s.rdb.Get(ctx, exportPDF(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no export %s", id)
	}
	return b, wrap(err)
}

// Exports returns the exports attached to a strategy, oldest first.
func (s *Store) Exports(ctx context.Context, strategyID string) ([]*board.Export, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return listed[board.Export](ctx, s.rdb, strategyExports(strategyID), kExports)
}

// kick asks for a catch-up of b in the background; asks that come while
// one runs make it run once more.
func (s *Store) kick(b *storekit.Board[boardData]) {
	d := &b.Data
	d.dirty.Store(true)
	if !d.running.CompareAndSwap(false, true) {
		return
	}
	s.bgMu.Lock()
	if s.closed {
		s.bgMu.Unlock()
		d.running.Store(false)
		return
	}
	s.wg.Add(1)
	s.bgMu.Unlock()
	go func() {
		defer s.wg.Done()
		for {
			d.dirty.Store(false)
			ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
			d.syncMu.Lock()
			if b.Loaded() {
				// On failure the periodic check asks again.
				_ = s.catchUp(ctx, b)
			}
			d.syncMu.Unlock()
			cancel()
			d.running.Store(false)
			if !d.dirty.Load() || !d.running.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// listen reads the pub/sub connection: changes, and the confirmations of
// subscriptions, which also come after a reconnect.
func (s *Store) listen() {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		msg, err := s.ps.ReceiveTimeout(s.bg, s.cfg.check*2)
		if s.bg.Err() != nil {
			return
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Quiet: make sure the connection is alive. A failed ping
				// makes the next receive reconnect.
				s.psMu.Lock()
				s.ps.Ping(s.bg)
				s.psMu.Unlock()
				continue
			}
			select {
			case <-s.bg.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			id, ok := boardOfChannel(m.Channel)
			if !ok {
				continue
			}
			if b := s.live.Lookup(id); b != nil {
				d := &b.Data
				d.confMu.Lock()
				if d.confirmed == nil {
					d.confirmed = make(chan struct{})
				}
				select {
				case <-d.confirmed:
				default:
					close(d.confirmed)
				}
				d.confMu.Unlock()
				// Changes may have been missed while unsubscribed.
				if b.Loaded() {
					s.kick(b)
				}
			}
		case *redis.Message:
			id, ok := boardOfChannel(m.Channel)
			if !ok {
				if id, ok := boardOfPresence(m.Channel); ok {
					s.presence.deliver(id, []byte(m.Payload))
				}
				continue
			}
			b := s.live.Lookup(id)
			if b == nil {
				continue
			}
			c, err := decodeChange(m.Payload)
			if err != nil {
				continue
			}
			if b.Advance(c) == storekit.Gap {
				s.kick(b)
			}
		}
	}
}

// checker compares the cached seqs with Redis every interval: the safety
// net for anything pub/sub missed.
func (s *Store) checker() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.check)
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
		}
		var boards []*storekit.Board[boardData]
		var seqs []uint64
		for _, b := range s.live.Boards() {
			if seq, ok := b.Seq(); ok {
				boards = append(boards, b)
				seqs = append(seqs, seq)
			}
		}
		if len(boards) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
		cmds := make([]*redis.StringCmd, len(boards))
		s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, b := range boards {
				cmds[i] = p.Get(ctx, bkey(b.ID, "seq"))
			}
			return nil
		})
		cancel()
		for i, c := range cmds {
			if n, err := c.Uint64(); err == nil && n != seqs[i] {
				s.kick(boards[i])
			}
		}
	}
}

// janitor drops idle boards from the cache and unsubscribes their
// channels.
func (s *Store) janitor() {
	defer s.wg.Done()
	t := time.NewTicker(max(s.cfg.cacheIdle/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
		}
		// Under psMu: a board cached again after eviction subscribes only
		// after this unsubscribe.
		s.psMu.Lock()
		var chans []string
		for _, b := range s.live.Evict(s.cfg.cacheIdle) {
			b.Unload()
			d := &b.Data
			d.confMu.Lock()
			if d.subscribed {
				chans = append(chans, channelOf(b.ID))
			}
			d.confMu.Unlock()
		}
		if len(chans) > 0 {
			ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
			s.ps.Unsubscribe(ctx, chans...)
			cancel()
		}
		s.psMu.Unlock()
	}
}

var _ board.Store = (*Store)(nil)

// hgetJSON reads one JSON record from a hash; what names it in the
// not_found error.
func hgetJSON[T any](ctx context.Context, s *Store, key, field, what string) (*T, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b, err := s.rdb.HGet(ctx, key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no %s %s", what, field)
	}
	if err != nil {
		return nil, wrap(err)
	}
	v := new(T)
	return v, wrap(json.Unmarshal(b, v))
}
