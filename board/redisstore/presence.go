package redisstore

import (
	"context"
	"strings"
	"sync"

	"github.com/processkarta/processkarta/board"
)

// Presence returns the store's board.Presence: ephemeral messages between
// the nodes on Redis pub/sub, on the store's one pub/sub connection.
// (The Store cannot implement board.Presence itself: both interfaces have
// a Subscribe method, with different signatures.)
func (s *Store) Presence() board.Presence { return s.presence }

// presence is a board.Presence over Redis pub/sub. Messages published
// while a node's connection is down are lost, as presence may be.
type presence struct {
	s *Store

	mu     sync.Mutex
	subs   map[string]map[chan []byte]struct{}
	closed bool
}

const presenceSuffix = "}:presence"

func presenceChannel(id string) string { return boardPrefix + id + presenceSuffix }

func boardOfPresence(ch string) (string, bool) {
	rest, ok := strings.CutPrefix(ch, boardPrefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, presenceSuffix)
}

// Publish sends msg to every node subscribed to the board, this one
// included.
func (p *presence) Publish(ctx context.Context, boardID string, msg []byte) error {
	ctx, cancel, err := p.s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return wrap(p.s.rdb.Publish(ctx, presenceChannel(boardID), msg).Err())
}

// Subscribe returns the board's messages until ctx ends or the store
// closes. A subscriber that does not keep up loses messages.
func (p *presence) Subscribe(ctx context.Context, boardID string) (<-chan []byte, error) {
	ch := make(chan []byte, 256)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, board.Errorf(board.EUnavailable, "the store is closed")
	}
	if p.subs[boardID] == nil {
		p.subs[boardID] = map[chan []byte]struct{}{}
		// On error the channel stays recorded and is subscribed when the
		// connection comes back.
		p.s.psMu.Lock()
		p.s.ps.Subscribe(ctx, presenceChannel(boardID))
		p.s.psMu.Unlock()
	}
	p.subs[boardID][ch] = struct{}{}
	context.AfterFunc(ctx, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		subs := p.subs[boardID]
		if _, ok := subs[ch]; !ok {
			return
		}
		delete(subs, ch)
		close(ch)
		if len(subs) == 0 {
			delete(p.subs, boardID)
			uctx, cancel := context.WithTimeout(p.s.bg, p.s.cfg.timeout)
			p.s.psMu.Lock()
			p.s.ps.Unsubscribe(uctx, presenceChannel(boardID))
			p.s.psMu.Unlock()
			cancel()
		}
	})
	return ch, nil
}

// deliver hands a message to the board's local subscribers without
// waiting for any.
func (p *presence) deliver(boardID string, msg []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch := range p.subs[boardID] {
		select {
		case ch <- msg:
		default: // best effort: a slow subscriber loses it
		}
	}
}

func (p *presence) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for id, subs := range p.subs {
		for ch := range subs {
			close(ch)
		}
		delete(p.subs, id)
	}
}

var _ board.Presence = (*presence)(nil)
