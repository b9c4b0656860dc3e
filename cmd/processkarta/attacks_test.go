package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// The attacks of issue 10, items 3, 4, 5 and 7, replayed from outside the
// process over HTTP and websockets as the tester's scripts did. Run with
// PROCESSKARTA_TEST_SERVER_BIN set to a build from before the fixes, each
// subtest fails (docs/security.md, "Fault tests").

// answer is what a raw HTTP request got back.
type answer struct {
	status        int
	code, message string
	body          string
}

// send makes one request with exactly the given content type, Origin,
// forwarded address and bearer (empty: none).
func send(t *testing.T, method, url, ctype, origin, xff, bearer, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(raw, &e)
	return answer{res.StatusCode, e.Error.Code, e.Error.Message, string(raw)}
}

func joinBody(code, name, position string) string {
	b, _ := json.Marshal(map[string]string{"code": code, "name": name, "administration": "Miljöförvaltningen", "position": position})
	return string(b)
}

// wrongCode is a well-formed join code that is not b's.
func wrongCode(code string) string {
	if code != "AAAAAA" {
		return "AAAAAA"
	}
	return "CCCCCC"
}

// Item 3: one address floods a board with joins; the facilitator closes
// joining and removes the fake people in one go.
func TestAttackJoinFlood(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	var fakes []string
	refused := 0
	for i := range 300 {
		a := send(t, "POST", s.base+"/api/join", "application/json", "", "", "", joinBody(b.JoinCode, fmt.Sprintf("Bot %d", i), "other"))
		switch a.status {
		case http.StatusCreated:
			var j client.Joined
			if err := json.Unmarshal([]byte(a.body), &j); err != nil {
				t.Fatal(err)
			}
			fakes = append(fakes, j.Participant.ID)
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("join %d: %d %s", i, a.status, a.body)
		}
	}
	t.Logf("300 joins from one address in a row: %d joined, %d refused", len(fakes), refused)
	if refused == 0 || len(fakes) > 120 {
		t.Fatalf("300 joins from one address: %d joined, none limited", len(fakes))
	}

	fac, err := client.Dial(ctx, s.base, b.ID, b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	if _, err := fac.Settings(ctx, map[string]any{"joinClosed": true}); err != nil {
		t.Fatalf("closing joining: %v", err)
	}
	// From another address (a trusted proxy is not configured, so the
	// limit above still applies to 127.0.0.1): what matters is the code.
	a := send(t, "POST", s.base+"/api/join", "application/json", "", "", "", joinBody(b.JoinCode, "Sen ankomst", "official"))
	if a.status != http.StatusForbidden || a.code != "joining_closed" {
		t.Fatalf("a join while closed: %d %s, want 403 joining_closed", a.status, a.body)
	}

	ids, _ := json.Marshal(map[string]any{"ids": fakes})
	a = send(t, "POST", s.base+"/api/boards/"+b.ID+"/participants/remove", "application/json", "", "", b.FacilitatorToken, string(ids))
	if a.status != http.StatusOK {
		t.Fatalf("removing the fakes at once: %d %s", a.status, a.body)
	}
	var st struct{ Participants []board.Participant }
	if err := s.api.Do(ctx, "GET", "/api/boards/"+b.ID, s.key, nil, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Participants) != 1 {
		t.Fatalf("after the bulk removal %d people are on the board, want the facilitator alone", len(st.Participants))
	}
}

// Item 4: a foreign page can neither join nor burn an office's budget of
// wrong codes.
func TestAttackCrossSiteJoin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	join := s.base + "/api/join"

	if a := send(t, "POST", join, "text/plain", "", "", "", joinBody(b.JoinCode, "Form", "official")); a.status != http.StatusUnsupportedMediaType {
		t.Fatalf("a text/plain join (a cross-site form): %d %s, want 415", a.status, a.body)
	}
	for range 35 {
		if a := send(t, "POST", join, "application/json", "https://evil.example", "10.1.1.1", "", joinBody(wrongCode(b.JoinCode), "X", "other")); a.status != http.StatusForbidden {
			t.Fatalf("a join from a foreign origin: %d %s, want 403", a.status, a.body)
		}
	}
	if a := send(t, "POST", join, "application/json", "", "10.1.1.1", "", joinBody(b.JoinCode, "Kollega", "official")); a.status != http.StatusCreated {
		t.Fatalf("the colleague after a foreign page's 35 tries: %d %s, want 201", a.status, a.body)
	}
}

// Item 4: behind a trusted proxy the forwarded address counts, so one
// client's wrong codes do not lock out another, and IPv6 is keyed by its
// /64.
func TestAttackBehindProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := serveChild(t, "-trusted-proxies 127.0.0.1/32")
	b := s.board(t, ctx)
	join := s.base + "/api/join"
	// burn sends wrong codes from the forwarded address xff until it is
	// limited, as a script would.
	burn := func(xff string) {
		t.Helper()
		for range 40 {
			if a := send(t, "POST", join, "application/json", "", xff, "", joinBody(wrongCode(b.JoinCode), "X", "other")); a.status == http.StatusTooManyRequests {
				return
			}
		}
		t.Fatalf("40 wrong codes from %s were never limited", xff)
	}
	burn("10.2.2.2")
	if a := send(t, "POST", join, "application/json", "", "10.3.3.3", "", joinBody(b.JoinCode, "Annan", "official")); a.status != http.StatusCreated {
		t.Fatalf("another client behind the same proxy: %d %s, want 201", a.status, a.body)
	}

	// IPv6: the whole /64 is one client.
	burn("2001:db8:0:5::1")
	if a := send(t, "POST", join, "application/json", "", "2001:db8:0:5::2", "", joinBody(wrongCode(b.JoinCode), "X", "other")); a.status != http.StatusTooManyRequests {
		t.Fatalf("the next address in the same /64: %d, want 429", a.status)
	}
	if a := send(t, "POST", join, "application/json", "", "2001:db8:0:6::1", "", joinBody(b.JoinCode, "Grannen", "official")); a.status != http.StatusCreated {
		t.Fatalf("another /64: %d %s, want 201", a.status, a.body)
	}
}

