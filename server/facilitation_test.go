package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

func rejectCode(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err == nil {
		return "accepted"
	}
	return err.Error()
}

func goals(c *client.Client) []string {
	var out []string
	for id, o := range c.Objects() {
		if o.Kind == board.KindGoal {
			out = append(out, id)
		}
	}
	return out
}

// recorder keeps every message a client receives.
type recorder struct {
	mu   sync.Mutex
	msgs []client.Message
	raw  [][]byte
}

// of returns the messages of one type received so far.
func (r *recorder) of(typ string) []client.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []client.Message
	for _, m := range r.msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// dialRecorded dials like dial, keeping every message the client gets in
// rec.
func dialRecorded(t testing.TB, n *node, boardID, token string, rec *recorder) *client.Client {
	t.Helper()
	c, err := client.Dial(ctxT(t), n.URL(), boardID, token, &client.Options{OnMessage: rec.on})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Drop() })
	return c
}

func (r *recorder) on(m *client.Message) {
	b, _ := json.Marshal(m)
	r.mu.Lock()
	r.msgs = append(r.msgs, *m)
	r.raw = append(r.raw, b)
	r.mu.Unlock()
}

func TestFacilitationRulesFromParticipantSide(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "goal-workshop")
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	ja := join(t, n, b.JoinCode, "Anna", "official")
	jb := join(t, n, b.JoinCode, "Bertil", "politician")
	var rec recorder
	anna := dialRecorded(t, n, b.ID, ja.Token, &rec)
	bertil := dial(t, n, b.ID, jb.Token)
	gs := goals(fac)
	if len(gs) != 6 {
		t.Fatalf("goal-workshop has %d goals", len(gs))
	}

	// Participants cannot steer.
	if _, err := anna.Settings(ctx, map[string]any{"locked": true}); rejectCode(err) != "forbidden" {
		t.Fatalf("participant changed settings: %v", err)
	}
	// No vote while closed.
	if _, err := anna.Vote(ctx, gs[0], 1); rejectCode(err) != "voting_closed" {
		t.Fatalf("vote while closed: %v", err)
	}
	// Open a hidden 3-dot vote on goals.
	if _, err := fac.Settings(ctx, map[string]any{"phase": "Rösta", "voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"goal"}, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := anna.Vote(ctx, gs[0], 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := anna.Vote(ctx, gs[1], 1); rejectCode(err) != "no_dots_left" {
		t.Fatalf("fourth dot: %v", err)
	}
	if _, err := bertil.Vote(ctx, gs[1], 1); err != nil {
		t.Fatal(err)
	}
	if _, err := bertil.Vote(ctx, gs[2], -1); rejectCode(err) != "invalid" {
		t.Fatalf("unvote without a dot: %v", err)
	}
	// Notes cannot be voted on in a goal vote.
	frame := ""
	for id, o := range fac.Objects() {
		if o.Kind == board.KindFrame {
			frame = id
		}
	}
	if _, err := bertil.Vote(ctx, frame, 1); rejectCode(err) != "invalid" {
		t.Fatalf("vote on a frame: %v", err)
	}
	seq, err := bertil.Vote(ctx, gs[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := anna.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	// While hidden: Anna sees her own dots and no tally, anywhere.
	v := anna.VotesNow()
	if v.Tallies != nil || v.ByPosition != nil || v.Mine[gs[0]] != 3 || v.DotsLeft != 0 || len(v.Mine) != 1 {
		t.Fatalf("participant's view while hidden: %+v", v)
	}
	var snap struct{ Votes board.VotesView }
	if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID, ja.Token, nil, &snap); err != nil || snap.Votes.Tallies != nil {
		t.Fatalf("REST leaks a hidden tally: %+v %v", snap.Votes, err)
	}
	fv := fac.VotesNow()
	if fv.Tallies[gs[0]] != 3 || fv.Tallies[gs[1]] != 2 || fv.ByPosition[gs[1]]["politician"] != 2 || fv.Voters == nil || *fv.Voters != 2 || len(fv.Mine) != 0 {
		t.Fatalf("facilitator's view: %+v", fv)
	}
	// Locked: no votes, no edits by participants.
	if _, err := fac.Settings(ctx, map[string]any{"locked": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := bertil.Vote(ctx, gs[2], -1); rejectCode(err) != "locked" {
		t.Fatalf("vote while locked: %v", err)
	}
	if _, err := bertil.Ops(ctx, note("x", 1, 1)); rejectCode(err) != "locked" {
		t.Fatalf("edit while locked: %v", err)
	}
	if _, err := fac.Ops(ctx, note("facilitator may", 1, 1)); err != nil {
		t.Fatalf("facilitator edit while locked: %v", err)
	}
	// Closing reveals the tallies to everyone.
	seq, err = fac.Settings(ctx, map[string]any{"locked": false, "voting": map[string]any{"open": false}})
	if err != nil {
		t.Fatal(err)
	}
	if err := anna.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	// The votes message that reveals the tallies comes right after the
	// settings message, with the same seq.
	revealedView := func(v board.VotesView) bool {
		return v.Tallies[gs[0]] == 3 && v.Tallies[gs[1]] == 2 && v.ByPosition[gs[0]]["official"] == 3 && v.Voters == nil
	}
	deadline := time.Now().Add(10 * time.Second)
	for !revealedView(anna.VotesNow()) {
		if time.Now().After(deadline) {
			t.Fatalf("revealed view: %+v", anna.VotesNow())
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Nothing Anna received while the vote was open said what others
	// voted: no tally, and no dot but her own.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	revealed := false
	for i, m := range rec.msgs {
		if m.Type == "settings" && m.Settings != nil && !m.Settings.Voting.Open && m.Seq >= seq {
			revealed = true
		}
		if m.Votes != nil {
			if !revealed && m.Votes.Open && (m.Votes.Tallies != nil || m.Votes.ByPosition != nil || m.Votes.Voters != nil) {
				t.Fatalf("message %d leaks the hidden tally: %s", i, rec.raw[i])
			}
			for target := range m.Votes.Mine {
				if target != gs[0] {
					t.Fatalf("message %d shows a dot that is not Anna's: %s", i, rec.raw[i])
				}
			}
		}
	}
}

func TestVotingConcurrentBudgets(t *testing.T) {
	n := boltNode(t)
	testVotingConcurrent(t, []*node{n})
}

// testVotingConcurrent has 50 participants spread over the nodes each try
// five dots at once against a budget of three.
func testVotingConcurrent(t *testing.T, nodes []*node) {
	b := newBoard(t, nodes[0], "goal-workshop")
	ctx := ctxT(t)
	fac := dial(t, nodes[0], b.ID, b.FacilitatorToken)
	gs := goals(fac)
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"goal"}, "anonymous": true}}); err != nil {
		t.Fatal(err)
	}
	const people = 50
	var voters []*client.Client
	for i := range people {
		n := nodes[i%len(nodes)]
		j := join(t, n, b.JoinCode, fmt.Sprintf("Röstare %d", i), board.Positions[i%4])
		voters = append(voters, dial(t, n, b.ID, j.Token))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, noDots := 0, 0
	want := map[string]int{}
	for i, c := range voters {
		for k := range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				target := gs[(i+k)%len(gs)]
				_, err := c.Vote(ctx, target, 1)
				mu.Lock()
				defer mu.Unlock()
				switch rejectCode(err) {
				case "accepted":
					accepted++
					want[target]++
				case "no_dots_left":
					noDots++
				default:
					t.Errorf("vote: %v", err)
				}
			}()
		}
	}
	wg.Wait()
	if accepted != 3*people || noDots != 2*people {
		t.Fatalf("accepted %d, refused %d; want %d and %d", accepted, noDots, 3*people, 2*people)
	}
	var snap struct{ Votes board.VotesView }
	if err := nodes[len(nodes)-1].api.Do(ctx, "GET", "/api/boards/"+b.ID, testKey, nil, &snap); err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if snap.Votes.Tallies[g] != want[g] {
			t.Fatalf("tally of %s: %d, want %d", g, snap.Votes.Tallies[g], want[g])
		}
	}
	for _, c := range voters {
		if v := c.VotesNow(); v.DotsLeft < 0 || len(v.Mine) > 3 {
			t.Fatalf("budget exceeded: %+v", v)
		}
	}
}

