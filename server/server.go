// Package server is Processkarta's HTTP side: the REST API, the pages, the
// websocket sessions and the hub that fans a board's changes out to them.
package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
	"github.com/processkarta/processkarta/export/hyphen"
	"github.com/processkarta/processkarta/web"
	"github.com/prometheus/client_golang/prometheus"
)

// Config holds what a Server needs besides its store.
type Config struct {
	// OrganizerKey is the deployment secret of coordinators and process
	// leaders.
	OrganizerKey string
	// AllowedOrigins lists the origins (scheme://host[:port]) that may open
	// websockets; empty means the server's own origin only.
	AllowedOrigins []string
	// PublicURL is the server's address as users reach it; empty means
	// derived from each request.
	PublicURL string
	// Presence carries ephemeral messages between the nodes serving a
	// board; nil means this node is alone.
	Presence board.Presence
	// Limits for websocket sessions; zero values take the defaults.
	Limits Limits
	// Caps bound what one address, token and board may take; zero values
	// take the defaults.
	Caps Caps
	// TrustedProxies are the peers whose X-Forwarded-For names the client;
	// empty means none.
	TrustedProxies []netip.Prefix
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// Registry receives the metrics; nil means a new registry.
	Registry *prometheus.Registry
	// StoreKind names the store ("embedded" or "redis") in backups.
	StoreKind string
	// DataDir is the embedded store's directory, whose free space the
	// metrics report; empty for the Redis store.
	DataDir string
	// ContactEmail is where people report accessibility problems and ask
	// about their personal data (PROCESSKARTA_CONTACT_EMAIL).
	ContactEmail string
	// Operator names who runs the installation on the statement pages;
	// empty means a generic phrase.
	Operator string
	// RetentionDays is how long a board may go without a change before it
	// is anonymised; 0 keeps boards until deleted.
	RetentionDays int
	// Accounts configures organizers' sign-in: sessions and an optional
	// OpenID Connect provider.
	Accounts AccountsConfig
	// RetentionEvery is how often the retention sweep runs (default
	// DefaultRetentionEvery).
	RetentionEvery time.Duration
}

// Server serves one node of Processkarta.
type Server struct {
	store           board.Store
	rawStore        board.Store // uninstrumented, for the optional interfaces it has
	cfg             Config
	log             *slog.Logger
	hub             *Hub
	metrics         *metrics
	orgHash         [32]byte
	handler         http.Handler
	joinRate        *rateLimiter
	joins           *joinLimits
	conns           *connLimiter
	exports         chan struct{} // bounds concurrent PDF renders
	exportsPerBoard *bucketMap
	auth            *authState

	mu       sync.Mutex
	draining bool

	stopRetention context.CancelFunc // nil without a retention period
}

