package server

import (
	"cmp"
	"slices"
	"time"

	"github.com/processkarta/processkarta/board"
)

type peer struct {
	Participant string             `json:"participant"`
	Cursor      *cursor            `json:"cursor"`
	Selection   []string           `json:"selection"`
	Editing     *string            `json:"editing"`
	View        *view              `json:"view,omitempty"` // what a followed facilitator sees
	Gone        bool               `json:"gone,omitempty"`
	node        string             // where the participant's presence came from
	raw         []byte             // a presence message not yet read (notePresence)
	rawFrom     *conn              // and the connection it came on
	conns       map[*conn]struct{} // local connections of the participant
}

type cursor struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// view is the centre and zoom of someone's canvas (follow me), and the
// size of the area it shows in board units, so that a follower with
// another screen can show the same area.
type view struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Zoom float64 `json:"zoom"`
	W    float64 `json:"w,omitempty"`
	H    float64 `json:"h,omitempty"`
}

// presencePrefix starts a presence message as the browser and the Go
// client write it. Such messages are kept unread until the room next sends
// presence (notePresence), so that of the ten cursor moves a second each
// person may send, only the one that goes out is decoded; a message
// written another way is decoded at once, as every other message is.
var presencePrefix = []byte(`{"type":"presence"`)

// notePresence keeps a local participant's latest presence message, read
// at the next flush (settlePresence). Each replaces the one before, as a
// decoded one would.
func (r *room) notePresence(c *conn, raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.peers[c.pid]
	if p == nil {
		return
	}
	p.raw, p.rawFrom = raw, c
	r.markDirty(c.pid, true, false)
}

// settlePresence reads the presence messages kept by notePresence. One
// that cannot be read gets the error it would have had at once, and
// changes nothing. r.mu is held.
func (r *room) settlePresence() {
	for pid := range r.dirty {
		p := r.peers[pid]
		if p == nil || p.raw == nil {
			continue
		}
		raw, from := p.raw, p.rawFrom
		p.raw, p.rawFrom = nil, nil
		m, derr := decodeClientMsg(raw)
		if m == nil || derr != nil || m.Type != "presence" {
			if derr == nil {
				derr = board.Errorf(board.EBadMessage, "not a presence message")
			}
			from.enqueue(encode(errorMsg{Type: "error", Code: derr.Code, Message: derr.Message}))
			continue
		}
		r.setPresence(pid, m)
	}
}

// setPresence records a local participant's cursor, selection, editing
// and view. r.mu is held.
func (r *room) setPresence(pid string, m *clientMsg) {
	p := r.peers[pid]
	if p == nil {
		return
	}
	urgent := moreThanACursor(p, m.Selection, m.Editing, m.View) || r.facilitator(pid)
	p.Cursor, p.Selection, p.Editing, p.View, p.node = m.Cursor, m.Selection, m.Editing, m.View, r.hub.node
	r.markDirty(pid, true, urgent)
}

// maxPeersPerFlush bounds the peers one presence message carries. On a
// crowded board where more people move, presence degrades first: the
// peers waiting longest go first, and cursor moves wait behind everything
// else, so a cursor moves less often while edits go out as fast as ever.
// With the flush interval growing with the board (flushDelay), this keeps
// presence near 50 peers × 20 flushes a second per connection, about
// 1,000 peer updates a second, at every size.
const maxPeersPerFlush = 50

// dirtyMark is a peer waiting to be sent: order says since when (a peer
// that moves again keeps its place in line), urgent that more than its
// cursor changed, or that it is a facilitator's or gone.
type dirtyMark struct {
	order  uint64
	urgent bool
}

// moreThanACursor reports whether a presence update changes what the
// peer selects, edits or views: what others need soon, unlike a cursor.
func moreThanACursor(p *peer, sel []string, editing *string, v *view) bool {
	if !slices.Equal(p.Selection, sel) || (p.Editing == nil) != (editing == nil) || p.Editing != nil && *p.Editing != *editing {
		return true
	}
	return (p.View == nil) != (v == nil) || p.View != nil && *p.View != *v
}

