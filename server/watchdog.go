package server

import (
	"context"
	"time"
)

// writeTimeout is how long one write to a client may take. A client that
// reads nothing for that long while its queue is still short is dropped;
// one whose queue fills is dropped sooner (conn.enqueue).
const writeTimeout = 10 * time.Second

// watchdog ends writes that take longer than writeTimeout and pings each
// connection every ping interval, for the whole room from one goroutine.
// A deadline set and cleared for every batch, and a ticker for every
// connection, cost more than the writes they guard once a thousand people
// share a board.
func (r *room) watchdog(ctx context.Context) {
	ping := r.hub.limits.PingInterval
	t := time.NewTicker(min(time.Second, ping/4))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.mu.Lock()
			for c := range r.conns {
				if c.wire.stuck(now, writeTimeout) {
					continue
				}
				if now.UnixNano()-c.lastPing.Load() >= int64(ping) && c.pinging.CompareAndSwap(false, true) {
					c.lastPing.Store(now.UnixNano())
					go c.ping(ctx, ping)
				}
			}
			r.mu.Unlock()
		}
	}
}