// Item 5: in an anonymous vote the one politician's dots cannot be read
// from the counts by position, by the facilitator while it is open or by
// anyone after.
func TestAttackAnonymousVoteReveals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	fac, err := client.Dial(ctx, s.base, b.ID, b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	goal := ""
	for _, o := range fac.Objects() {
		if o.Kind == board.KindGoal {
			goal = o.ID
			break
		}
	}
	if goal == "" {
		t.Fatal("the goal workshop has no goal")
	}
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"goal"}, "anonymous": true, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for i, pos := range []string{"politician", "official", "official", "official"} {
		j, err := s.api.Join(ctx, b.JoinCode, fmt.Sprintf("Röstare %d", i), "Kommunstyrelsen", pos)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, j.Token)
		c, err := client.Dial(ctx, s.base, b.ID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		seq, err := c.Vote(ctx, goal, 1)
		if err != nil {
			t.Fatalf("vote: %v", err)
		}
		if err := fac.WaitSeq(ctx, seq); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	check := func(who string, bp map[string]map[string]int) {
		t.Helper()
		if n, ok := bp[goal]["politician"]; ok {
			t.Fatalf("%s reads the lone politician's %d dot(s) from byPosition: %v", who, n, bp[goal])
		}
		if bp[goal]["official"] != 3 {
			t.Fatalf("%s: the three officials' dots are not counted: %v", who, bp[goal])
		}
	}
	check("the facilitator, while the vote is open", fac.VotesNow().ByPosition)
	seq, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fac.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	check("the facilitator, after the vote", fac.VotesNow().ByPosition)
	var st struct{ Votes board.VotesView }
	if err := s.api.Do(ctx, "GET", "/api/boards/"+b.ID, tokens[1], nil, &st); err != nil {
		t.Fatal(err)
	}
	check("an official over REST, after the vote", st.Votes.ByPosition)
}

// Item 7: the smaller holes, each from outside.
func TestAttackSmallerHoles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	fac, err := client.Dial(ctx, s.base, b.ID, b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()

	t.Run("the only facilitator cannot demote themself", func(t *testing.T) {
		me := fac.You().ID
		a := send(t, "PUT", s.base+"/api/boards/"+b.ID+"/participants/"+me, "application/json", "", "", b.FacilitatorToken, `{"role":"participant"}`)
		if a.status != http.StatusConflict {
			t.Fatalf("demoting the last facilitator: %d %s, want 409", a.status, a.body)
		}
	})
	t.Run("ids are canonical lower case", func(t *testing.T) {
		id := uuid.NewString()
		if _, err := fac.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"text": "a", "x": 0.0, "y": 0.0, "w": 100.0, "h": 60.0}}); err != nil {
			t.Fatal(err)
		}
		_, err := fac.Ops(ctx, board.Op{Op: "create", ID: strings.ToUpper(id), Kind: "note", Props: map[string]any{"text": "b", "x": 0.0, "y": 0.0, "w": 100.0, "h": 60.0}})
		if err == nil {
			n := 0
			for oid := range fac.Objects() {
				if strings.EqualFold(oid, id) {
					n++
				}
			}
			t.Fatalf("the same id in capitals was accepted (%d objects with that id now)", n)
		}
	})
	t.Run("control characters are named as such", func(t *testing.T) {
		_, err := fac.Ops(ctx, board.Op{Op: "create", ID: uuid.NewString(), Kind: "note", Props: map[string]any{"text": "a\x00b", "x": 0.0, "y": 0.0, "w": 100.0, "h": 60.0}})
		var ce *client.Error
		if !errorAs(err, &ce) {
			t.Fatalf("a NUL in a text: %v, want a reject", err)
		}
		if strings.Contains(ce.Message, "long") || !strings.Contains(ce.Message, "NUL") {
			t.Fatalf("a NUL in a text is explained as %q", ce.Message)
		}
	})
	t.Run("a JSON array body is explained without Go", func(t *testing.T) {
		a := send(t, "POST", s.base+"/api/join", "application/json", "", "", "", `["a","b"]`)
		if a.status != http.StatusBadRequest {
			t.Fatalf("an array body: %d %s, want 400", a.status, a.body)
		}
		for _, goWord := range []string{"Go value", "[]", "struct", "map[", "main.", "unmarshal"} {
			if strings.Contains(a.message, goWord) {
				t.Fatalf("the message speaks Go (%q): %s", goWord, a.message)
			}
		}
	})
	t.Run("a websocket from https for an http server is refused", func(t *testing.T) {
		host := strings.TrimPrefix(s.base, "http://")
		for _, origin := range []string{"https://" + host, "http://evil.example"} {
			ws, res, err := websocket.Dial(ctx, "ws://"+host+"/api/boards/"+b.ID+"/ws?token="+b.FacilitatorToken,
				&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
			if err == nil {
				ws.Close(websocket.StatusNormalClosure, "")
				t.Fatalf("a websocket with Origin %s was accepted", origin)
			}
			if res == nil || res.StatusCode != http.StatusForbidden {
				t.Fatalf("Origin %s: %v, want 403", origin, err)
			}
		}
	})
}