// facilitator reports whether pid is a facilitator of the board. r.mu is
// held.
func (r *room) facilitator(pid string) bool {
	p := r.state.Participants[pid]
	return p != nil && p.Role == board.RoleFacilitator
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
func (r *room) markDirty(pid string, local, urgent bool) {
	if r.dirty == nil {
		r.dirty = map[string]dirtyMark{}
	}
	m, ok := r.dirty[pid]
	if !ok {
		r.dirtyOrder++
		m.order = r.dirtyOrder
	}
	m.urgent = m.urgent || urgent
	r.dirty[pid] = m
	if local {
		r.localDirty = true
	}
	r.scheduleFlush()
}

func (r *room) markGone(pid string) {
	if p := r.peers[pid]; p != nil {
		p.Gone, p.Cursor, p.Selection, p.Editing, p.View = true, nil, []string{}, nil, nil
		p.raw, p.rawFrom = nil, nil
		r.markDirty(pid, true, true)
	}
}

// currentPeers is the presence of everyone who shows a cursor, a
// selection or an edit. r.mu is held.
func (r *room) currentPeers() []*peer {
	r.settlePresence()
	var out []*peer
	for _, p := range r.peers {
		if !p.Gone && (p.Cursor != nil || len(p.Selection) > 0 || p.Editing != nil || p.View != nil) {
			out = append(out, p)
		}
	}
	return out
}

// onlineSet is who is online on any node. r.mu is held.
func (r *room) onlineSet() map[string]bool {
	on := map[string]bool{}
	r.eachOnline(func(pid string) { on[pid] = true })
	return on
}

// onlineOf is which of ids are online on any node: onlineSet for a few,
// without building the whole set. r.mu is held.
func (r *room) onlineOf(ids []string) map[string]bool {
	on := make(map[string]bool, len(ids))
	r.eachOnline(func(pid string) {
		if slices.Contains(ids, pid) {
			on[pid] = true
		}
	})
	return on
}

// eachOnline calls fn for each participant online here or, as its last
// heartbeat says, on another node (maybe more than once). r.mu is held.
func (r *room) eachOnline(fn func(pid string)) {
	for c := range r.conns {
		fn(c.pid)
	}
	cutoff := time.Now().Add(-3 * heartbeatEvery)
	for _, n := range r.remote {
		if n.seen.After(cutoff) {
			for pid := range n.online {
				fn(pid)
			}
		}
	}
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
	r.settlePresence()
	var peers, local []*peer
	for _, pid := range r.takeDirty(maxPeersPerFlush) {
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
	if len(r.dirty) > 0 {
		r.scheduleFlush() // the rest, next time
	}
	if len(peers) > 0 {
		msg := r.presenceFor(peers)
		for c := range r.conns {
			c.push(msg(c))
		}
		r.kick()
	}
	if r.localDirty || len(local) > 0 {
		r.localDirty = false
		r.publish(busMessage{Node: r.hub.node, Peers: local, Online: r.localOnline()})
	}
	r.announceOnline()
}

// takeDirty removes and returns up to n waiting peers: urgent ones first,
// then those waiting longest. r.mu is held.
func (r *room) takeDirty(n int) []string {
	ids := make([]string, 0, len(r.dirty))
	for pid := range r.dirty {
		ids = append(ids, pid)
	}
	if len(ids) > n {
		slices.SortFunc(ids, func(a, b string) int {
			ma, mb := r.dirty[a], r.dirty[b]
			if ma.urgent != mb.urgent {
				if ma.urgent {
					return -1
				}
				return 1
			}
			return cmp.Compare(ma.order, mb.order)
		})
		ids = ids[:n]
	}
	for _, pid := range ids {
		delete(r.dirty, pid)
	}
	return ids
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
	// Only ids: everyone has the entries already. Those no longer on the
	// board were told of with the change that removed them.
	delta := participantsMsg{Type: "participants", Delta: true, Participants: []participantOut{}}
	for _, id := range onlineChanged(r.lastOnline, on) {
		if r.state.Participants[id] == nil {
			continue
		}
		if on[id] {
			delta.Online = append(delta.Online, id)
		} else {
			delta.Offline = append(delta.Offline, id)
		}
	}
	r.lastOnline = on
	if len(delta.Online)+len(delta.Offline) == 0 {
		return
	}
	msg := encode(delta)
	var full []byte
	for c := range r.conns {
		if c.fullRoster {
			if full == nil {
				full = encode(participantsMsg{Type: "participants", Participants: participantList(r.state, on)})
			}
			c.push(full)
			continue
		}
		c.push(msg)
	}
	r.kick()
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
