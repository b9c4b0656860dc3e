package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
	"golang.org/x/time/rate"
)

// conn is one websocket: the handler goroutine reads, one writer goroutine
// writes from a bounded queue. A client that lets its queue fill is
// dropped, never waited on.
type conn struct {
	id   string
	room *room
	ws   *websocket.Conn
	wire *wireConn // ws's network connection
	pid  string

	// fullRoster: the client asked for whole participants lists
	// (participants=full) rather than deltas after the welcome.
	fullRoster bool

	queue     [][]byte // guarded by qmu; grows on demand up to SendQueue
	qmu       sync.Mutex
	queueMax  int
	wake      chan struct{} // one slot: the writer has something to do
	closing   chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	// lastPing is when the watchdog last pinged (Unix nanoseconds);
	// pinging, whether a ping is still waiting for its pong.
	lastPing atomic.Int64
	pinging  atomic.Bool
	code     websocket.StatusCode
	reason   string
}

func (c *conn) viewer(st *board.State) *board.Participant {
	if p := st.Participants[c.pid]; p != nil {
		return p
	}
	return &board.Participant{ID: c.pid, Role: board.RoleObserver}
}

// enqueue queues a message without blocking and wakes the writer. The
// queue is a slice rather than a channel so an idle connection holds no
// buffer.
func (c *conn) enqueue(msg []byte) {
	if c.push(msg) {
		c.signal()
	}
}

// push queues a message without waking the writer: the room wakes it with
// everyone else's at its next write round (rounds.go). It reports whether
// the message was queued; a connection whose queue is full is dropped.
func (c *conn) push(msg []byte) bool {
	select {
	case <-c.closing:
		return false
	default:
	}
	c.qmu.Lock()
	full := len(c.queue) >= c.queueMax
	if !full {
		c.queue = append(c.queue, msg)
	}
	c.qmu.Unlock()
	if full {
		c.room.hub.m.dropped.WithLabelValues("lagging").Inc()
		c.kill(closeLagging, "too slow: reconnect with since")
		return false
	}
	c.room.hub.m.msgsOut.Inc()
	return true
}

// signal wakes the writer if it is not awake already.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued, oldest first.
func (c *conn) take() [][]byte {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// kill closes the connection with code; the writer sends the close frame.
func (c *conn) kill(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.closing)
	})
}

func (c *conn) waitClosed(ctx context.Context) {
	select {
	case <-c.done:
	case <-ctx.Done():
	}
}

func (c *conn) writer() {
	defer close(c.done)
	var buf []byte
	// write sends msgs, framed here, in one system call. The room's
	// watchdog ends a write that takes longer than the write timeout.
	write := func(msgs [][]byte) error {
		if len(msgs) == 0 {
			return nil
		}
		buf = buf[:0]
		for _, m := range msgs {
			buf = appendFrame(buf, m)
		}
		err := c.wire.writeFrames(buf)
		c.room.hub.m.writes.Inc()
		// An idle connection keeps no more than a few edits' worth: a
		// thousand connections each keeping their welcome's buffer would
		// be hundreds of megabytes.
		if cap(buf) > 16<<10 {
			buf = nil
		}
		return err
	}
	for {
		select {
		case <-c.closing:
			// Send what was queued before the close, then the close frame.
			if write(c.take()) != nil {
				c.ws.CloseNow()
				return
			}
			c.ws.Close(c.code, c.reason)
			return
		case <-c.wake:
			if err := write(c.take()); err != nil {
				// A peer gone, or one that read nothing for the whole
				// write timeout while its queue was still short.
				c.room.hub.m.dropped.WithLabelValues("write_failed").Inc()
				c.kill(closeGoingAway, "write failed")
				c.ws.CloseNow()
				return
			}
		}
	}
}

