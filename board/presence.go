package board

import (
	"context"
	"sync"
)

// Presence carries ephemeral messages, such as cursors and who is online,
// between the nodes that serve a board. Nothing is stored and a message may
// be lost; every node receives its own messages too.
type Presence interface {
	// Publish sends msg to every node subscribed to the board.
	Publish(ctx context.Context, boardID string, msg []byte) error
	// Subscribe returns the board's messages until ctx ends. A subscriber
	// that does not keep up loses messages rather than slowing others.
	Subscribe(ctx context.Context, boardID string) (<-chan []byte, error)
}

// LocalPresence is a Presence within one process, for a single node or for
// several servers sharing one store in a test.
type LocalPresence struct {
	mu   sync.Mutex
	subs map[string]map[chan []byte]struct{}
}

// NewLocalPresence returns an empty in-process Presence.
func NewLocalPresence() *LocalPresence {
	return &LocalPresence{subs: map[string]map[chan []byte]struct{}{}}
}

// Publish implements Presence.
func (p *LocalPresence) Publish(_ context.Context, boardID string, msg []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch := range p.subs[boardID] {
		select {
		case ch <- msg:
		default: // dropped: presence is best effort
		}
	}
	return nil
}

// Subscribe implements Presence.
func (p *LocalPresence) Subscribe(ctx context.Context, boardID string) (<-chan []byte, error) {
	ch := make(chan []byte, 256)
	p.mu.Lock()
	if p.subs[boardID] == nil {
		p.subs[boardID] = map[chan []byte]struct{}{}
	}
	p.subs[boardID][ch] = struct{}{}
	p.mu.Unlock()
	go func() {
		<-ctx.Done()
		p.mu.Lock()
		delete(p.subs[boardID], ch)
		if len(p.subs[boardID]) == 0 {
			delete(p.subs, boardID)
		}
		close(ch)
		p.mu.Unlock()
	}()
	return ch, nil
}
