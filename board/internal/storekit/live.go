// Package storekit holds what the board stores share: the cache of live
// boards with ordered fan-out to subscribers (Live), and the record form in
// which both stores keep a board, one value per object, participant, token
// and voter, so that a commit writes only what its change touched (Records,
// Touched, Writes).
package storekit

import (
	"context"
	"sync"
	"time"

	"github.com/processkarta/processkarta/board"
)

// Live caches the current states of the boards in use and fans their
// changes out to subscribers, in seq order and without gaps. T is the
// adapter's own per-board data, kept in Board.Data.
//
// Lock order: Live.mu before Board.mu; the adapter's own locks in Data come
// before both.
type Live[T any] struct {
	buffer int

	mu     sync.Mutex
	boards map[string]*Board[T]
	closed bool
}

// NewLive returns an empty cache whose subscriber channels hold buffer
// changes; a subscriber that lets its channel fill up is dropped.
func NewLive[T any](buffer int) *Live[T] {
	if buffer < 1 {
		buffer = 1
	}
	return &Live[T]{buffer: buffer, boards: map[string]*Board[T]{}}
}

// Board is one cached board. Its state is nil until the adapter loads it.
type Board[T any] struct {
	ID string
	// Data is the adapter's; the adapter guards it.
	Data T

	live *Live[T]
	refs int       // guarded by live.mu: users that keep it from eviction
	used time.Time // guarded by live.mu

	mu     sync.Mutex
	state  *board.State
	subs   map[*sub]struct{}
	closed bool // the store is closing: no new subscribers
}

type sub struct {
	ch   chan *board.Change
	stop func() bool // stops the context watch
}

// Acquire returns the entry of board id, creating an empty one if needed,
// and keeps it from eviction until Release.
func (l *Live[T]) Acquire(id string) *Board[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.boards[id]
	if b == nil {
		b = &Board[T]{ID: id, live: l, subs: map[*sub]struct{}{}, closed: l.closed}
		l.boards[id] = b
	}
	b.refs++
	b.used = time.Now()
	return b
}

// Release undoes one Acquire. An entry that nobody holds and that has no
// state (its board was not found, or loading failed) is dropped at once, so
// lookups of unknown boards leave nothing behind.
func (l *Live[T]) Release(b *Board[T]) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b.refs--
	b.used = time.Now()
	if b.refs > 0 || l.boards[b.ID] != b {
		return
	}
	b.mu.Lock()
	empty := b.state == nil && len(b.subs) == 0
	b.mu.Unlock()
	if empty {
		delete(l.boards, b.ID)
	}
}

// Lookup returns the entry of board id if there is one, without keeping it.
func (l *Live[T]) Lookup(id string) *Board[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.boards[id]
}

// Boards returns the cached entries.
func (l *Live[T]) Boards() []*Board[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*Board[T], 0, len(l.boards))
	for _, b := range l.boards {
		out = append(out, b)
	}
	return out
}

// Evict drops the entries that nobody holds, that have no subscribers and
// that were last used more than idle ago, and returns them.
func (l *Live[T]) Evict(idle time.Duration) []*Board[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*Board[T]
	cut := time.Now().Add(-idle)
	for id, b := range l.boards {
		if b.refs > 0 || b.used.After(cut) {
			continue
		}
		b.mu.Lock()
		n := len(b.subs)
		b.mu.Unlock()
		if n == 0 {
			delete(l.boards, id)
			out = append(out, b)
		}
	}
	return out
}

// Close closes every subscriber channel; later subscriptions fail.
func (l *Live[T]) Close() {
	l.mu.Lock()
	l.closed = true
	boards := make([]*Board[T], 0, len(l.boards))
	for _, b := range l.boards {
		boards = append(boards, b)
	}
	l.mu.Unlock()
	for _, b := range boards {
		b.mu.Lock()
		b.closed = true
		b.dropAll()
		b.mu.Unlock()
	}
}

// Loaded reports whether the board's state is cached.
func (b *Board[T]) Loaded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state != nil
}

// Seq returns the cached seq, and false if no state is cached.
func (b *Board[T]) Seq() (uint64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil {
		return 0, false
	}
	return b.state.Seq, true
}

// Read runs f on the cached state (nil if none) under the board's lock. f
// must not modify the state nor keep it.
func (b *Board[T]) Read(f func(st *board.State)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b.state)
}

// Snapshot returns a private copy of the cached state, or nil.
func (b *Board[T]) Snapshot() *board.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil {
		return nil
	}
	return b.state.Clone()
}

// Replace makes st (which the entry then owns) the cached state. If st is
// not at the cached seq, subscribers cannot be brought to it without a gap,
// so their channels are closed and they resubscribe.
func (b *Board[T]) Replace(st *board.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil || b.state.Seq != st.Seq {
		b.dropAll()
	}
	b.state = st
}

// Unload forgets the cached state and closes the subscribers' channels.
func (b *Board[T]) Unload() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropAll()
	b.state = nil
}

// SetJoinCode changes the join code in the cached state's info.
func (b *Board[T]) SetJoinCode(code string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state != nil {
		b.state.Info.JoinCode = code
	}
}

// Result tells what Advance did with a change.
type Result int

// Results of Advance.
const (
	Applied   Result = iota // it was the next change: applied and sent out
	Old                     // the state has it already
	Gap                     // changes before it are missing: fill them first
	NotLoaded               // no state is cached
)

// Advance applies c to the cached state if it is the next change and sends
// it to every subscriber. A subscriber whose channel is full is dropped: its
// channel is closed so it resubscribes. c is shared and must not be
// modified afterwards by anyone.
func (b *Board[T]) Advance(c *board.Change) Result {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.state == nil:
		return NotLoaded
	case c.Seq <= b.state.Seq:
		return Old
	case c.Seq > b.state.Seq+1:
		return Gap
	}
	b.state.Apply(c)
	for s := range b.subs {
		select {
		case s.ch <- c:
		default:
			b.drop(s)
		}
	}
	return Applied
}

// Subscribe returns a private copy of the cached state and a channel that
// gets every change Advance applies after it. The channel is closed when ctx
// ends, when the store closes, when the subscriber falls behind, or when the
// state is replaced by one the changes cannot lead to.
func (b *Board[T]) Subscribe(ctx context.Context) (*board.State, <-chan *board.Change, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, nil, board.Errorf(board.EUnavailable, "the store is closed")
	}
	if b.state == nil {
		return nil, nil, board.Errorf(board.EInternal, "board %s is not loaded", b.ID)
	}
	s := &sub{ch: make(chan *board.Change, b.live.buffer)}
	b.subs[s] = struct{}{}
	s.stop = context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[s]; ok {
			delete(b.subs, s)
			close(s.ch)
		}
	})
	return b.state.Clone(), s.ch, nil
}

// Subscribers returns how many subscribers the board has.
func (b *Board[T]) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

func (b *Board[T]) drop(s *sub) {
	delete(b.subs, s)
	s.stop()
	close(s.ch)
}

func (b *Board[T]) dropAll() {
	for s := range b.subs {
		b.drop(s)
	}
}

// SetPositive sets *dst to v if v is positive: an option given zero or
// less keeps its default.
func SetPositive[T int | time.Duration](dst *T, v T) {
	if v > 0 {
		*dst = v
	}
}