// ping checks that the peer still answers, within d; the room's watchdog
// starts it every ping interval. A peer that does not answer is dropped.
func (c *conn) ping(ctx context.Context, d time.Duration) {
	defer c.pinging.Store(false)
	pctx, cancel := context.WithTimeout(ctx, d)
	err := c.ws.Ping(pctx)
	cancel()
	if err != nil {
		select {
		case <-c.closing:
			return // closed meanwhile, for another reason
		default:
		}
		c.room.hub.m.dropped.WithLabelValues("dead").Inc()
		c.kill(closeGoingAway, "no pong")
		c.ws.CloseNow()
	}
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) {
		s.security(r, "origin_refused", "origin", truncate(r.Header.Get("Origin"), 200))
		s.writeError(w, r, board.Errorf(board.EForbidden, "websocket origin not allowed"))
		return
	}
	var since uint64
	hasSince := r.URL.Query().Has("since")
	if hasSince {
		v, err := strconv.ParseUint(r.URL.Query().Get("since"), 10, 64)
		if err != nil {
			s.writeError(w, r, board.Errorf(board.EInvalid, "since must be a seq"))
			return
		}
		since = v
	}
	outside := s.wsOutsideScope(r)
	cw := &wireWriter{ResponseWriter: w}
	ws, err := websocket.Accept(cw, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // origin checked above
	if err != nil {
		return
	}
	if outside {
		ws.Close(closeNoBoard, "no such board")
		return
	}
	ws.SetReadLimit(s.cfg.Limits.MaxMessageBytes)
	full := r.URL.Query().Get("participants") == "full"
	s.serveConn(r.Context(), ws, cw.conn, chi.URLParam(r, "id"), r.URL.Query().Get("token"), hasSince, since, full, s.clientKey(r))
}

// serveConn runs one websocket, whose network connection is wire;
// fullRoster asks for whole participants
// lists; addr is the client's address key, for the security log.
func (s *Server) serveConn(ctx context.Context, ws *websocket.Conn, wire *wireConn, boardID, token string, hasSince bool, since uint64, fullRoster bool, addr string) {
	h := s.hub
	room, err := h.room(ctx, boardID)
	if err != nil {
		switch board.ErrorCode(err) {
		case board.ENotFound:
			ws.Close(closeNoBoard, "no such board")
		case board.EUnavailable:
			ws.Close(closeGoingAway, "store unavailable; retry")
		default:
			s.log.Error("websocket: opening the board", "board", boardID, "err", err)
			ws.Close(websocket.StatusInternalError, "internal error")
		}
		return
	}
	defer h.release(room)
	c := &conn{id: h.node + ":" + newID(), room: room, ws: ws, queueMax: h.limits.SendQueue, wake: make(chan struct{}, 1),
		closing: make(chan struct{}), done: make(chan struct{}), fullRoster: fullRoster, wire: wire}
	c.lastPing.Store(time.Now().UnixNano())

	room.mu.Lock()
	p := room.participant(token)
	if p == nil {
		room.mu.Unlock()
		// The token may be newer than the room's replica: a join made
		// through another node, or just now, whose change is on its way.
		if !room.awaitToken(ctx, token) {
			s.log.Warn("security", "event", "auth_failed", "what", "websocket", "board", boardID, "addr", addr)
			ws.Close(closeUnauthorized, "bad or revoked token")
			return
		}
		room.mu.Lock()
		if p = room.participant(token); p == nil {
			room.mu.Unlock()
			s.log.Warn("security", "event", "auth_failed", "what", "websocket", "board", boardID, "addr", addr)
			ws.Close(closeUnauthorized, "bad or revoked token")
			return
		}
	}
	mine := 0
	for other := range room.conns {
		if other.pid == p.ID {
			mine++
		}
	}
	if mine >= s.cfg.Caps.SocketsPerToken {
		room.mu.Unlock()
		s.log.Warn("security", "event", "socket_cap", "board", boardID, "participant", p.ID, "addr", addr)
		ws.Close(closeTooMany, "too many sockets for this token")
		return
	}
	// The board's cap keeps one board from taking the node; it never
	// refuses a facilitator, who must be able to run the workshop.
	if len(room.conns) >= h.limits.ConnsPerBoard && p.Role != board.RoleFacilitator {
		room.mu.Unlock()
		s.log.Warn("security", "event", "board_cap", "board", boardID, "addr", addr)
		ws.Close(closeForbidden, "too many connections on this board")
		return
	}
	// Changes the room no longer holds are read from the store with the
	// room unlocked: a slow store must not stall the whole board.
	var fetched []*board.Change
	if hasSince && since > 0 && room.needsStore(since) {
		room.mu.Unlock()
		fetched, _ = h.store.Since(ctx, room.id, since) // on error: a full welcome
		room.mu.Lock()
		if p = room.participant(token); p == nil {
			room.mu.Unlock()
			ws.Close(closeUnauthorized, "bad or revoked token")
			return
		}
	}
	c.pid = p.ID
	s.welcome(room, c, p, hasSince, since, fetched)
	// A newcomer sees where everyone already is, not only who moves next.
	if peers := room.currentPeers(); len(peers) > 0 {
		c.enqueue(room.presenceFor(peers)(c))
	}
	room.addConn(c)
	room.mu.Unlock()

	h.m.conns.Inc()
	defer h.m.conns.Dec()
	go c.writer()
	s.readLoop(ctx, c)
	room.removeConn(c)
	// The watchdog no longer sees c: its last writes get a deadline.
	c.wire.SetWriteDeadline(time.Now().Add(writeTimeout))
	c.kill(closeNormal, "")
	<-c.done
}

