package redisstore

import (
	"context"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
)

// Redis topologies. Every key of a board carries the hash tag {<board id>}
// and every global key {g}, and each script and MULTI touches the keys of
// one of those slots only, so the same code runs on a single Redis, on
// Redis Cluster and behind Sentinel. PUBLISH inside the commit script
// reaches subscribers on every node of a cluster (classic pub/sub is
// broadcast cluster-wide).

// WithSentinelMaster makes Open treat the URL's addresses as Sentinels
// and connect to the master they name name, following it through
// failovers.
func WithSentinelMaster(name string) Option {
	return func(c *config) { c.sentinelMaster = name }
}

// WithWaitReplicas makes Commit wait, after the commit script, until n
// replicas have the change (WAIT n) before acknowledging it, so that a
// failover loses nothing acknowledged. If fewer confirm within the
// timeout, Commit fails with EUnavailable: the change IS stored on the
// master and reaches clients through catch-up, as when a reply is lost.
// 0 (the default) does not wait.
func WithWaitReplicas(n int) Option {
	return func(c *config) {
		if n >= 0 {
			c.waitReplicas = n
		}
	}
}

// newClient builds the client for url: one address → a plain client;
// several (addr= parameters) → Redis Cluster; a Sentinel master name →
// a failover client over the URL's addresses.
func newClient(rawURL string, cfg config) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
	}
	cluster := u.Query().Has("addr")
	tune := func(dial, read, write, pool *time.Duration, ctxTimeout *bool, retries, dialRetries *int) {
		// Short timeouts: a method must fail promptly while Redis is away.
		*dial = min(time.Second, cfg.timeout)
		*read, *write, *pool = cfg.timeout, cfg.timeout, cfg.timeout
		*ctxTimeout = true
		// No automatic retries: a commit script whose reply was lost must
		// not run twice.
		*retries = -1
		*dialRetries = 1
	}
	switch {
	case cfg.sentinelMaster != "":
		fo := &redis.FailoverOptions{MasterName: cfg.sentinelMaster}
		if cluster {
			co, err := redis.ParseClusterURL(rawURL)
			if err != nil {
				return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
			}
			fo.SentinelAddrs, fo.Username, fo.Password, fo.TLSConfig = co.Addrs, co.Username, co.Password, co.TLSConfig
		} else {
			o, err := redis.ParseURL(rawURL)
			if err != nil {
				return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
			}
			fo.SentinelAddrs, fo.Username, fo.Password, fo.DB, fo.TLSConfig = []string{o.Addr}, o.Username, o.Password, o.DB, o.TLSConfig
		}
		tune(&fo.DialTimeout, &fo.ReadTimeout, &fo.WriteTimeout, &fo.PoolTimeout, &fo.ContextTimeoutEnabled, &fo.MaxRetries, &fo.DialerRetries)
		return redis.NewFailoverClient(fo), nil
	case cluster:
		co, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
		}
		tune(&co.DialTimeout, &co.ReadTimeout, &co.WriteTimeout, &co.PoolTimeout, &co.ContextTimeoutEnabled, &co.MaxRetries, &co.DialerRetries)
		// A moved slot or a failover is followed by the client itself
		// (MOVED/ASK redirects), which does not run a script twice.
		co.MaxRedirects = 3
		return redis.NewClusterClient(co), nil
	default:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, board.Errorf(board.EInvalid, "redis url: %v", err)
		}
		tune(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, &o.ContextTimeoutEnabled, &o.MaxRetries, &o.DialerRetries)
		return redis.NewClient(o), nil
	}
}

// commitRun runs the commit script. With WithWaitReplicas it runs the
// script and then WAIT on one pinned connection to the board's master
// (WAIT counts the writes of its own connection), and fails with
// EUnavailable if fewer replicas than asked confirm in time; the change is
// stored then, and clients see it through catch-up.
func (s *Store) commitRun(ctx context.Context, keys []string, args []any) ([]any, error) {
	n := s.cfg.waitReplicas
	if n <= 0 {
		return commitScript.Run(ctx, s.rdb, keys, args...).Slice()
	}
	var c *redis.Client
	switch r := s.rdb.(type) {
	case *redis.ClusterClient:
		m, err := r.MasterForKey(ctx, keys[0])
		if err != nil {
			return nil, err
		}
		c = m
	case *redis.Client:
		c = r
	default:
		return nil, board.Errorf(board.EInternal, "redisstore: cannot WAIT on a %T", s.rdb)
	}
	conn := c.Conn()
	defer conn.Close()
	res, err := commitScript.Run(ctx, conn, keys, args...).Slice()
	if err != nil {
		return nil, err
	}
	if st, _ := res[0].(string); st != "OK" {
		return res, nil
	}
	// WAIT's own timeout stays below the read timeout, so that Redis
	// answers with the count rather than the connection timing out.
	wait := s.cfg.timeout / 2
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)/2)
	}
	wait = max(wait, time.Millisecond)
	got, err := conn.Wait(ctx, n, wait).Result()
	if err != nil {
		return nil, board.Errorf(board.EUnavailable, "the change is stored but its replication is unconfirmed (retry or catch up): %v", err)
	}
	if got < int64(n) {
		return nil, board.Errorf(board.EUnavailable, "the change is stored but only %d of %d replicas confirmed it (catch up before retrying)", got, n)
	}
	return res, nil
}
