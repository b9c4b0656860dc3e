package server

import (
	"time"
)

// A change goes to everyone on its board, so on a crowded board every
// change costs one write, one system call, per connection; at a thousand
// people that is most of the server's CPU. Write rounds bound that cost:
// the room queues what it sends to everyone without waking the writers,
// and wakes them all at once, at most once every roundInterval. A change
// after a quiet moment goes out at once; changes that come faster than
// the interval share the writes of the next round, held back at most one
// interval. Messages to one connection (its welcome, its ack, a reject, a
// pong) do not wait for a round.

// roundInterval is 20 µs for each connection on the board: nothing up to
// 32 connections, 4 ms at 200, 20 ms at 1,000. Measured with the peer
// benchmark at 1,000 people and 100 changes a second (docs/performance.md):
// at 10 µs a round still carried about one change (82,000 writes a second
// for 100,000 messages, the server's core saturated); at 20 µs two (49,000
// writes, 66 % of the core), and p99 stayed where it was.
//
// n counts everyone online on the board, on every node: a board of 1,000
// people served by two nodes waits as long as one served by one, so its
// latency does not depend on how it is split, and each node writes half
// as much.
func (r *room) roundInterval() time.Duration {
	n := max(len(r.conns), len(r.lastOnline))
	if n <= 32 {
		return 0
	}
	return time.Duration(n) * r.hub.limits.RoundPerConn
}

// kick starts a write round now, or when the interval since the last one
// is up. r.mu is held.
func (r *room) kick() {
	if r.roundWaiting {
		return
	}
	wait := r.roundInterval() - time.Since(r.lastRound)
	if wait <= 0 {
		r.round()
		return
	}
	r.roundWaiting = true
	time.AfterFunc(wait, func() {
		r.mu.Lock()
		r.roundWaiting = false
		r.round()
		r.mu.Unlock()
	})
}

// round wakes every writer with something queued. r.mu is held.
func (r *room) round() {
	r.lastRound = time.Now()
	for c := range r.conns {
		c.signal()
	}
}
