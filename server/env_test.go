package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

const testKey = "test-organizer-key-0123456789"

// node is one server on a store, over real loopback HTTP.
type node struct {
	srv  *server.Server
	http *httptest.Server
	api  *client.API
}

func (n *node) URL() string { return n.http.URL }

func startNode(t testing.TB, store board.Store, presence board.Presence, limits server.Limits) *node {
	t.Helper()
	return startNodeConfig(t, store, server.Config{Presence: presence, Limits: limits})
}

// startNodeConfig starts a node with cfg; the organizer key and the logger
// are the tests'.
func startNodeConfig(t testing.TB, store board.Store, cfg server.Config) *node {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg.OrganizerKey, cfg.Logger = testKey, log
	srv := server.New(store, cfg)
	hs := httptest.NewServer(srv)
	n := &node{srv: srv, http: hs, api: &client.API{Base: hs.URL, Key: testKey}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return n
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }

func openBolt(t testing.TB, opts ...boltstore.Option) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// boltNode is a single server on a fresh embedded store.
func boltNode(t testing.TB) *node {
	return startNode(t, openBolt(t), nil, server.Limits{})
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newBoard creates Göteborg (if needed) and a board on it.
func newBoard(t testing.TB, n *node, template string) *client.BoardCreated {
	t.Helper()
	ctx := ctxT(t)
	if err := n.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	b, err := n.api.CreateBoard(ctx, "Processkartläggning energi", "1480", template)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func join(t testing.TB, n *node, code, name, position string) *client.Joined {
	t.Helper()
	j, err := n.api.Join(ctxT(t), code, name, "Miljöförvaltningen", position)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func dial(t testing.TB, n *node, boardID, token string) *client.Client {
	t.Helper()
	c, err := client.Dial(ctxT(t), n.URL(), boardID, token, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Drop() })
	return c
}

func id() string { return uuid.NewString() }

func note(text string, x, y float64) board.Op {
	return board.Op{Op: board.OpCreate, ID: id(), Kind: board.KindNote, Props: map[string]any{"text": text, "x": x, "y": y, "color": "#fde68a"}}
}
