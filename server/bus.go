package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/processkarta/processkarta/board"
)

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

// maxPubQueue bounds the bus messages waiting to go out; when the bus is
// that slow, the oldest are dropped (presence is best effort, and the
// heartbeat repeats who is online).
const maxPubQueue = 256

// publish queues a message for the other nodes without holding up the
// room; the room's publisher sends the queue in order.
func (r *room) publish(m busMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	r.pubMu.Lock()
	if len(r.pubQueue) >= maxPubQueue {
		r.pubQueue = r.pubQueue[1:]
	}
	r.pubQueue = append(r.pubQueue, b)
	r.pubMu.Unlock()
	select {
	case r.pubWake <- struct{}{}:
	default:
	}
}

// publisher is the room's one sender of bus messages: one at a time, in
// the order they were queued. When the room stops it sends what is queued
// and then says goodbye, so other nodes forget this node's people at once.
func (r *room) publisher(ctx context.Context) {
	send := func() {
		for {
			r.pubMu.Lock()
			if len(r.pubQueue) == 0 {
				r.pubMu.Unlock()
				return
			}
			b := r.pubQueue[0]
			r.pubQueue = r.pubQueue[1:]
			r.pubMu.Unlock()
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = r.hub.presence.Publish(pctx, r.id, b)
			cancel()
		}
	}
	for {
		select {
		case <-r.pubWake:
			send()
		case <-ctx.Done():
			send()
			r.publish(busMessage{Node: r.hub.node, Online: []string{}, Bye: true})
			send()
			return
		}
	}
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
			urgent := p.Gone || r.facilitator(p.Participant) || local == nil || moreThanACursor(local, p.Selection, p.Editing, p.View)
			r.peers[p.Participant] = p
			r.markDirty(p.Participant, false, urgent)
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
