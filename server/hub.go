package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/processkarta/processkarta/board"
)

// Limits bound what one connection and one board may do.
type Limits struct {
	MaxMessageBytes   int64         // largest client frame; over it the socket closes with 1009
	EditsPerSecond    float64       // ops, settings and votes per connection, sustained
	EditBurst         float64       // and in a burst
	PresencePerSecond float64       // presence messages per connection before 4429
	ConnsPerBoard     int           // sockets on one board on one node
	SendQueue         int           // messages queued for one slow client before it is dropped
	PingInterval      time.Duration // heartbeat; a dead peer is gone within two of these
	RecentChanges     int           // changes each room keeps in memory for catch-up
	RoomIdle          time.Duration // how long a room outlives its last connection
}

func (l Limits) withDefaults() Limits {
	orDefault(&l.MaxMessageBytes, 256<<10)
	orDefault(&l.EditsPerSecond, 30)
	orDefault(&l.EditBurst, 60)
	orDefault(&l.PresencePerSecond, 60)
	orDefault(&l.ConnsPerBoard, 1000)
	orDefault(&l.SendQueue, 1024)
	orDefault(&l.PingInterval, 20*time.Second)
	orDefault(&l.RecentChanges, 2000)
	orDefault(&l.RoomIdle, 30*time.Second)
	return l
}

func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

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
		r = &room{hub: h, id: boardID, ready: make(chan struct{}), conns: map[*conn]struct{}{},
			peers: map[string]*peer{}, remote: map[string]*remoteNode{}}
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

type peer struct {
	Participant string        `json:"participant"`
	Cursor      *cursor       `json:"cursor"`
	Selection   []string      `json:"selection"`
	Editing     *string       `json:"editing"`
	Gone        bool          `json:"gone,omitempty"`
	node        string        // where the participant's presence came from
	conns       map[*conn]int // local connections of the participant
}

type cursor struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

type remoteNode struct {
	online map[string]bool
	seen   time.Time
}

// busMessage travels between nodes on the Presence channel.
type busMessage struct {
	Node   string   `json:"node"`
	Peers  []*peer  `json:"peers,omitempty"`
	Online []string `json:"online"`
	Bye    bool     `json:"bye,omitempty"`
	// JoinCode, when set, is a board's new join code: every node tells
	// its facilitators.
	JoinCode string `json:"joinCode,omitempty"`
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
	r.state.Apply(c)
	r.recent = append(r.recent, c)
	if len(r.recent) > r.hub.limits.RecentChanges {
		r.recent = append(r.recent[:0:0], r.recent[len(r.recent)/2:]...)
	}
	f := newFanout(r.state, c)
	for conn := range r.conns {
		if c.Type == board.ChangeRemove && conn.pid == c.Removed {
			conn.kill(closeUnauthorized, "removed from the board")
			continue
		}
		for _, m := range f.messages(conn, c.Conn == conn.id) {
			conn.enqueue(m)
		}
	}
	if c.Type == board.ChangeRemove {
		r.markGone(c.Removed)
	}
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

// setPresence records a local participant's cursor, selection and editing.
func (r *room) setPresence(c *conn, cur *cursor, sel []string, editing *string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.peers[c.pid]
	if p == nil {
		return
	}
	p.Cursor, p.Selection, p.Editing, p.node = cur, sel, editing, r.hub.node
	r.markDirty(c.pid, true)
}

// scheduleFlush sends presence and online changes after flushDelay, so
// they reach each client at most 20 times a second however much comes in.
// r.mu is held.
func (r *room) scheduleFlush() {
	if !r.flushQueued {
		r.flushQueued = true
		time.AfterFunc(r.flushDelay(), r.flush)
	}
}

// flushDelay is 50 ms, and longer on crowded boards: every flush goes to
// every connection and grows with the people moving, so its cost grows
// with the square of the crowd. At 500 connections it is half a second.
func (r *room) flushDelay() time.Duration {
	d := 50 * time.Millisecond
	if n := len(r.conns); n > 50 {
		d = d * time.Duration(n) / 50
	}
	return min(d, time.Second)
}

// markDirty records a changed peer and schedules a flush. r.mu is held.
func (r *room) markDirty(pid string, local bool) {
	if r.dirty == nil {
		r.dirty = map[string]bool{}
	}
	r.dirty[pid] = true
	if local {
		r.localDirty = true
	}
	r.scheduleFlush()
}

func (r *room) markGone(pid string) {
	if p := r.peers[pid]; p != nil {
		p.Gone, p.Cursor, p.Selection, p.Editing = true, nil, []string{}, nil
		r.markDirty(pid, true)
	}
}

// currentPeers is the presence of everyone who shows a cursor, a
// selection or an edit. r.mu is held.
func (r *room) currentPeers() []*peer {
	var out []*peer
	for _, p := range r.peers {
		if !p.Gone && (p.Cursor != nil || len(p.Selection) > 0 || p.Editing != nil) {
			out = append(out, p)
		}
	}
	return out
}

// onlineSet is who is online on any node. r.mu is held.
func (r *room) onlineSet() map[string]bool {
	on := map[string]bool{}
	for c := range r.conns {
		on[c.pid] = true
	}
	cutoff := time.Now().Add(-3 * heartbeatEvery)
	for _, n := range r.remote {
		if n.seen.After(cutoff) {
			for pid := range n.online {
				on[pid] = true
			}
		}
	}
	return on
}

func (r *room) localOnline() []string {
	seen := map[string]bool{}
	out := []string{}
	for c := range r.conns {
		if !seen[c.pid] {
			seen[c.pid] = true
			out = append(out, c.pid)
		}
	}
	return out
}

func (r *room) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flushQueued = false
	var peers, local []*peer
	for pid := range r.dirty {
		p := r.peers[pid]
		if p == nil {
			continue
		}
		peers = append(peers, p)
		if p.node == r.hub.node {
			local = append(local, p)
		}
		if p.Gone {
			delete(r.peers, pid)
		}
	}
	r.dirty = nil
	if len(peers) > 0 {
		msg := encode(presenceMsg{Type: "presence", Peers: peers})
		for c := range r.conns {
			c.enqueue(msg)
		}
	}
	if r.localDirty {
		r.localDirty = false
		r.publish(busMessage{Node: r.hub.node, Peers: local, Online: r.localOnline()})
	}
	r.announceOnline()
}

