package main

import (
	"context"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// The fault tests of issue 10, item 8 (docs/security.md, "Fault tests";
// `make chaos` runs them): real server processes and a real redis-server,
// killed or stalled from outside while participants edit.

// serveRedisChild starts a server process on the Redis at redisURL; env
// is added to the child's environment.
func serveRedisChild(t *testing.T, redisURL string, env ...string) *served {
	t.Helper()
	addr := freeAddr(t)
	const key = "fault-test-organizer-key"
	c := startChild(t, "-addr "+addr+" -organizer-key "+key+" -redis "+redisURL, env...)
	base := "http://" + addr
	return &served{base: base, key: key, api: &client.API{Base: base, Key: key}, c: c}
}

// processBoard creates a process-map board in Göteborg.
func (s *served) processBoard(t *testing.T, ctx context.Context) *client.BoardCreated {
	t.Helper()
	if err := s.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	b, err := s.api.CreateBoard(ctx, "Processkarta energi", "1480", "process-map")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editorOn joins the board as name and connects to node.
func editorOn(t *testing.T, ctx context.Context, node *served, joinCode, boardID, name string, mustStay bool) *editor {
	t.Helper()
	j, err := node.api.Join(ctx, joinCode, name, "Miljöförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, node.base, boardID, j.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Drop)
	return newEditor(name, c, mustStay)
}

// Two server processes on one Redis, two participants editing on each.
// One node is killed with SIGKILL mid-stream; its participants reconnect
// to the other node (the test gives them its address, as a load balancer
// would) and go on. Every acknowledged note is on the board, and the
// surviving node's participants neither lost their connection nor waited.
func TestNodeKill9ClientsMoveToTheOtherNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	rs := redistest.Start(t)
	a := serveRedisChild(t, rs.URL())
	b := serveRedisChild(t, rs.URL())
	bd := a.processBoard(t, ctx)
	onA := []*editor{
		editorOn(t, ctx, a, bd.JoinCode, bd.ID, "Anna", false),
		editorOn(t, ctx, a, bd.JoinCode, bd.ID, "Arvid", false),
	}
	onB := []*editor{
		editorOn(t, ctx, b, bd.JoinCode, bd.ID, "Bo", true),
		editorOn(t, ctx, b, bd.JoinCode, bd.ID, "Britt", true),
	}
	for _, e := range onA {
		e.moveTo = b.base
	}
	cr := startCrew(ctx, append(onA, onB...)...)
	cr.ackedSince(t, "editing on both nodes", 20, 60*time.Second)

	a.c.kill9(t)
	cr.ackedSince(t, "editing after node A was killed", 20, 60*time.Second)
	cr.halt()

	for _, e := range onA {
		if e.closed == 0 {
			t.Errorf("%s: the kill did not end the connection to node A", e.name)
		}
	}
	// An edit on a healthy node answers in milliseconds; seconds would mean
	// the survivor waited on the dead node.
	for _, e := range onB {
		if s := slowest(e.latencies); s > 2*time.Second {
			t.Errorf("%s on node B waited %v for an answer", e.name, s)
		}
	}
	checkAcked(t, ctx, b.base, bd.ID, bd.FacilitatorToken, cr.editors)
}

// A redis-server with `--appendonly yes --appendfsync always` (how
// redistest runs it, and what docs/operations.md asks for) is killed with
// SIGKILL while three participants edit, and restarted on the same
// directory and port. Edits during the outage are refused as unavailable
// with retry, none waits for Redis to come back, and afterwards every
// acknowledged note is on the board.
func TestRedisKill9MidStreamLosesNothingAcknowledged(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	rs := redistest.Start(t)
	n := serveRedisChild(t, rs.URL())
	bd := n.processBoard(t, ctx)
	// The node may drop a connection when it loses Redis' feed; the
	// participant then reconnects, as a browser does.
	cr := startCrew(ctx,
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Karin", false),
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Per", false),
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Ulla", false))
	cr.ackedSince(t, "editing before the kill", 20, 60*time.Second)

	rs.Kill()
	down := map[*editor]int{}
	for _, e := range cr.editors {
		_, down[e] = e.count()
	}
	cr.await(t, "edits refused as unavailable while Redis is down", 30*time.Second, func(e *editor) bool {
		_, u := e.count()
		return u >= down[e]+3
	})
	rs.Restart()
	cr.ackedSince(t, "editing after Redis came back", 20, 60*time.Second)
	cr.halt()
	checkAcked(t, ctx, n.base, bd.ID, bd.FacilitatorToken, cr.editors)
}

// The server on the embedded store is killed with SIGKILL while three
// participants edit, and started again on the same data directory and
// address. The participants reconnect with since, as browsers do, and go
// on; every acknowledged note is on the board and every client has the
// board without a gap.
func TestEmbeddedKill9MidStreamLosesNothingAcknowledged(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	addr := freeAddr(t)
	const key = "fault-test-organizer-key"
	args := "-addr " + addr + " -organizer-key " + key + " -data " + t.TempDir()
	n := &served{base: "http://" + addr, key: key, api: &client.API{Base: "http://" + addr, Key: key}, c: startChild(t, args)}
	bd := n.processBoard(t, ctx)
	cr := startCrew(ctx,
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Karin", false),
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Per", false),
		editorOn(t, ctx, n, bd.JoinCode, bd.ID, "Ulla", false))
	cr.ackedSince(t, "editing before the kill", 20, 60*time.Second)

	n.c.kill9(t)
	n.c = startChild(t, args)
	cr.ackedSince(t, "editing after the restart", 20, 60*time.Second)
	cr.halt()
	for _, e := range cr.editors {
		if e.closed == 0 {
			t.Errorf("%s: the kill did not end the connection", e.name)
		}
	}
	checkAcked(t, ctx, n.base, bd.ID, bd.FacilitatorToken, cr.editors)
}
