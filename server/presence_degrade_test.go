package server_test

import (
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// Issue 15: on a crowded board presence degrades before edits do. One
// presence message carries at most 50 peers; the others wait their turn
// and still arrive, each with its latest cursor; a selection jumps the
// queue of plain cursor moves.
func TestPresenceIsBoundedPerMessageAndCatchesUp(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{Caps: server.Caps{JoinsPerAddress: 1000, JoinsPerBoard: 1000}})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	var rec recorder
	dialRecorded(t, n, b.ID, b.FacilitatorToken, &rec)
	const crowd = 120
	people := make([]*client.Client, crowd)
	for i := range people {
		j := join(t, n, b.JoinCode, fmt.Sprintf("Deltagare %d", i), "official")
		people[i] = dial(t, n, b.ID, j.Token)
	}
	// Everyone moves twice; the second position is the one that counts.
	for round := range 2 {
		for i, c := range people {
			if err := c.Presence(ctx, &[2]float64{float64(i), float64(round)}, nil, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One of them then selects something: that goes ahead of the cursors.
	note := "00000000-0000-4000-8000-000000000042"
	if err := people[crowd-1].Presence(ctx, &[2]float64{float64(crowd - 1), 1}, []string{note}, ""); err != nil {
		t.Fatal(err)
	}
	selector := people[crowd-1].You().ID
	latest := func() (map[string]float64, int, int) {
		at := map[string]float64{}
		most, selectionAt := 0, -1
		for k, m := range rec.of("presence") {
			most = max(most, len(m.Peers))
			for _, p := range m.Peers {
				if p.Cursor != nil {
					at[p.Participant] = p.Cursor.Y
				}
				if p.Participant == selector && len(p.Selection) == 1 && selectionAt < 0 {
					selectionAt = k
				}
			}
		}
		return at, most, selectionAt
	}
	waitFor(t, func() bool {
		at, _, _ := latest()
		for _, c := range people {
			if y, ok := at[c.You().ID]; !ok || y != 1 {
				return false
			}
		}
		return true
	})
	// The message after which every cursor was at its latest.
	msgs := rec.of("presence")
	completedAt, done := 0, map[string]bool{}
	for k, m := range msgs {
		for _, p := range m.Peers {
			if p.Cursor != nil && p.Cursor.Y == 1 {
				done[p.Participant] = true
			}
		}
		if len(done) >= crowd {
			completedAt = k
			break
		}
	}
	_, most, selectionAt := latest()
	if most > 50 {
		t.Fatalf("a presence message carried %d peers; at most 50", most)
	}
	if selectionAt < 0 || selectionAt >= completedAt {
		t.Fatalf("the selection came in presence message %d, the last cursor in %d: it waited behind cursor moves", selectionAt+1, completedAt+1)
	}
}

// Presence written type first (as the browser and the Go client write it)
// is read only when the room next sends presence, the latest of each
// person. A bad one still gets its error and changes nothing.
func TestPresenceReadLateRefusesBadInput(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{})
	b := newBoard(t, n, "blank")
	var rec recorder
	dialRecorded(t, n, b.ID, b.FacilitatorToken, &rec)
	j := join(t, n, b.JoinCode, "Anna", "official")
	a := dialRaw(t, n, b.ID, j.Token, "")
	a.next("welcome")
	a.send(map[string]any{"type": "presence", "cursor": map[string]float64{"x": 10, "y": 20}, "selection": []string{}, "editing": nil})
	seen := func() bool {
		for _, m := range rec.of("presence") {
			for _, p := range m.Peers {
				if p.Participant == j.Participant.ID && p.Cursor != nil && p.Cursor.X == 10 && p.Cursor.Y == 20 {
					return true
				}
			}
		}
		return false
	}
	waitFor(t, seen)
	before := len(rec.of("presence"))
	a.ws.Write(ctxT(t), websocket.MessageText, []byte(`{"type":"presence","cursor":{"x":"ten"}}`))
	e := a.next("error")
	if string(e["code"]) != `"bad_message"` {
		t.Fatalf("a bad presence message: %s", e["code"])
	}
	// Then a good one: the watcher sees Anna where she was, or where she
	// went next, never anything the bad message said.
	a.send(map[string]any{"type": "presence", "cursor": map[string]float64{"x": 30, "y": 40}, "selection": []string{}, "editing": nil})
	waitFor(t, func() bool {
		for _, m := range rec.of("presence")[before:] {
			for _, p := range m.Peers {
				if p.Participant == j.Participant.ID && p.Cursor != nil && p.Cursor.X == 30 {
					return true
				}
			}
		}
		return false
	})
	for _, m := range rec.of("presence")[before:] {
		for _, p := range m.Peers {
			if c := p.Cursor; p.Participant == j.Participant.ID && (c == nil || !(c.X == 10 && c.Y == 20 || c.X == 30 && c.Y == 40)) {
				t.Fatalf("after the bad message the watcher saw %+v", c)
			}
		}
	}
}
