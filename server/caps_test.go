package server_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// Edits are bounded in bytes as well as in count: once a socket has sent its
// burst of bytes, the next edit is refused as rate_limited and nothing of it
// is stored.
func TestWSEditBytesAreBounded(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{Caps: server.Caps{EditBytesPerSecond: 1, EditBytesBurst: 3000}})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	c := dial(t, n, b.ID, b.FacilitatorToken)
	note := func() board.Op {
		return board.Op{Op: "create", ID: id(), Kind: "note", Props: map[string]any{"x": 1.0, "y": 2.0, "text": strings.Repeat("a", 1200)}}
	}
	if _, err := c.Ops(ctx, note()); err != nil {
		t.Fatalf("first edit, within the burst: %v", err)
	}
	if _, err := c.Ops(ctx, note()); err != nil {
		t.Fatalf("second edit, within the burst: %v", err)
	}
	_, err := c.Ops(ctx, note())
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != board.ERateLimited {
		t.Fatalf("third edit, past the burst: want %s, got %v", board.ERateLimited, err)
	}
	if _, objs := snapshotObjects(t, n, b.ID); len(objs) != 2 {
		t.Fatalf("%d objects stored, want the 2 within the burst", len(objs))
	}
}
