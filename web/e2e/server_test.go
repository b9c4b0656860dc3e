// Package e2e_test drives the browser client in a real headless Chromium
// against an in-process Processkarta server on a bolt store: two people
// editing one board, facilitation, an accessibility audit with axe-core and
// the screenshots in docs/screenshots.
package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

const organizerKey = "e2e-organizer-key-0123456789abcdef"

// testServer is one Processkarta server on a fixed loopback port and a bolt
// data directory. It can be stopped and started again on the same port and
// data, as an operator restarting the service would.
type testServer struct {
	t    testing.TB
	addr string // 127.0.0.1:port, fixed for the server's life
	dir  string // the bolt store's directory
	api  *client.API
	net  *netCut
	cfg  []func(*server.Config) // changes to the default configuration

	mu    sync.Mutex
	store *boltstore.Store
	srv   *server.Server
	hs    *http.Server
	serve chan struct{} // closed when Serve returns
}

// startServer starts a server on a free loopback port and a fresh store,
// configured as the binary is by default except for what cfg changes; it is
// stopped when the test ends.
func startServer(t testing.TB, cfg ...func(*server.Config)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, addr: ln.Addr().String(), dir: t.TempDir(), net: newNetCut(), cfg: cfg}
	s.api = &client.API{Base: s.URL(), Key: organizerKey}
	s.startOn(ln)
	t.Cleanup(s.stop)
	return s
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *testServer) URL() string { return "http://" + s.addr }

func (s *testServer) startOn(ln net.Listener) {
	s.t.Helper()
	store, err := boltstore.Open(s.dir)
	if err != nil {
		ln.Close()
		s.t.Fatalf("open store: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testLog{s.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg := server.Config{OrganizerKey: organizerKey, Logger: log}
	for _, f := range s.cfg {
		f(&cfg)
	}
	srv := server.New(store, cfg)
	hs := &http.Server{
		Handler:           s.net.wrap(srv),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext:       s.net.connContext,
	}
	serve := make(chan struct{})
	go func() {
		defer close(serve)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Errorf("serve: %v", err)
		}
	}()
	s.mu.Lock()
	s.store, s.srv, s.hs, s.serve = store, srv, hs, serve
	s.mu.Unlock()
}

// stop shuts the server down as the binary does on SIGTERM (websockets
// closed with 1001, HTTP drained) and closes the store. Stopping a stopped
// server does nothing.
func (s *testServer) stop() {
	s.mu.Lock()
	srv, hs, store, serve := s.srv, s.hs, s.store, s.serve
	s.srv, s.hs, s.store = nil, nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err := hs.Shutdown(ctx); err != nil {
		hs.Close()
	}
	<-serve
	s.net.closeAll()
	if err := store.Close(); err != nil {
		s.t.Errorf("close store: %v", err)
	}
}

// start starts a stopped server again on the same port and data directory.
func (s *testServer) start() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.startOn(ln)
}

type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// netCut simulates one person's network going away: while a board token is
// cut, its websockets are dropped (no close frame, as on a lost Wi-Fi) and
// new ones are refused, while everyone else stays connected.
type netCut struct {
	mu    sync.Mutex
	cut   map[string]bool
	conns map[string]map[net.Conn]bool // token → raw connections of its websockets
}

type connKey struct{}

func newNetCut() *netCut {
	return &netCut{cut: map[string]bool{}, conns: map[string]map[net.Conn]bool{}}
}

func (n *netCut) connContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

func (n *netCut) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("token")
		if tok == "" || !strings.HasSuffix(r.URL.Path, "/ws") {
			h.ServeHTTP(w, r)
			return
		}
		c, _ := r.Context().Value(connKey{}).(net.Conn)
		n.mu.Lock()
		if n.cut[tok] {
			n.mu.Unlock()
			if c != nil {
				c.Close() // as if the network were down: no answer at all
			}
			return
		}
		if c != nil {
			if n.conns[tok] == nil {
				n.conns[tok] = map[net.Conn]bool{}
			}
			n.conns[tok][c] = true
		}
		n.mu.Unlock()
		h.ServeHTTP(w, r)
		n.mu.Lock()
		delete(n.conns[tok], c)
		n.mu.Unlock()
	})
}

// Cut drops the websockets of token and refuses new ones until Restore.
func (n *netCut) Cut(token string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cut[token] = true
	for c := range n.conns[token] {
		c.Close()
	}
}

// Restore lets token connect again.
func (n *netCut) Restore(token string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cut, token)
}

func (n *netCut) closeAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, m := range n.conns {
		for c := range m {
			c.Close()
		}
	}
}
