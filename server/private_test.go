package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

func TestPrivateRound(t *testing.T) {
	n := boltNode(t)
	testPrivateRound(t, []*node{n, n})
}

// TestPrivateRoundTwoNodesRedis runs the private round with the author on
// one node and the others on another: what each receives is decided from
// the change itself, on every node.
func TestPrivateRoundTwoNodesRedis(t *testing.T) {
	rs := redistest.Start(t)
	nodes, _ := redisNodes(t, rs, 2)
	testPrivateRound(t, nodes)
}

// testPrivateRound: Anna (on nodes[0]) writes private notes in a private
// round; Bertil (on nodes[1]) must receive nothing of them, by websocket,
// REST, catch-up, presence or PDF, until the facilitator shows them.
func testPrivateRound(t *testing.T, nodes []*node) {
	ctx := ctxT(t)
	n0, n1 := nodes[0], nodes[1]
	b := newBoard(t, n0, "process-map")
	fac := dial(t, n0, b.ID, b.FacilitatorToken)
	ja := join(t, n0, b.JoinCode, "Anna", "official")
	jb := join(t, n1, b.JoinCode, "Bertil", "politician")
	anna := dial(t, n0, b.ID, ja.Token)
	var rec recorder
	bertil, err := client.Dial(ctx, n1.URL(), b.ID, jb.Token, &client.Options{OnMessage: rec.on})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { bertil.Drop() }()

	const secret = "Hemlig idé om solceller"
	seq, err := fac.Settings(ctx, map[string]any{"private": true})
	if err != nil {
		t.Fatal(err)
	}
	if err := bertil.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if !bertil.SettingsNow().Private {
		t.Fatal("settings.private did not reach Bertil")
	}
	pn := note(secret, 100, 100)
	if _, err = anna.Ops(ctx, pn); err != nil {
		t.Fatal(err)
	}
	if _, err = anna.Ops(ctx, board.Op{Op: board.OpUpdate, ID: pn.ID, Props: map[string]any{"text": secret + " 2"}}); err != nil {
		t.Fatal(err)
	}
	seq, err = anna.Ops(ctx, board.Op{Op: board.OpCreate, ID: id(), Kind: board.KindStep, Props: map[string]any{"text": "Offentligt steg", "x": 0.0, "y": 0.0}})
	if err != nil {
		t.Fatal(err)
	}
	// Anna shows where she is: her selection and edit of her note.
	if err := anna.Presence(ctx, &[2]float64{5, 5}, []string{pn.ID}, pn.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{fac, bertil, anna} {
		if err := c.WaitSeq(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	// Facilitators see the note with its author; Bertil's seq followed on.
	if o := fac.Objects()[pn.ID]; o == nil || o.Text("text") != secret+" 2" || o.PrivateTo != ja.Participant.ID {
		t.Fatalf("the facilitator's replica: %+v", o)
	}
	if o := anna.Objects()[pn.ID]; o == nil || o.PrivateTo != ja.Participant.ID {
		t.Fatalf("Anna's replica: %+v", o)
	}
	waitFor(t, func() bool {
		for _, m := range rec.of("presence") {
			for _, p := range m.Peers {
				if p.Participant == ja.Participant.ID && p.Cursor != nil {
					return true
				}
			}
		}
		return false
	})
	if bertil.Gaps() != 0 {
		t.Fatalf("Bertil's feed has %d gaps", bertil.Gaps())
	}
	empty := 0
	for _, m := range rec.of("ops") {
		if len(m.Ops) == 0 {
			empty++
		}
	}
	if empty != 2 {
		t.Fatalf("Bertil got %d empty ops messages for Anna's two private batches, want 2", empty)
	}
	leak := func(where string, b []byte) {
		t.Helper()
		if bytes.Contains(b, []byte(pn.ID)) || bytes.Contains(b, []byte("Hemlig")) {
			t.Fatalf("%s leaks the private note: %s", where, b)
		}
	}
	rec.mu.Lock()
	for _, raw := range rec.raw {
		leak("Bertil's websocket", raw)
	}
	rec.mu.Unlock()
	// Bertil cannot touch it: to him it does not exist.
	if _, err := bertil.Ops(ctx, board.Op{Op: board.OpUpdate, ID: pn.ID, Props: map[string]any{"text": "x"}}); rejectCode(err) != "not_found" {
		t.Fatalf("Bertil edited Anna's private note: %v", err)
	}
	// REST: only the author, the facilitators and the organizer.
	get := func(n *node, bearer string) []byte {
		t.Helper()
		var raw json.RawMessage
		if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID, bearer, nil, &raw); err != nil {
			t.Fatal(err)
		}
		return raw
	}
	leak("GET /api/boards as Bertil", get(n1, jb.Token))
	for _, who := range []string{ja.Token, b.FacilitatorToken, testKey} {
		if !bytes.Contains(get(n0, who), []byte(pn.ID)) {
			t.Fatal("GET /api/boards hides the note from someone allowed")
		}
	}
	// A fresh welcome, and a catch-up after a reconnect, hold nothing.
	var fresh recorder
	other, err := client.Dial(ctx, n1.URL(), b.ID, jb.Token, &client.Options{OnMessage: fresh.on})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := other.Objects()[pn.ID]; ok {
		t.Fatal("a welcome holds the private note")
	}
	other.Drop()
	if _, err := anna.Ops(ctx, board.Op{Op: board.OpUpdate, ID: pn.ID, Props: map[string]any{"color": "#bbf7d0"}}); err != nil {
		t.Fatal(err)
	}
	if err := other.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.WaitSeq(ctx, anna.Seq()); err != nil {
		t.Fatal(err)
	}
	other.Drop()
	fresh.mu.Lock()
	for _, raw := range fresh.raw {
		leak("a welcome or catch-up", raw)
	}
	fresh.mu.Unlock()
	// A PDF made now leaves the note out: any token of the board reads it.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (make test does this)")
	}
	{
		var e board.Export
		if err := n0.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, map[string]any{}, &e); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", n0.URL()+"/api/exports/"+e.ID+"/pdf", nil)
		req.Header.Set("Authorization", "Bearer "+jb.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("pdftotext", "-", "-")
		cmd.Stdin = resp.Body
		out, err := cmd.Output()
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(out), "Hemlig") || !strings.Contains(string(out), "Offentligt steg") {
			t.Fatalf("the PDF of a private round:\n%s", out)
		}
	}

	// "Visa alla lappar": one change shows the note to everyone.
	seq, err = fac.Settings(ctx, map[string]any{"private": false})
	if err != nil {
		t.Fatal(err)
	}
	if err := bertil.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if o := bertil.Objects()[pn.ID]; o == nil || o.Text("text") != secret+" 2" || o.PrivateTo != "" {
		t.Fatalf("after the reveal Bertil has %+v", o)
	}
	var reveal *client.Message
	for _, m := range rec.of("settings") {
		if m.Seq == seq {
			reveal = &m
		}
	}
	if reveal == nil || len(reveal.Revealed) != 1 || reveal.Revealed[0].ID != pn.ID {
		t.Fatalf("the reveal message: %+v", reveal)
	}
	_, snap := snapshotObjects(t, n1, b.ID)
	for _, c := range []*client.Client{fac, anna, bertil} {
		if err := c.WaitSeq(ctx, seq); err != nil {
			t.Fatal(err)
		}
		if d := sameObjects(c.Objects(), snap); d != "" {
			t.Fatalf("%s after the reveal: %s", c.You().Name, d)
		}
	}
	if bertil.Gaps() != 0 {
		t.Fatalf("Bertil's feed has %d gaps", bertil.Gaps())
	}

	// A second round; Bertil is made facilitator in it: his socket starts
	// again and the welcome brings the notes he may now see.
	if _, err := fac.Settings(ctx, map[string]any{"private": true}); err != nil {
		t.Fatal(err)
	}
	pn2 := note("Andra rundan", 300, 100)
	if _, err := anna.Ops(ctx, pn2); err != nil {
		t.Fatal(err)
	}
	if err := n0.api.Do(ctx, "PUT", "/api/boards/"+b.ID+"/participants/"+jb.Participant.ID, b.FacilitatorToken, map[string]string{"role": "facilitator"}, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bertil.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Bertil's socket stayed open across his new role")
	}
	if code := bertil.CloseStatus(); code != websocket.StatusCode(4408) {
		t.Fatalf("closed with %d, want 4408", code)
	}
	if err := bertil.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if o := bertil.Objects()[pn2.ID]; o == nil || o.PrivateTo != ja.Participant.ID {
		t.Fatalf("the new facilitator lacks the private note: %+v", o)
	}
}

// TestPrivateRoundRefusals covers what nobody may do with private notes.
func TestPrivateRoundRefusals(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	b := newBoard(t, n, "blank")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	anna := dial(t, n, b.ID, join(t, n, b.JoinCode, "Anna", "official").Token)
	if _, err := anna.Settings(ctx, map[string]any{"private": true}); rejectCode(err) != "forbidden" {
		t.Fatalf("a participant started a private round: %v", err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"private": "yes"}); rejectCode(err) != "invalid" {
		t.Fatalf("private as a string: %v", err)
	}
	forged := note("x", 0, 0)
	forged.PrivateTo = fac.You().ID
	if _, err := anna.Ops(ctx, forged); rejectCode(err) != "invalid" {
		t.Fatalf("a client set privateTo: %v", err)
	}
}
