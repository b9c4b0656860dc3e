package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/processkarta/processkarta/board"
)

// Hub keeps one room per board that has connections on this node. A room
// follows the store's ordered feed of the board's changes and fans each out
// to its connections; the store makes the feed the same on every node.
type Hub struct {
	store    board.Store
	presence board.Presence
	limits   Limits
	log      *slog.Logger
	m        *metrics
	node     string

	mu     sync.Mutex
	rooms  map[string]*room
	closed bool
}

func newHub(store board.Store, presence board.Presence, limits Limits, log *slog.Logger, m *metrics) *Hub {
	return &Hub{store: store, presence: presence, limits: limits, log: log, m: m, node: newID(), rooms: map[string]*room{}}
}

// room returns the board's room, starting it if needed. The caller must
// call release when its connection ends.
func (h *Hub) room(ctx context.Context, boardID string) (*room, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, board.Errorf(board.EUnavailable, "the server is shutting down")
	}
	r := h.rooms[boardID]
	if r == nil {
		r = newRoom(h, boardID)
		h.rooms[boardID] = r
		h.m.boards.Inc()
		var rctx context.Context
		rctx, r.cancel = context.WithCancel(context.Background())
		go r.start(rctx)
	}
	r.users++
	h.mu.Unlock()
	select {
	case <-r.ready:
	case <-ctx.Done():
		h.release(r)
		return nil, ctx.Err()
	}
	if r.err != nil {
		h.release(r)
		return nil, r.err
	}
	return r, nil
}

// release drops one user of a room; an unused room stops after RoomIdle.
func (h *Hub) release(r *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r.users--
	if r.users > 0 {
		return
	}
	if r.err != nil {
		h.drop(r)
		return
	}
	time.AfterFunc(h.limits.RoomIdle, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.users == 0 && h.rooms[r.id] == r {
			h.drop(r)
		}
	})
}

// drop removes a room; h.mu is held.
func (h *Hub) drop(r *room) {
	if h.rooms[r.id] == r {
		delete(h.rooms, r.id)
		h.m.boards.Dec()
	}
	if r.cancel != nil {
		r.cancel()
	}
}

// joinCodeChanged tells every node's facilitators of a board's new join
// code. Presence is best effort; a facilitator who misses it sees the new
// code at the next reconnect.
func (h *Hub) joinCodeChanged(ctx context.Context, boardID, code string) {
	b, err := json.Marshal(busMessage{Node: h.node, JoinCode: code})
	if err == nil {
		_ = h.presence.Publish(ctx, boardID, b)
	}
}

// online returns who is online on a board as this node knows it.
func (h *Hub) online(boardID string) map[string]bool {
	h.mu.Lock()
	r := h.rooms[boardID]
	h.mu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case <-r.ready:
	default:
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.onlineSet()
}

func (h *Hub) shutdown(ctx context.Context) {
	h.mu.Lock()
	h.closed = true
	rooms := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range rooms {
		r.mu.Lock()
		for c := range r.conns {
			c.kill(closeGoingAway, "server going away")
			wg.Add(1)
			go func() { defer wg.Done(); c.waitClosed(ctx) }()
		}
		r.mu.Unlock()
	}
	wg.Wait()
	h.mu.Lock()
	for _, r := range rooms {
		h.drop(r)
	}
	h.mu.Unlock()
}
