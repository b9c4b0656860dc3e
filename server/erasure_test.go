package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// TestEraseAndDeleteBolt and TestEraseAndDeleteRedis: a participant
// erases themself, a facilitator erases another, the organizer deletes
// the board; the sockets close with 4401 and 4404, the REST answers 404,
// and only the exports that named people go with an erasure. On Redis,
// with two nodes, the other node's sockets close too.
func TestEraseAndDeleteBolt(t *testing.T) {
	n := boltNode(t)
	testEraseAndDelete(t, n, n)
}

func TestEraseAndDeleteRedis(t *testing.T) {
	nodes, _ := redisNodes(t, redistest.Start(t), 2)
	testEraseAndDelete(t, nodes[0], nodes[1])
}

func testEraseAndDelete(t *testing.T, n, other *node) {
	ctx := ctxT(t)
	a := n.api
	b := newBoard(t, n, "process-map")
	greta, err := a.Join(ctx, b.JoinCode, "Greta Raderasson", "Raderingsförvaltningen", "politician")
	if err != nil {
		t.Fatal(err)
	}
	olle, err := a.Join(ctx, b.JoinCode, "Olle Osynlig", "Gömförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	fac := dial(t, other, b.ID, b.FacilitatorToken)
	gc := dial(t, n, b.ID, greta.Token)
	oc := dial(t, other, b.ID, olle.Token)

	var named, anon board.Export
	if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, map[string]bool{"names": true}, &named); err != nil {
		t.Fatal(err)
	}
	if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, map[string]any{}, &anon); err != nil {
		t.Fatal(err)
	}
	if named.Anonymous || !anon.Anonymous {
		t.Fatalf("exports: named %+v, default %+v", named, anon)
	}

	// The organizer key is no participant.
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/me", testKey, nil, nil), http.StatusBadRequest, "invalid")
	// Greta erases herself.
	if err := a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/me", greta.Token, nil, nil); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, gc); code != 4401 {
		t.Fatalf("the erased participant's socket: close %d", code)
	}
	waitFor(t, func() bool { return !hasName(fac.ParticipantsNow(), "Greta Raderasson") })
	apiErr(t, a.Do(ctx, "GET", "/api/exports/"+named.ID, testKey, nil, nil), http.StatusNotFound, "not_found")
	if err := a.Do(ctx, "GET", "/api/exports/"+anon.ID, testKey, nil, nil); err != nil {
		t.Fatalf("the anonymous export went with the erasure: %v", err)
	}
	// Her token is revoked; she cannot erase herself twice.
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/me", greta.Token, nil, nil), http.StatusUnauthorized, "unauthorized")

	// A participant cannot erase someone else; the facilitator can.
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/"+fac.You().ID+"?erase=true", olle.Token, nil, nil), http.StatusForbidden, "forbidden")
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/"+olle.Participant.ID+"?erase=maybe", b.FacilitatorToken, nil, nil), http.StatusBadRequest, "invalid")
	if err := a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/"+olle.Participant.ID+"?erase=true", b.FacilitatorToken, nil, nil); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, oc); code != 4401 {
		t.Fatalf("the erased participant's socket on the other node: close %d", code)
	}
	var got struct {
		Participants []client.Participant `json:"participants"`
	}
	if err := a.Do(ctx, "GET", "/api/boards/"+b.ID, testKey, nil, &got); err != nil {
		t.Fatal(err)
	}
	if hasName(got.Participants, "Greta Raderasson") || hasName(got.Participants, "Olle Osynlig") || len(got.Participants) != 1 {
		t.Fatalf("participants after the erasures: %+v", got.Participants)
	}
	// The last facilitator cannot erase themself.
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/me", b.FacilitatorToken, nil, nil), http.StatusConflict, "conflict")

	// Only the organizer deletes a board.
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID, b.FacilitatorToken, nil, nil), http.StatusForbidden, "forbidden")
	if err := a.Do(ctx, "DELETE", "/api/boards/"+b.ID, testKey, nil, nil); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, fac); code != 4404 {
		t.Fatalf("a socket of the deleted board: close %d", code)
	}
	for _, nn := range []*node{n, other} {
		apiErr(t, nn.api.Do(ctx, "GET", "/api/boards/"+b.ID, testKey, nil, nil), http.StatusNotFound, "not_found")
		if e, ok := dialErr(t, nn, b.ID, b.FacilitatorToken, nil).(*client.Error); !ok || e.Code != "closed_4404" {
			t.Fatalf("dialling the deleted board: %v", e)
		}
		apiErr(t, nn.api.Do(ctx, "GET", "/api/exports/"+anon.ID, testKey, nil, nil), http.StatusNotFound, "not_found")
	}
	apiErr(t, a.Do(ctx, "DELETE", "/api/boards/"+b.ID, testKey, nil, nil), http.StatusNotFound, "not_found")
	_, err = a.Join(ctx, b.JoinCode, "Sen", "", "other")
	apiErr(t, err, http.StatusNotFound, "not_found")
}

