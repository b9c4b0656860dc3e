package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/processkarta/processkarta/board"
)

// failingStore fails Subscribe at the moment its caller gives up: the
// room's start then writes room.err while the giving-up caller's release
// reads it, with nothing ordering the two but the hub's lock.
type failingStore struct {
	board.Store
	giveUp <-chan struct{}
}

func (s *failingStore) Subscribe(ctx context.Context, boardID string) (*board.State, <-chan *board.Change, error) {
	<-s.giveUp
	return nil, nil, board.Errorf(board.EUnavailable, "the store is down")
}

// TestRoomFailsAsCallerGivesUp provokes the race between a room's start
// failing and the caller that gave up waiting for it: run with -race, it
// fails if room.err is read and written without a common lock. It also
// checks that the failed room does not stay: the next caller starts anew.
func TestRoomFailsAsCallerGivesUp(t *testing.T) {
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		h := newHub(&failingStore{giveUp: ctx.Done()}, board.NewLocalPresence(), Limits{RoomIdle: time.Hour}.withDefaults(),
			slog.New(slog.NewTextHandler(io.Discard, nil)), newMetrics(prometheus.NewRegistry()))
		done := make(chan error, 1)
		go func() {
			_, err := h.room(ctx, "b")
			done <- err
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) && board.ErrorCode(err) != board.EUnavailable {
			t.Fatalf("room: %v", err)
		}
		// Whichever came first, the failed room goes: a caller that waits
		// gets the store's error, not a room that never started.
		deadline := time.Now().Add(5 * time.Second)
		for {
			h.mu.Lock()
			r := h.rooms["b"]
			h.mu.Unlock()
			if r == nil {
				break
			}
			select {
			case <-r.ready:
				if _, err := h.room(context.Background(), "b"); board.ErrorCode(err) != board.EUnavailable {
					t.Fatalf("a failed room was reused: %v", err)
				}
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("the failed room stayed in the hub")
			}
			time.Sleep(time.Millisecond)
		}
	}
}
