package redisstore

import "context"

// DropChannelForTest unsubscribes a board's channel behind the store's
// back, so that the node misses changes as if pub/sub had lost them.
func (s *Store) DropChannelForTest(boardID string) {
	s.psMu.Lock()
	defer s.psMu.Unlock()
	s.ps.Unsubscribe(context.Background(), channelOf(boardID))
}

// ResubscribeForTest subscribes a board's channel again, as go-redis does
// after a reconnect.
func (s *Store) ResubscribeForTest(boardID string) {
	s.psMu.Lock()
	defer s.psMu.Unlock()
	s.ps.Subscribe(context.Background(), channelOf(boardID))
}

// GroupedForTest is how many changes this store committed in one pipeline
// with others.
func (s *Store) GroupedForTest() int64 { return s.grouped.Load() }