func TestTimerFocusAndRoles(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "process-map")
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	j := join(t, n, b.JoinCode, "Eva", "manager")
	eva := dial(t, n, b.ID, j.Token)
	before := time.Now().UnixMilli()
	seq, err := fac.Settings(ctx, map[string]any{"timer": map[string]any{"seconds": 300, "start": true}, "focus": map[string]any{"x": 100, "y": 200, "zoom": 1.5}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eva.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	s := eva.SettingsNow()
	if s.Timer.EndsAt == nil || *s.Timer.EndsAt < before+300_000 || *s.Timer.EndsAt > time.Now().UnixMilli()+300_000 || s.Timer.Start {
		t.Fatalf("timer: %+v", s.Timer)
	}
	if s.Focus == nil || s.Focus.X != 100 || s.Focus.Zoom != 1.5 || s.Focus.At < before {
		t.Fatalf("focus: %+v", s.Focus)
	}
	if _, err := fac.Settings(ctx, map[string]any{"phase": "Hinder"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"phase": "Rösta"}); rejectCode(err) != "invalid" {
		t.Fatalf("phase of another template: %v", err)
	}
	// A co-facilitator may steer; an observer may not edit.
	if err := n.api.Do(ctx, "PUT", "/api/boards/"+b.ID+"/participants/"+j.Participant.ID, b.FacilitatorToken, map[string]string{"role": "facilitator"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := eva.Settings(ctx, map[string]any{"phase": "Prioritera"})
		return err == nil
	})
	if err := n.api.Do(ctx, "PUT", "/api/boards/"+b.ID+"/participants/"+j.Participant.ID, b.FacilitatorToken, map[string]string{"role": "observer"}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, err := eva.Ops(ctx, note("x", 1, 1))
		return rejectCode(err) == "forbidden"
	})
}
