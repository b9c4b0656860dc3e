package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// rawWS is a websocket that reads the server's messages as JSON objects.
type rawWS struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialRaw(t *testing.T, n *node, boardID, token, query string) *rawWS {
	t.Helper()
	ws, _, err := websocket.Dial(ctxT(t), strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+boardID+"/ws?token="+token+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { ws.CloseNow() })
	return &rawWS{t, ws}
}

// answer returns the next participants message that is not about who
// came online or went offline: the answer to a participants request.
func (r *rawWS) answer() map[string]json.RawMessage {
	r.t.Helper()
	for {
		m := r.next("participants")
		if m["online"] == nil && m["offline"] == nil {
			return m
		}
	}
}

// next returns the next message of type typ (any type if ""), skipping
// the others.
func (r *rawWS) next(typ string) map[string]json.RawMessage {
	r.t.Helper()
	for {
		_, b, err := r.ws.Read(ctxT(r.t))
		if err != nil {
			r.t.Fatalf("waiting for %s: %v", typ, err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			r.t.Fatal(err)
		}
		var got string
		json.Unmarshal(m["type"], &got)
		if got == typ || typ == "" {
			return m
		}
	}
}

func (r *rawWS) send(v any) {
	r.t.Helper()
	b, _ := json.Marshal(v)
	if err := r.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		r.t.Fatal(err)
	}
}

func ids(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var ps []client.Participant
	if err := json.Unmarshal(raw, &ps); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// Issue 15: on a board larger than WelcomeRoster, a participant's welcome
// lists themselves and the facilitators, with the count; the participants
// request gives the entries of ids, or everyone's. Facilitators, and
// clients asking for participants=full, get the whole list. A bad request
// is rejected and changes nothing.
func TestLargeBoardWelcomeIsPartial(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{WelcomeRoster: 3})
	b := newBoard(t, n, "blank")
	f := dialRaw(t, n, b.ID, b.FacilitatorToken, "")
	var you client.Participant
	json.Unmarshal(f.next("welcome")["you"], &you)
	fac := you.ID
	var people []*client.Joined
	for _, name := range []string{"Anna", "Bertil", "Cecilia", "David", "Eva"} {
		people = append(people, join(t, n, b.JoinCode, name, "official"))
	}
	all := []string{fac}
	for _, p := range people {
		all = append(all, p.Participant.ID)
	}
	all = sorted(all...)

	// The last to join connects: the room waits until it has that join
	// (awaitToken), so the welcome's count has everyone.
	a := dialRaw(t, n, b.ID, people[4].Token, "")
	w := a.next("welcome")
	if got, want := ids(t, w["participants"]), sorted(people[4].Participant.ID, fac); !slices.Equal(got, want) {
		t.Fatalf("a participant's welcome on a large board lists %v, want themselves and the facilitator %v", got, want)
	}
	if string(w["participantCount"]) != "6" || string(w["participantsPartial"]) != "true" {
		t.Fatalf("participantCount %s, participantsPartial %s; want 6, true", w["participantCount"], w["participantsPartial"])
	}

	// Names of people whose cursors show: only those asked for, and ids
	// not on the board are left out.
	a.send(map[string]any{"type": "participants", "id": "r1", "ids": []string{people[3].Participant.ID, "00000000-0000-4000-8000-000000000000"}})
	m := a.answer()
	if got := ids(t, m["participants"]); !slices.Equal(got, []string{people[3].Participant.ID}) {
		t.Fatalf("asked for David and an unknown id, got %v", got)
	}
	if string(m["delta"]) != "true" || m["seq"] != nil {
		t.Fatalf("the answer is a delta without seq: %s", m["delta"])
	}
	// Everyone, for the participants panel.
	a.send(map[string]any{"type": "participants", "id": "r2", "all": true})
	if got := ids(t, a.answer()["participants"]); !slices.Equal(got, all) {
		t.Fatalf("asked for all, got %v, want %v", got, all)
	}
	// Asking for everyone again and again is refused: a request whose
	// answer is the whole list counts 5 of a burst of 10, refilled at 5
	// a second, so of three sent at once the third is refused at the
	// latest (the first may be too, after r2 and the ids request).
	for _, id := range []string{"r3", "r4", "r5"} {
		a.send(map[string]any{"type": "participants", "id": id, "all": true})
	}
	refused := 0
	for outcomes := 0; outcomes < 3; {
		m := a.next("")
		var typ string
		json.Unmarshal(m["type"], &typ)
		switch {
		case typ == "reject":
			if string(m["code"]) != `"rate_limited"` || string(m["retry"]) != "true" {
				t.Fatalf("three at once: reject %s %s retry %s", m["id"], m["code"], m["retry"])
			}
			refused++
			outcomes++
		case typ == "participants" && m["online"] == nil && m["offline"] == nil:
			outcomes++
		}
	}
	if refused == 0 {
		t.Fatal("three requests for everyone at once were all answered")
	}
	// Bad requests are rejected by id.
	for i, bad := range []map[string]any{
		{"type": "participants", "id": "x1"},
		{"type": "participants", "id": "x2", "all": true, "ids": []string{people[1].Participant.ID}},
		{"type": "participants", "id": "x3", "ids": []string{"not-an-id"}},
	} {
		a.send(bad)
		r := a.next("reject")
		if string(r["id"]) != `"x`+string(rune('1'+i))+`"` || string(r["code"]) != `"invalid"` {
			t.Fatalf("bad request %v: reject %s %s", bad, r["id"], r["code"])
		}
	}

	// The facilitator and a client asking for whole lists get everyone.
	fw := dialRaw(t, n, b.ID, b.FacilitatorToken, "").next("welcome")
	if got := ids(t, fw["participants"]); !slices.Equal(got, all) {
		t.Fatalf("the facilitator's welcome lists %v, want everyone", got)
	}
	if fw["participantsPartial"] != nil {
		t.Fatalf("a whole list is not marked partial: %s", fw["participantsPartial"])
	}
	full := dialRaw(t, n, b.ID, people[1].Token, "&participants=full")
	if got := ids(t, full.next("welcome")["participants"]); !slices.Equal(got, all) {
		t.Fatalf("participants=full lists %v, want everyone", got)
	}

	// The Go client: partial after the welcome, whole after asking.
	gc := dial(t, n, b.ID, people[2].Token)
	if !gc.Partial() || len(gc.ParticipantsNow()) != 2 {
		t.Fatalf("the Go client: partial %v with %d entries, want true with 2", gc.Partial(), len(gc.ParticipantsNow()))
	}
	if err := gc.AskParticipants(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(gc.ParticipantsNow()) == len(all) })

	// At or below the limit, everyone gets everyone.
	small := newBoard(t, n, "blank")
	var sp []*client.Joined
	for _, name := range []string{"Frida", "Gustav"} {
		sp = append(sp, join(t, n, small.JoinCode, name, "official"))
	}
	s := dialRaw(t, n, small.ID, sp[0].Token, "")
	sw := s.next("welcome")
	if got := ids(t, sw["participants"]); len(got) != 3 || sw["participantsPartial"] != nil || string(sw["participantCount"]) != "3" {
		t.Fatalf("a board at the limit: welcome lists %v, partial %s, count %s", got, sw["participantsPartial"], sw["participantCount"])
	}
}