func (s *Server) readLoop(ctx context.Context, c *conn) {
	h := s.hub
	edits := rate.NewLimiter(rate.Limit(h.limits.EditsPerSecond), int(h.limits.EditBurst))
	editBytes := rate.NewLimiter(rate.Limit(s.cfg.Caps.EditBytesPerSecond), int(s.cfg.Caps.EditBytesBurst))
	presence := rate.NewLimiter(rate.Limit(h.limits.PresencePerSecond), int(2*h.limits.PresencePerSecond))
	// A participants request costs one token for ids and half the burst
	// for everyone: a small message whose answer may be 165 KB must not
	// let a client make the server send megabytes a second.
	roster := rate.NewLimiter(rosterAsksPerSecond, rosterAskBurst)
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				h.m.dropped.WithLabelValues("too_big").Inc()
			}
			return
		}
		if bytes.HasPrefix(b, presencePrefix) {
			// Read when the room next sends presence, the latest of each
			// person only (presence.go, notePresence).
			if !presence.Allow() {
				h.m.dropped.WithLabelValues("flood").Inc()
				c.kill(closeTooMany, "too many messages")
				return
			}
			h.m.presenceIn.Inc()
			c.room.notePresence(c, b)
			continue
		}
		m, derr := decodeClientMsg(b)
		if m == nil {
			h.m.msgsIn.WithLabelValues("bad").Inc()
			if !edits.Allow() {
				h.m.dropped.WithLabelValues("flood").Inc()
				c.kill(closeTooMany, "too many messages")
				return
			}
			c.enqueue(encode(errorMsg{Type: "error", Code: derr.Code, Message: derr.Message}))
			continue
		}
		h.m.msgsIn.WithLabelValues(m.Type).Inc()
		if m.Type == "presence" || m.Type == "ping" {
			if !presence.Allow() {
				h.m.dropped.WithLabelValues("flood").Inc()
				c.kill(closeTooMany, "too many messages")
				return
			}
			if m.Type == "ping" {
				c.enqueue(encode(pongMsg{Type: "pong"}))
				continue
			}
			c.room.mu.Lock()
			c.room.setPresence(c.pid, m)
			c.room.mu.Unlock()
			continue
		}
		if !edits.Allow() {
			h.m.dropped.WithLabelValues("flood").Inc()
			c.kill(closeTooMany, "too many messages")
			return
		}
		if derr != nil {
			c.reject(m.ID, derr)
			continue
		}
		if m.Type == "participants" {
			cost := 1
			if m.All {
				cost = rosterAskBurst / 2
			}
			if !roster.AllowN(time.Now(), cost) {
				c.reject(m.ID, board.Errorf(board.ERateLimited, "too many participants requests; ask again in a few seconds"))
				continue
			}
			c.room.answerRoster(c, m.IDs, m.All)
			continue
		}
		// Edits are bounded in bytes too: a few large messages a second
		// would otherwise grow the board's log by megabytes.
		if !editBytes.AllowN(time.Now(), len(b)) {
			h.m.dropped.WithLabelValues("bytes").Inc()
			c.reject(m.ID, board.Errorf(board.ERateLimited, "you are sending more text than the board takes in a second; wait a moment and send again"))
			continue
		}
		if err := s.commit(ctx, c, m); err != nil {
			if board.ErrorCode(err) == board.EInternal {
				s.log.Error("websocket: commit failed", "board", c.room.id, "participant", c.pid, "err", err)
			}
			c.reject(m.ID, err)
		}
	}
}

