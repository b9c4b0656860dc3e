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
	err    error // set by start before it closes ready, under hub.mu
	cancel context.CancelFunc
	users  int // guarded by hub.mu

	mu     sync.Mutex
	state  *board.State
	recent []*board.Change // the last changes, oldest first, for catch-up
	// rosterC and objectsC are parts of the welcome encoded once for
	// every connection (roster.go, welcome.go); nil until needed and
	// after a change that alters them.
	rosterC  *rosterCache
	objectsC *objectsCache
	conns    map[*conn]struct{}
	// acks routes each change's ack to the connection that sent its batch:
	// the change itself, durable in the store's log, names only its author
	// and batch.
	acks map[ackKey]*conn
	// advanced is closed (and replaced) whenever state moves on, for
	// those who wait for a seq.
	advanced chan struct{}

	peers       map[string]*peer       // participant id → presence, from every node
	remote      map[string]*remoteNode // other nodes' online participants
	dirty       map[string]dirtyMark   // peers changed since they were last sent
	dirtyOrder  uint64                 // counts markDirty's new entries
	localDirty  bool                   // something of this node's to tell other nodes
	flushQueued bool

	// Write rounds (rounds.go): when the last one was, and whether the
	// next is waiting for its time.
	lastRound    time.Time
	roundWaiting bool
	lastOnline   map[string]bool

	// The bus messages waiting for the room's one publisher, in order.
	pubMu    sync.Mutex
	pubQueue [][]byte
	pubWake  chan struct{} // one slot
}

// ackKey names a batch on its way through the store.
type ackKey struct{ author, batch string }

func newRoom(h *Hub, boardID string) *room {
	return &room{hub: h, id: boardID, ready: make(chan struct{}), conns: map[*conn]struct{}{},
		acks: map[ackKey]*conn{}, advanced: make(chan struct{}),
		peers: map[string]*peer{}, remote: map[string]*remoteNode{}, pubWake: make(chan struct{}, 1)}
}

func (r *room) start(ctx context.Context) {
	sctx, cancel := context.WithCancel(ctx)
	st, changes, err := r.hub.store.Subscribe(sctx, r.id)
	if err != nil {
		cancel()
		// release reads err under hub.mu, possibly before ready closes
		// (its caller gave up waiting).
		r.hub.mu.Lock()
		r.err = err
		r.hub.mu.Unlock()
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
	go r.publisher(ctx)
	go r.heartbeat(ctx)
	go r.watchdog(ctx)
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
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
		}
		if ctx.Err() != nil {
			cancel()
			return
		}
		r.mu.Lock()
		r.state, r.recent, r.rosterC, r.objectsC = st, nil, nil, nil
		r.signalAdvance()
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
	if touchesParticipants(c) {
		r.rosterC = nil
	}
	r.recent = append(r.recent, c)
	if len(r.recent) > r.hub.limits.RecentChanges {
		r.recent = append(r.recent[:0:0], r.recent[len(r.recent)/2:]...)
	}
	r.signalAdvance()
	var sender *conn
	if c.Batch != "" {
		k := ackKey{c.Author, c.Batch}
		sender = r.acks[k]
		delete(r.acks, k)
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
		if conn == sender {
			// The author's ack goes out at once: the author waits for it.
			for _, m := range f.messages(conn, true) {
				conn.enqueue(m)
			}
			continue
		}
		for _, m := range f.messages(conn, false) {
			conn.push(m)
		}
	}
	r.kick()
	for _, pid := range removed {
		r.markGone(pid)
	}
	for _, pid := range c.Erased {
		r.markGone(pid)
	}
	r.hub.m.fanout.Observe(time.Since(start).Seconds())
	return true
}

// signalAdvance wakes those waiting for the room's seq to move. r.mu is
// held.
func (r *room) signalAdvance() {
	close(r.advanced)
	r.advanced = make(chan struct{})
}

// expectAck notes that c sent batch, so that the change's ack goes to c
// when the feed brings it.
func (r *room) expectAck(c *conn, batch string) {
	if batch == "" {
		return
	}
	r.mu.Lock()
	r.acks[ackKey{c.pid, batch}] = c
	r.mu.Unlock()
}

// forgetAck drops the route of a batch the store refused.
func (r *room) forgetAck(c *conn, batch string) {
	r.mu.Lock()
	if k := (ackKey{c.pid, batch}); r.acks[k] == c {
		delete(r.acks, k)
	}
	r.mu.Unlock()
}

// needsStore reports whether a catch-up from since needs changes the room
// no longer holds in memory. r.mu is held.
func (r *room) needsStore(since uint64) bool {
	return since < r.state.Seq && (len(r.recent) == 0 || r.recent[0].Seq > since+1)
}

// catchUp returns the changes after since up to the room's seq, from the
// room's memory and the changes read from the store beforehand (fetched,
// oldest first), or nil and false when the welcome must carry the whole
// board. board.CatchUp makes the decision. r.mu is held.
func (r *room) catchUp(since uint64, fetched []*board.Change) ([]*board.Change, bool) {
	seq := r.state.Seq
	log := r.recent
	if len(fetched) > 0 && (len(log) == 0 || fetched[0].Seq < log[0].Seq) {
		var joined []*board.Change
		for _, c := range fetched {
			if len(log) > 0 && c.Seq >= log[0].Seq {
				break
			}
			joined = append(joined, c)
		}
		log = append(joined, log...)
	}
	var first uint64
	if len(log) > 0 {
		first = log[0].Seq
	}
	current, err := board.CatchUp(since, seq, first)
	if err != nil {
		return nil, false
	}
	if current {
		return []*board.Change{}, true
	}
	if since+1-first >= uint64(len(log)) {
		return nil, false
	}
	out := log[since+1-first:]
	if uint64(len(out)) < seq-since {
		return nil, false
	}
	out = out[:seq-since]
	for i, c := range out {
		if c.Seq != since+1+uint64(i) {
			return nil, false
		}
	}
	return out, true
}

// addConn registers a connection that has had its welcome; r.mu is held.
func (r *room) addConn(c *conn) {
	r.conns[c] = struct{}{}
	p := r.peers[c.pid]
	if p == nil || p.Gone {
		p = &peer{Participant: c.pid, Selection: []string{}, node: r.hub.node, conns: map[*conn]struct{}{}}
		r.peers[c.pid] = p
	}
	if p.conns == nil {
		p.conns = map[*conn]struct{}{}
	}
	p.node = r.hub.node
	p.conns[c] = struct{}{}
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
	for k, to := range r.acks {
		if to == c {
			delete(r.acks, k)
		}
	}
	if p := r.peers[c.pid]; p != nil && p.conns != nil {
		delete(p.conns, c)
	}
	r.localDirty = true
	r.scheduleFlush()
}
