package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// rosterWatcher is a raw websocket that counts the bytes of the
// participants messages it receives and keeps the list they describe,
// whole lists or deltas.
type rosterWatcher struct {
	mu     sync.Mutex
	bytes  int
	list   map[string]bool // participant id → online
	failed error
}

func watchRoster(t *testing.T, n *node, boardID, token, query string) *rosterWatcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ws, _, err := websocket.Dial(ctx, strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+boardID+"/ws?token="+token+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	w := &rosterWatcher{list: map[string]bool{}}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); ws.CloseNow(); <-done })
	go func() {
		defer close(done)
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				Type         string               `json:"type"`
				Delta        bool                 `json:"delta"`
				Participants []client.Participant `json:"participants"`
				Removed      []string             `json:"removed"`
				Online       []string             `json:"online"`
				Offline      []string             `json:"offline"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				w.mu.Lock()
				w.failed = err
				w.mu.Unlock()
				return
			}
			if m.Type != "participants" && m.Type != "welcome" {
				continue
			}
			w.mu.Lock()
			if m.Type == "participants" {
				w.bytes += len(b)
			}
			if !m.Delta {
				clear(w.list)
			}
			for _, p := range m.Participants {
				w.list[p.ID] = p.Online
			}
			for _, id := range m.Removed {
				delete(w.list, id)
			}
			for _, id := range m.Online {
				if _, ok := w.list[id]; ok {
					w.list[id] = true
				}
			}
			for _, id := range m.Offline {
				if _, ok := w.list[id]; ok {
					w.list[id] = false
				}
			}
			w.mu.Unlock()
		}
	}()
	return w
}

// sees reports whether the watcher's list holds exactly ids, all online
// but for those in offline.
func (w *rosterWatcher) sees(ids []string, offline ...string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.list) != len(ids) {
		return false
	}
	for _, id := range ids {
		on, ok := w.list[id]
		if !ok || on == slices.Contains(offline, id) {
			return false
		}
	}
	return true
}

func (w *rosterWatcher) received() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		panic(w.failed)
	}
	return w.bytes
}

// Issue 15: after the welcome, participants messages carry only who
// changed, so one client hears of N people joining and coming online in
// O(N) bytes, not O(N²). A client that asks for whole lists
// (participants=full) still gets them, and the Go client's merged list
// matches the board's.
func TestParticipantsAfterWelcomeAreDeltas(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{Caps: server.Caps{JoinsPerAddress: 1000, JoinsPerBoard: 1000}})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	deltas := watchRoster(t, n, b.ID, b.FacilitatorToken, "")
	whole := watchRoster(t, n, b.ID, b.FacilitatorToken, "&participants=full")
	goClient := dial(t, n, b.ID, b.FacilitatorToken)
	ids := []string{goClient.You().ID}
	joinAndConnect := func(count int) {
		for range count {
			j := join(t, n, b.JoinCode, fmt.Sprintf("Deltagare %d", len(ids)), "official")
			ids = append(ids, j.Participant.ID)
			dial(t, n, b.ID, j.Token)
		}
		waitFor(t, func() bool { return deltas.sees(ids) && whole.sees(ids) })
	}

	joinAndConnect(20)
	d1, w1 := deltas.received(), whole.received()
	joinAndConnect(60)
	d2, w2 := deltas.received()-d1, whole.received()-w1
	// Per person, the second phase (20 to 80 on the board) costs a delta
	// client what the first (1 to 20) did; whole lists cost several times
	// as much, as the list they repeat is longer.
	perFirst, perSecond := float64(d1)/20, float64(d2)/60
	t.Logf("bytes per person joining: deltas %.0f then %.0f; whole lists %.0f then %.0f",
		perFirst, perSecond, float64(w1)/20, float64(w2)/60)
	if perSecond > 1.5*perFirst {
		t.Fatalf("participants deltas grow with the board: %.0f bytes per person at 20, %.0f at 80", perFirst, perSecond)
	}
	if float64(w2)/60 < 2*float64(w1)/20 {
		t.Fatalf("whole lists did not grow with the board (%d then %d bytes): the contrast this test relies on is gone", w1, w2)
	}

	// Leaving the board is a delta too, and the Go client's list follows.
	gone := ids[5]
	if err := n.api.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/"+gone, b.FacilitatorToken, nil, nil); err != nil {
		t.Fatal(err)
	}
	ids = slices.Delete(ids, 5, 6)
	waitFor(t, func() bool { return deltas.sees(ids) && whole.sees(ids) })
	waitFor(t, func() bool {
		list := goClient.ParticipantsNow()
		if len(list) != len(ids) {
			return false
		}
		for i, p := range list {
			// The order of joining, kept through the deltas.
			if p.ID != ids[i] || !p.Online {
				return false
			}
		}
		return true
	})
}