func (c *conn) reject(id string, err error) {
	code := board.ErrorCode(err)
	c.room.hub.m.rejects.WithLabelValues(code).Inc()
	c.enqueue(encode(rejectMsg{Type: "reject", ID: id, Code: code, Message: board.ErrorMessage(err), Retry: code == board.EUnavailable || code == board.ERateLimited}))
}

// commit stores a client's change. The ack does not come from here but
// from the room's ordered feed, so it reaches the client in seq order.
func (s *Server) commit(ctx context.Context, c *conn, m *clientMsg) error {
	var ops []board.Op
	if m.Type == "ops" {
		var err error
		if ops, err = board.DecodeOps(m.Ops); err != nil {
			return err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c.room.expectAck(c, m.ID)
	_, err := s.store.Commit(cctx, c.room.id, func(st *board.State) (*board.Change, error) {
		p := st.Participants[c.pid]
		if p == nil {
			return nil, board.Errorf(board.EUnauthorized, "you were removed from the board")
		}
		var ch *board.Change
		var err error
		switch m.Type {
		case "ops":
			ch, err = st.PrepareOps(p, m.ID, ops, now())
		case "settings":
			ch, err = st.PrepareSettings(p, m.ID, m.Settings, now())
		case "vote":
			ch, err = st.PrepareVote(p, m.ID, m.Target, m.Delta, now())
		}
		return ch, err
	})
	// A change the store refused gets no ack. One that may be stored
	// (unavailable: the reply was lost) keeps its route until the
	// connection ends.
	if err != nil && board.ErrorCode(err) != board.EUnavailable && cctx.Err() == nil {
		c.room.forgetAck(c, m.ID)
	}
	if err != nil && ctx.Err() == nil && cctx.Err() != nil {
		return board.Errorf(board.EUnavailable, "the store did not answer in time")
	}
	return err
}

// participant returns the participant a token belongs to; room.mu is held.
func (r *room) participant(token string) *board.Participant {
	if token == "" {
		return nil
	}
	return r.state.Participants[r.state.Tokens[board.HashToken(token)]]
}

// awaitToken checks a token the room does not know against the store and,
// if the store knows it, waits until the room has caught up with it.
func (r *room) awaitToken(ctx context.Context, token string) bool {
	if token == "" {
		return false
	}
	st, err := r.hub.store.Load(ctx, r.id)
	if err != nil || st.Participants[st.Tokens[board.HashToken(token)]] == nil {
		return false
	}
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		seq, advanced := r.state.Seq, r.advanced
		r.mu.Unlock()
		if seq >= st.Seq {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-advanced:
		}
	}
}
