// Command processkarta serves Processkarta: the API, the websocket
// protocol and the browser client, on the embedded store or on Redis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/server"
	"github.com/redis/go-redis/v9"
)

// version is set at build time: go build -ldflags "-X main.version=1.1.0".
var version = "dev"

func main() {
	if path := os.Getenv(checkFileEnv); path != "" {
		os.Exit(checkChild(path, os.Stdout))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "processkarta:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, data, redis, organizerKey, allowedOrigins, publicURL, logLevel, debugAddr string
	trustedProxies                                                                  string
	socketsPerToken, connsPerAddress, exportsKept                                   int
	joinsPerAddress, joinsPerBoard, welcomeRoster                                   int
	check                                                                           bool
	showKey, healthcheck, printConfig                                               bool
	// flags is the parsed flag set, for -print-config.
	flags *flag.FlagSet
	// Redis topologies (see docs/operations.md): a Sentinel master name,
	// and how many replicas must have a change before it is acknowledged
	// (-1: the setting was not a whole number of 0 or more).
	redisSentinelMaster string
	redisWaitReplicas   int
	// redisTimeout bounds each store call to Redis (0: the setting was
	// not a positive duration), so that a stalled Redis turns into a
	// retryable reject instead of a wait.
	redisTimeout time.Duration
	// Personal data and accessibility.
	contactEmail  string
	retentionDays int
	// Organizers' sign-in.
	accounts *accountFlags
}

// parse reads flags over environment variables, as the contract lists them.
func parse(args []string, getenv func(string) string) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	var badInt string
	envInt := func(getenv func(string) string, k string, def int) int {
		v := getenv(k)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			badInt = k
			return def
		}
		return n
	}
	var c config
	fs := flag.NewFlagSet("processkarta", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", env("PROCESSKARTA_ADDR", ":8080"), "listen address")
	storeFlags(fs, &c, getenv)
	fs.StringVar(&c.organizerKey, "organizer-key", env("PROCESSKARTA_ORGANIZER_KEY", ""), "organizer key; empty: generated once and kept in the store")
	fs.StringVar(&c.allowedOrigins, "allowed-origins", env("PROCESSKARTA_ALLOWED_ORIGINS", ""), "comma-separated origins allowed to open websockets; empty: the server's own")
	fs.StringVar(&c.publicURL, "public-url", env("PROCESSKARTA_PUBLIC_URL", ""), "the URL users reach the server at; empty: derived from each request")
	fs.StringVar(&c.logLevel, "log-level", env("PROCESSKARTA_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.debugAddr, "debug-addr", env("PROCESSKARTA_DEBUG_ADDR", ""), "if set, serve Go's pprof profiles there (keep it on localhost)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", env("PROCESSKARTA_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client; empty: none")
	fs.IntVar(&c.socketsPerToken, "sockets-per-token", envInt(getenv, "PROCESSKARTA_SOCKETS_PER_TOKEN", 4), "most websockets one board token holds open; the next closes with 4429")
	fs.IntVar(&c.connsPerAddress, "conns-per-address", envInt(getenv, "PROCESSKARTA_CONNS_PER_ADDRESS", 256), "most requests and websockets open at once from one address (IPv6: one /64)")
	fs.IntVar(&c.exportsKept, "exports-kept", envInt(getenv, "PROCESSKARTA_EXPORTS_KEPT", 50), "PDF exports kept per board; a new one deletes the oldest beyond this")
	fs.IntVar(&c.joinsPerAddress, "joins-per-address", envInt(getenv, "PROCESSKARTA_JOINS_PER_ADDRESS", 60), "joins a minute from one address (IPv6: one /64), as a burst refilled evenly")
	fs.IntVar(&c.joinsPerBoard, "joins-per-board", envInt(getenv, "PROCESSKARTA_JOINS_PER_BOARD", 120), "joins a minute onto one board, as a burst refilled evenly")
	fs.IntVar(&c.welcomeRoster, "welcome-roster", envInt(getenv, "PROCESSKARTA_WELCOME_ROSTER", 200), "most participants a participant's welcome lists whole; on larger boards it lists themselves and the facilitators (-1: always whole)")
	fs.BoolVar(&c.check, "check", false, "verify the embedded store's file in -data offline, then exit (0: sound)")
	fs.BoolVar(&c.healthcheck, "healthcheck", false, "ask the server at -addr for /healthz and exit 0 if it answers 200 (for container HEALTHCHECK)")
	fs.BoolVar(&c.showKey, "show-organizer-key", false, "print the organizer key kept in the store, then exit")
	fs.BoolVar(&c.printConfig, "print-config", false, "print the configuration in force (secrets masked), check it, then exit")
	fs.StringVar(&c.contactEmail, "contact-email", env("PROCESSKARTA_CONTACT_EMAIL", ""), "where people report accessibility problems and ask about their data (shown on /tillganglighet and /integritet)")
	c.accounts = defineAccountFlags(fs, getenv)
	retention := env("PROCESSKARTA_RETENTION_DAYS", "0")
	fs.StringVar(&retention, "retention-days", retention, "anonymise boards with no change for this many days (0: keep them)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	days, err := strconv.Atoi(strings.TrimSpace(retention))
	if err != nil || days < 0 {
		return c, fmt.Errorf("retention days must be a whole number of days, 0 or more, not %q", retention)
	}
	c.retentionDays = days
	if err := c.accounts.check(); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if badInt != "" {
		return c, fmt.Errorf("%s must be a whole number", badInt)
	}
	if c.socketsPerToken < 1 {
		return c, fmt.Errorf("sockets per token must be at least 1")
	}
	if c.connsPerAddress < 1 {
		return c, fmt.Errorf("connections per address must be at least 1")
	}
	if c.exportsKept < 1 {
		return c, fmt.Errorf("exports kept per board (PROCESSKARTA_EXPORTS_KEPT, -exports-kept) must be at least 1")
	}
	if c.joinsPerAddress < 1 || c.joinsPerBoard < 1 {
		return c, fmt.Errorf("joins per address and per board must be at least 1")
	}
	if _, err := parsePrefixes(c.trustedProxies); err != nil {
		return c, err
	}
	c.flags = fs
	return c, validate(&c)
}

// parsePrefixes reads comma-separated CIDRs; a bare address is its own /32
// or /128.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxies: %q is not a CIDR such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// storeFlags defines the flags that choose and reach the store.
func storeFlags(fs *flag.FlagSet, c *config, getenv func(string) string) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.data, "data", env("PROCESSKARTA_DATA", "./data"), "data directory of the embedded store (used without -redis)")
	fs.StringVar(&c.redis, "redis", env("PROCESSKARTA_REDIS_URL", ""), "Redis URL, e.g. redis://host:6379/0; selects the Redis store")
	fs.StringVar(&c.redisSentinelMaster, "redis-sentinel-master", env("PROCESSKARTA_REDIS_SENTINEL_MASTER", ""), "Sentinel master name: the -redis URL's addresses are then Sentinels")
	wait := 0
	if v := strings.TrimSpace(getenv("PROCESSKARTA_REDIS_WAIT_REPLICAS")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			wait = n
		} else {
			wait = -1
		}
	}
	fs.IntVar(&c.redisWaitReplicas, "redis-wait-replicas", wait, "acknowledge a change only after this many Redis replicas have it (WAIT); 0: do not wait")
	timeout := DefaultRedisTimeout
	if v := strings.TrimSpace(getenv("PROCESSKARTA_REDIS_TIMEOUT")); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			timeout = d
		} else {
			timeout = 0
		}
	}
	fs.DurationVar(&c.redisTimeout, "redis-timeout", timeout, "how long one call to Redis may take before the edit is refused as unavailable (retry); e.g. 2s")
}