func hasName(ps []client.Participant, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// TestRetentionSweep: a board idle for the retention period loses its
// join code and its participants' names, once; the start page's list
// says when, and then that it is done.
func TestRetentionSweep(t *testing.T) {
	store := openBolt(t)
	srv := server.New(store, server.Config{OrganizerKey: testKey, RetentionDays: 30, RetentionEvery: time.Hour})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	n := &node{srv: srv, http: hs, api: &client.API{Base: hs.URL, Key: testKey}}
	ctx := ctxT(t)
	b := newBoard(t, n, "blank")
	j := join(t, n, b.JoinCode, "Ragnar Gallrad", "manager")
	var list []map[string]any
	if err := n.api.Do(ctx, "GET", "/api/boards", testKey, nil, &list); err != nil || len(list) != 1 {
		t.Fatalf("boards: %v, %v", list, err)
	}
	at, err := time.Parse(time.RFC3339Nano, list[0]["anonymiseAt"].(string))
	if err != nil {
		t.Fatalf("anonymiseAt: %v", list[0]["anonymiseAt"])
	}
	if d := time.Until(at); d < 29*24*time.Hour || d > 30*24*time.Hour+time.Minute {
		t.Fatalf("anonymiseAt in %v, want 30 days", d)
	}
	if k, err := srv.Sweep(ctx, time.Now().Add(29*24*time.Hour)); err != nil || k != 0 {
		t.Fatalf("a sweep before the time: %d, %v", k, err)
	}
	if k, err := srv.Sweep(ctx, at.Add(time.Second)); err != nil || k != 1 {
		t.Fatalf("the sweep: %d, %v", k, err)
	}
	if k, err := srv.Sweep(ctx, at.Add(time.Hour)); err != nil || k != 0 {
		t.Fatalf("a second sweep: %d, %v", k, err)
	}
	_, err = n.api.Join(ctx, b.JoinCode, "Ny", "", "other")
	apiErr(t, err, http.StatusNotFound, "not_found")
	apiErr(t, n.api.Do(ctx, "GET", "/api/boards/"+b.ID, j.Token, nil, nil), http.StatusUnauthorized, "unauthorized")
	var got struct {
		Participants []client.Participant `json:"participants"`
	}
	if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID, testKey, nil, &got); err != nil || len(got.Participants) != 0 {
		t.Fatalf("participants after the sweep: %+v, %v", got.Participants, err)
	}
	if err := n.api.Do(ctx, "GET", "/api/boards", testKey, nil, &list); err != nil || list[0]["anonymised"] != true || list[0]["anonymiseAt"] != nil || list[0]["joinCode"] != "" {
		t.Fatalf("the list after the sweep: %v, %v", list, err)
	}
	var doc json.RawMessage
	if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID+"/document", testKey, nil, &doc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "Ragnar") {
		t.Fatal("the board's document still names the participant")
	}
}
