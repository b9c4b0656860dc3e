package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/processkarta/processkarta/board"
)

// room is one board on this node: its replica, its connections, and the
// presence of everyone on the board.
type room struct {
	hub    *Hub
	id     string
	ready  chan struct{}
	err    error
	cancel context.CancelFunc
	users  int // guarded by hub.mu

	mu     sync.Mutex
	state  *board.State
	recent []*board.Change // the last changes, oldest first, for catch-up
	conns  map[*conn]struct{}

	peers       map[string]*peer       // participant id → presence, from every node
	remote      map[string]*remoteNode // other nodes' online participants
	dirty       map[string]bool        // peers changed since the last flush
	localDirty  bool                   // something of this node's to tell other nodes
	flushQueued bool
	lastOnline  map[string]bool
}

func (r *room) start(ctx context.Context) {
	sctx, cancel := context.WithCancel(ctx)
	st, changes, err := r.hub.store.Subscribe(sctx, r.id)
	if err != nil {
		cancel()
		r.err = err
		close(r.ready)
		return
	}
	bus, err := r.hub.presence.Subscribe(ctx, r.id)
	if err != nil {
		r.hub.log.Warn("presence unavailable", "board", r.id, "err", err)
		bus = nil
	}
	r.state = st
	r.lastOnline = map[string]bool{}
	close(r.ready)
	go r.heartbeat(ctx)
	if bus != nil {
		go r.listen(ctx, bus)
	}
	r.follow(ctx, changes, cancel)
}

// follow applies the store's feed. If the feed breaks (the room fell too
// far behind, the store lost it, or it skipped a seq), the room
// resubscribes and tells its clients to reconnect with since: they know
// their seq, the room may not.
func (r *room) follow(ctx context.Context, changes <-chan *board.Change, cancel context.CancelFunc) {
	for {
		for c := range changes {
			if !r.apply(c) {
				break
			}
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		var st *board.State
		var err error
		for delay := 100 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
			var sctx context.Context
			sctx, cancel = context.WithCancel(ctx)
			st, changes, err = r.hub.store.Subscribe(sctx, r.id)
			if err == nil || ctx.Err() != nil {
				break
			}
			cancel()
			if board.ErrorCode(err) == board.ENotFound {
				// Deleted, here or by another node.
				r.hub.boardDeleted(r.id)
				return
			}
			r.hub.log.Warn("resubscribe failed", "board", r.id, "err", err)
			time.Sleep(delay)
		}
		if ctx.Err() != nil {
			cancel()
			return
		}
		r.mu.Lock()
		r.state, r.recent = st, nil
		for c := range r.conns {
			c.kill(closeLagging, "the server lost its feed; reconnect with since")
		}
		r.mu.Unlock()
	}
}

// apply fans one change out; it returns false if the feed skipped a seq.
func (r *room) apply(c *board.Change) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.Seq <= r.state.Seq {
		return true // seen already
	}
	if c.Seq != r.state.Seq+1 {
		// The store promises a gapless feed; this is a bug there, and
		// resubscribing recovers from it.
		r.hub.log.Error("gap in the change feed", "board", r.id, "have", r.state.Seq, "got", c.Seq)
		return false
	}
	restart := facilitatorChanged(r.state, c) && r.state.HasPrivate()
	start := time.Now()
	r.state.Apply(c)
	r.recent = append(r.recent, c)
	if len(r.recent) > r.hub.limits.RecentChanges {
		r.recent = append(r.recent[:0:0], r.recent[len(r.recent)/2:]...)
	}
	f := newFanout(r.state, c)
	removed := c.RemovedIDs()
	if c.Type == board.ChangeErase {
		r.scrubRecent(c.Erased)
	}
	for conn := range r.conns {
		if slices.Contains(removed, conn.pid) || c.Type == board.ChangeErase && slices.Contains(c.Erased, conn.pid) {
			conn.kill(closeUnauthorized, "removed from the board")
			continue
		}
		if restart && conn.pid == c.Participant.ID {
			// The private notes they may see changed with the role.
			conn.kill(closeLagging, "your role changed: reconnect")
			continue
		}
		for _, m := range f.messages(conn, c.Conn == conn.id) {
			conn.enqueue(m)
		}
	}
	for _, pid := range removed {
		r.markGone(pid)
	}
	for _, pid := range c.Erased {
		r.markGone(pid)
	}
	r.hub.m.fanout.Observe(time.Since(start).Seconds())
	return true
}

// catchUp returns the changes after since up to the room's seq, or nil and
// false when the welcome must carry the whole board. r.mu is held.
func (r *room) catchUp(ctx context.Context, since uint64) ([]*board.Change, bool) {
	seq := r.state.Seq
	if since > seq {
		return nil, false
	}
	if since == seq {
		return []*board.Change{}, true
	}
	if len(r.recent) > 0 && r.recent[0].Seq <= since+1 {
		i := int(since + 1 - r.recent[0].Seq)
		return r.recent[i:], true
	}
	cs, err := r.hub.store.Since(ctx, r.id, since)
	if err != nil {
		return nil, false
	}
	out := cs[:0:0]
	for _, c := range cs {
		if c.Seq <= seq {
			out = append(out, c)
		}
	}
	if len(out) == 0 || out[0].Seq != since+1 || out[len(out)-1].Seq != seq {
		return nil, false
	}
	return out, true
}

// addConn registers a connection that has had its welcome; r.mu is held.
func (r *room) addConn(c *conn) {
	r.conns[c] = struct{}{}
	p := r.peers[c.pid]
	if p == nil || p.Gone {
		p = &peer{Participant: c.pid, Selection: []string{}, node: r.hub.node, conns: map[*conn]int{}}
		r.peers[c.pid] = p
	}
	if p.conns == nil {
		p.conns = map[*conn]int{}
	}
	p.node = r.hub.node
	p.conns[c]++
	r.localDirty = true
	r.scheduleFlush()
}

func (r *room) removeConn(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.conns[c]; !ok {
		return
	}
	delete(r.conns, c)
	if p := r.peers[c.pid]; p != nil && p.conns != nil {
		delete(p.conns, c)
	}
	r.localDirty = true
	r.scheduleFlush()
}
