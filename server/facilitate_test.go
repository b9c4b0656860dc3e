package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

func TestFacilitateFromAnotherBrowser(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	b := newBoard(t, n, "process-map")
	f, err := n.api.Facilitate(ctx, b.ID, "Karin")
	if err != nil {
		t.Fatal(err)
	}
	if f.Token == "" || f.Participant.Role != board.RoleFacilitator || f.Participant.Name != "Karin" {
		t.Fatalf("facilitate: %+v", f)
	}
	c := dial(t, n, b.ID, f.Token)
	if c.You().Role != board.RoleFacilitator || c.Info().JoinCode != b.JoinCode {
		t.Fatalf("the new facilitator's welcome: %+v %+v", c.You(), c.Info())
	}
	if _, err := c.Settings(ctx, map[string]any{"phase": "Hinder"}); err != nil {
		t.Fatalf("the new facilitator cannot steer: %v", err)
	}
	// A default name; the organizer key only; a board that exists.
	var out client.Facilitated
	if err := n.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/facilitate", testKey, map[string]any{}, &out); err != nil || out.Participant.Name == "" {
		t.Fatalf("facilitate with {}: %+v %v", out, err)
	}
	for _, tc := range []struct {
		path, bearer, body string
		status             int
		code               string
	}{
		{"/api/boards/" + b.ID + "/facilitate", b.FacilitatorToken, `{}`, http.StatusUnauthorized, "unauthorized"},
		{"/api/boards/" + b.ID + "/facilitate", "", `{}`, http.StatusUnauthorized, "unauthorized"},
		{"/api/boards/" + id() + "/facilitate", testKey, `{}`, http.StatusNotFound, "not_found"},
		{"/api/boards/" + b.ID + "/facilitate", testKey, `{"position":"king"}`, http.StatusBadRequest, "invalid"},
		{"/api/boards/" + b.ID + "/facilitate", testKey, `{"name":"x","extra":1}`, http.StatusBadRequest, "invalid"},
	} {
		before := state(t, n)
		err := n.api.Do(ctx, "POST", tc.path, tc.bearer, tc.body, nil)
		apiErr(t, err, tc.status, tc.code)
		if state(t, n) != before {
			t.Fatalf("a refused facilitate (%s) changed the store", tc.body)
		}
	}
}

func TestLastFacilitatorKeepsTheRole(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	b := newBoard(t, n, "blank")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	me := fac.You().ID
	path := "/api/boards/" + b.ID + "/participants/" + me
	apiErr(t, n.api.Do(ctx, "PUT", path, b.FacilitatorToken, map[string]string{"role": "participant"}, nil), http.StatusConflict, "conflict")
	apiErr(t, n.api.Do(ctx, "DELETE", path, testKey, nil, nil), http.StatusConflict, "conflict")
	// With a second facilitator the first may step down.
	f2, err := n.api.Facilitate(ctx, b.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.api.Do(ctx, "PUT", path, f2.Token, map[string]string{"role": "participant"}, nil); err != nil {
		t.Fatal(err)
	}
	apiErr(t, n.api.Do(ctx, "PUT", "/api/boards/"+b.ID+"/participants/"+f2.Participant.ID, f2.Token, map[string]string{"role": "observer"}, nil), http.StatusConflict, "conflict")
}

// TestSummonOnceAndFollow: a summon's stamp survives other settings
// changes; follow names a facilitator, whose view travels with presence.
func TestSummonOnceAndFollow(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	b := newBoard(t, n, "process-map")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	var rec recorder
	eva := dialRecorded(t, n, b.ID, join(t, n, b.JoinCode, "Eva", "manager").Token, &rec)
	seq, err := fac.Settings(ctx, map[string]any{"focus": map[string]any{"x": 10, "y": 20, "zoom": 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eva.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	at := eva.SettingsNow().Focus.At
	for _, patch := range []map[string]any{{"phase": "Hinder"}, {"timer": map[string]any{"seconds": 60, "start": true}}, {"locked": true}, {"voting": map[string]any{"open": true}}} {
		if seq, err = fac.Settings(ctx, patch); err != nil {
			t.Fatal(err)
		}
	}
	if err := eva.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	s := eva.SettingsNow()
	if s.Focus == nil || s.Focus.At != at {
		t.Fatalf("the summon was restamped: %+v, first at %d", s.Focus, at)
	}
	if !s.Voting.Hidden {
		t.Fatal("a vote opened without hidden is visible")
	}

	if seq, err = fac.Settings(ctx, map[string]any{"follow": map[string]any{"participant": fac.You().ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"follow": map[string]any{"participant": eva.You().ID}}); rejectCode(err) != "invalid" {
		t.Fatalf("following a participant: %v", err)
	}
	if err := fac.WriteRaw(ctx, map[string]any{"type": "presence", "selection": []string{}, "view": map[string]any{"x": 300, "y": -40, "zoom": 0.8}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, m := range rec.of("presence") {
			for _, p := range m.Peers {
				if p.Participant == fac.You().ID && p.View != nil && p.View.X == 300 && p.View.Zoom == 0.8 {
					return true
				}
			}
		}
		return false
	})
	if err := eva.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if f := eva.SettingsNow().Follow; f == nil || f.Participant != fac.You().ID {
		t.Fatalf("follow: %+v", f)
	}
	// A newcomer gets the followed view with the welcome's presence.
	var late recorder
	c, err := client.Dial(ctx, n.URL(), b.ID, join(t, n, b.JoinCode, "Leo", "official").Token, &client.Options{OnMessage: late.on})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Drop()
	waitFor(t, func() bool {
		for _, m := range late.of("presence") {
			for _, p := range m.Peers {
				if p.View != nil && p.View.X == 300 {
					return true
				}
			}
		}
		return false
	})
	// A bad view is a bad message.
	if err := eva.WriteRaw(ctx, map[string]any{"type": "presence", "view": map[string]any{"x": 0, "y": 0, "zoom": 0}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, m := range rec.of("error") {
			if m.Code == "bad_message" {
				return true
			}
		}
		return false
	})
}

func TestClearVotes(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	b := newBoard(t, n, "goal-workshop")
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	eva := dial(t, n, b.ID, join(t, n, b.JoinCode, "Eva", "manager").Token)
	g := goals(fac)[0]
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "kinds": []string{"goal"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eva.Vote(ctx, g, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eva.Settings(ctx, map[string]any{"voting": map[string]any{"clear": true}}); rejectCode(err) != "forbidden" {
		t.Fatalf("a participant cleared the votes: %v", err)
	}
	seq, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"clear": true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eva.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	// The votes message follows the settings message, with the same seq.
	deadline := time.Now().Add(10 * time.Second)
	for v := eva.VotesNow(); len(v.Tallies) != 0 || len(v.Mine) != 0; v = eva.VotesNow() {
		if time.Now().After(deadline) {
			t.Fatalf("votes after clearing: %+v", v)
		}
		time.Sleep(5 * time.Millisecond)
	}
	var got struct {
		Votes    board.VotesView `json:"votes"`
		Settings json.RawMessage `json:"settings"`
	}
	if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID, testKey, nil, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Votes.Tallies) != 0 {
		t.Fatalf("REST tallies after clearing: %+v", got.Votes)
	}
}