// New returns a server on store. The store's lifetime is the caller's.
func New(store board.Store, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.Caps = cfg.Caps.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, joinRate: newRateLimiter(30, time.Minute), exports: make(chan struct{}, 2),
		joins: newJoinLimits(cfg.Caps), conns: &connLimiter{max: cfg.Caps.ConnsPerAddress, open: map[string]int{}},
		exportsPerBoard: newBucketMap(cfg.Caps.ExportsPerMinute/60, cfg.Caps.ExportsPerMinute)}
	s.metrics = newMetrics(cfg.Registry)
	s.store, s.rawStore = instrument(store, s.metrics), store
	s.metrics.watchStore(cfg.Registry, store, cfg.DataDir)
	s.orgHash = hashKey(cfg.OrganizerKey)
	s.cfg.Accounts = cfg.Accounts.withDefaults()
	s.auth = newAuthState(s.cfg.Accounts)
	presence := cfg.Presence
	if presence == nil {
		presence = board.NewLocalPresence()
	}
	s.hub = newHub(s.store, presence, cfg.Limits, s.log, s.metrics)
	s.handler = s.routes()
	if cfg.RetentionDays > 0 {
		ctx, stop := context.WithCancel(context.Background())
		s.stopRetention = stop
		go s.retention(ctx)
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Shutdown closes every websocket with 1001 so clients move to another
// node, and stops the hub. The HTTP server itself is the caller's.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	if s.stopRetention != nil {
		s.stopRetention()
	}
	s.hub.shutdown(ctx)
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, securityHeaders, s.metrics.middleware, s.capConns)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, board.Errorf(board.ENotFound, "no such page or endpoint"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusMethodNotAllowed, errBody("method_not_allowed", "method not allowed"))
	})

	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", s.metrics.handler(s.cfg.Registry))

	static := web.FS()
	page := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, static, name)
		}
	}
	r.Get("/", page("index.html"))
	r.Get("/join", page("join.html"))
	r.Get("/b/{id}", page("board.html"))
	r.Get("/s/{id}", s.scopedPage(page("strategy.html")))
	r.Get("/k/{name}", s.scopedPage(page("cluster.html")))
	statements := newStatementPages(s.cfg)
	r.Get("/tillganglighet", statements.handler("tillganglighet.html"))
	r.Get("/integritet", statements.handler("integritet.html"))
	r.Handle("/static/*", http.StripPrefix("/static/", staticFiles(static)))
	s.authPages(r, page)

	r.Route("/api", func(r chi.Router) {
		r.Use(s.guardStateChange)
		r.Get("/kommuner", s.listSCB)
		s.accountRoutes(r)
		r.Get("/admin/backup", s.backup)
		r.Get("/hyphenation", hyphenation)
		r.Post("/municipalities", s.organizer(s.createMunicipality))
		r.Get("/municipalities", s.organizer(s.listMunicipalities))
		r.Get("/municipalities/{code}", s.organizer(s.getMunicipality))
		r.Post("/municipalities/{code}/strategies", s.organizer(s.createStrategy))
		r.Get("/municipalities/{code}/strategies", s.organizer(s.listStrategies))
		r.Get("/strategies/{id}", s.organizer(s.getStrategy))
		r.Get("/strategies/{id}/events", s.organizer(s.strategyEvents))
		r.Post("/strategies/{id}/exports", s.organizer(s.createStrategyExport))
		r.Get("/clusters/{name}", s.organizer(s.getCluster))
		r.Post("/boards", s.organizer(s.createBoard))
		r.Get("/boards", s.organizer(s.listBoards))
		r.Post("/boards/import", s.organizer(s.importAny))
		r.Post("/join", s.join)
		r.Get("/boards/{id}", s.boardAuth(false, s.getBoard))
		r.Get("/boards/{id}/ws", s.websocket)
		r.Post("/boards/{id}/facilitate", s.organizer(s.facilitate))
		r.Post("/boards/{id}/ops", s.boardAuth(false, s.postOps))
		r.Get("/boards/{id}/document", s.boardAuth(true, s.getDocument))
		r.Post("/boards/{id}/join-code", s.boardAuth(true, s.rotateJoinCode))
		r.Delete("/boards/{id}", s.boardAuth(true, s.deleteBoard))
		r.Delete("/boards/{id}/participants/me", s.boardAuth(false, s.eraseMe))
		r.Delete("/boards/{id}/participants/{pid}", s.boardAuth(true, s.removeOrErase))
		r.Post("/boards/{id}/participants/remove", s.boardAuth(true, s.removeParticipants))
		r.Put("/boards/{id}/participants/{pid}", s.boardAuth(true, s.setRole))
		r.Post("/boards/{id}/exports", s.boardAuth(true, s.createExport))
		r.Get("/boards/{id}/bpmn", s.boardAuth(true, s.getBPMN))
		r.Get("/boards/{id}/drawio", s.boardAuth(true, s.getDrawio))
		r.Get("/exports/{id}", s.exportAuth(s.getExport))
		r.Get("/exports/{id}/pdf", s.exportAuth(s.getExportPDF))
		r.Get("/exports/{id}/html", s.exportAuth(s.getExportHTML))
	})
	return r
}

// hyphenation serves the break rules the PDFs use, so that the canvas
// hyphenates words in the same places (export/hyphen).
func hyphenation(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "sv.json", time.Time{}, bytes.NewReader(hyphen.JSON()))
}

func errBody(code, msg string) errorBody {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	return b
}

func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		writeJSON(w, http.StatusServiceUnavailable, errBody(board.EUnavailable, "shutting down"))
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, errBody(board.EUnavailable, "the store does not answer"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// csp allows nothing but the server's own scripts, styles and sockets,
// and the one stylesheet that stands in the HTML report (by its hash: a
// report the pages open from a blob keeps their policy).
var csp = cspWithStyle(export.ReportStyleHash())

// cspWithStyle is the policy with one more allowed style source.
func cspWithStyle(style string) string {
	return "default-src 'self'; script-src 'self'; style-src 'self' " + style + "; img-src 'self' data: blob:; " +
		"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeJSON(w, http.StatusInternalServerError, errBody(board.EInternal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func newID() string { return uuid.NewString() }

func hashKey(k string) [32]byte { return sha256.Sum256([]byte(k)) }

// isOrganizer checks the bearer against the organizer key in constant time.
func (s *Server) isOrganizer(bearer string) bool {
	if bearer == "" || s.cfg.OrganizerKey == "" {
		return false
	}
	h := hashKey(bearer)
	return subtle.ConstantTimeCompare(h[:], s.orgHash[:]) == 1
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