// announceOnline sends the participants list when who is online changed.
// r.mu is held.
func (r *room) announceOnline() {
	on := r.onlineSet()
	if mapsEqual(on, r.lastOnline) {
		return
	}
	for pid := range r.lastOnline {
		if !on[pid] && r.peers[pid] != nil && !r.peers[pid].Gone {
			r.markGone(pid)
		}
	}
	r.lastOnline = on
	msg := encode(participantsMsg{Type: "participants", Participants: participantList(r.state, on)})
	for c := range r.conns {
		c.enqueue(msg)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// publish sends to the other nodes without holding up the room.
func (r *room) publish(m busMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = r.hub.presence.Publish(ctx, r.id, b)
	}()
}

const heartbeatEvery = 5 * time.Second

// heartbeat tells other nodes who is online here, and forgets nodes that
// went quiet.
func (r *room) heartbeat(ctx context.Context) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.publish(busMessage{Node: r.hub.node, Online: []string{}, Bye: true})
			return
		case <-t.C:
			r.mu.Lock()
			r.publish(busMessage{Node: r.hub.node, Online: r.localOnline()})
			cutoff := time.Now().Add(-3 * heartbeatEvery)
			for id, n := range r.remote {
				if n.seen.Before(cutoff) {
					delete(r.remote, id)
				}
			}
			r.announceOnline()
			r.mu.Unlock()
		}
	}
}

// listen merges other nodes' presence into the room.
func (r *room) listen(ctx context.Context, bus <-chan []byte) {
	for b := range bus {
		var m busMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.JoinCode != "" {
			r.announceJoinCode(m.JoinCode)
			continue
		}
		if m.Node == r.hub.node || m.Node == "" {
			continue
		}
		r.mu.Lock()
		if m.Bye {
			delete(r.remote, m.Node)
		} else {
			n := r.remote[m.Node]
			if n == nil {
				n = &remoteNode{}
				r.remote[m.Node] = n
				// A node we did not know: tell it who is here now.
				r.localDirty = true
			}
			n.seen = time.Now()
			n.online = map[string]bool{}
			for _, pid := range m.Online {
				n.online[pid] = true
			}
		}
		for _, p := range m.Peers {
			if p == nil || r.state.Participants[p.Participant] == nil {
				continue
			}
			local := r.peers[p.Participant]
			if local != nil && local.node == r.hub.node && len(local.conns) > 0 {
				continue // this node has the participant itself
			}
			p.node = m.Node
			r.peers[p.Participant] = p
			r.markDirty(p.Participant, false)
		}
		r.scheduleFlush()
		r.mu.Unlock()
	}
}

// announceJoinCode tells this node's facilitators of a rotated join code.
func (r *room) announceJoinCode(code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state.Info.JoinCode = code
	msg := encode(joinCodeMsg{Type: "joincode", JoinCode: code})
	for c := range r.conns {
		if p := r.state.Participants[c.pid]; p != nil && p.Role == board.RoleFacilitator {
			c.enqueue(msg)
		}
	}
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