// DefaultRedisTimeout is shorter than a stall worth noticing: during a
// Redis pause, edits are refused with retry within it, never held.
const DefaultRedisTimeout = 2 * time.Second

func openStore(ctx context.Context, c config) (board.Store, string, error) {
	if c.redis != "" {
		if c.redisWaitReplicas < 0 {
			return nil, "", errors.New("redis wait replicas (PROCESSKARTA_REDIS_WAIT_REPLICAS, -redis-wait-replicas) must be a whole number, 0 or more")
		}
		s, err := redisstore.Open(ctx, c.redis, redisstore.WithSentinelMaster(c.redisSentinelMaster),
			redisstore.WithWaitReplicas(c.redisWaitReplicas), redisstore.WithTimeout(c.redisTimeout))
		return s, "redis", err
	}
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return nil, "", err
	}
	if err := verifyStoreFile(c.data); err != nil {
		return nil, "", err
	}
	s, err := boltstore.Open(c.data)
	return s, "embedded", err
}

// run serves until ctx ends, then shuts down gracefully: websockets are
// closed with 1001, in-flight requests finish, the store closes.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && (args[0] == "restore" || args[0] == "backup") {
		return runBackupCommand(ctx, args[0], args[1:], getenv, stdout)
	}
	c, err := parse(args, getenv)
	if err != nil {
		return err
	}
	if c.healthcheck {
		return healthcheck(ctx, c.addr)
	}
	if c.check {
		return checkCommand(c.data, stdout)
	}
	if c.printConfig {
		printConfig(stdout, c.flags, getenv)
		return nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("log level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	// The Redis client's own complaints (a lost connection, say) come as
	// JSON log records like everything else, not as bare lines on stderr.
	redis.SetLogger(redisLogger{log})

	store, kind, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("opening the %s store: %s", kindOf(c), oneLine(err.Error()))
	}
	defer store.Close()

	key, generated, err := organizerKey(ctx, store, c.organizerKey)
	if err != nil {
		return fmt.Errorf("organizer key: %w", err)
	}
	if c.showKey {
		fmt.Fprintln(stdout, key)
		return nil
	}
	proxies, _ := parsePrefixes(c.trustedProxies)
	cfg := server.Config{OrganizerKey: key, PublicURL: c.publicURL, Logger: log, StoreKind: kind,
		ContactEmail: c.contactEmail, RetentionDays: c.retentionDays, TrustedProxies: proxies,
		Caps: server.Caps{SocketsPerToken: c.socketsPerToken, ConnsPerAddress: c.connsPerAddress, ExportsKept: c.exportsKept,
			JoinsPerAddress: float64(c.joinsPerAddress), JoinsPerBoard: float64(c.joinsPerBoard)},
		Limits: server.Limits{WelcomeRoster: c.welcomeRoster}}
	if cfg.Accounts, err = c.accounts.config(ctx, store); err != nil {
		return err
	}
	if c.contactEmail == "" {
		log.Warn("PROCESSKARTA_CONTACT_EMAIL is not set: the accessibility statement and the privacy notice show a placeholder address")
	}
	for _, o := range strings.Split(c.allowedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	if rs, ok := store.(*redisstore.Store); ok {
		cfg.Presence = rs.Presence()
		if ao, fs, err := rs.Durability(ctx); err != nil {
			log.Warn("cannot read Redis' persistence settings (CONFIG GET); make sure it runs with appendonly yes and appendfsync always", "err", err)
		} else if w := durabilityWarning(ao, fs); w != "" {
			log.Warn(w)
		}
	} else {
		cfg.DataDir = c.data
	}
	srv := server.New(store, cfg)

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}

	url := displayURL(c.publicURL, ln.Addr())
	// The key goes to the operator's console once, never to the log.
	fmt.Fprintf(stdout, "Processkarta %s is serving on %s (%s store)\n", version, url, kind)
	switch {
	case generated:
		fmt.Fprintf(stdout, "Organizer key (generated now, kept in the store; shown only this once): %s\n", key)
	case c.organizerKey != "":
		fmt.Fprintln(stdout, "Organizer key: as set by PROCESSKARTA_ORGANIZER_KEY / -organizer-key")
	default:
		fmt.Fprintln(stdout, "Organizer key: as printed at first start; `make key` shows it again")
	}
	log.Info("serving", "addr", ln.Addr().String(), "store", kind, "version", version)

	if c.debugAddr != "" {
		// Profiles only on their own listener, never on the public one.
		go func() {
			if err := http.ListenAndServe(c.debugAddr, pprofMux()); err != nil {
				log.Warn("debug listener", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// redisLogger hands go-redis' log lines to slog.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client", "detail", oneLine(fmt.Sprintf(format, v...)))
}

func kindOf(c config) string {
	if c.redis != "" {
		return "redis"
	}
	return "embedded"
}

// organizerKeyMeta is where the store keeps the generated key.
const organizerKeyMeta = "organizer_key"

func organizerKey(ctx context.Context, store board.Store, fromConfig string) (key string, generated bool, err error) {
	if fromConfig != "" {
		return fromConfig, false, nil
	}
	fresh := board.NewToken()
	key, err = store.InitMeta(ctx, organizerKeyMeta, fresh)
	return key, key == fresh, err
}

func displayURL(public string, addr net.Addr) string {
	if public != "" {
		return public
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// healthcheck lets a distroless container check itself without curl.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %d", resp.StatusCode)
	}
	return nil
}

func pprofMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}
