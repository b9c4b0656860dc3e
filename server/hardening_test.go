package server_test

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// rawPost sends body as it is, with the given headers, and returns the
// status and the answer.
func rawPost(t *testing.T, url, body string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Issue 10, item 1: JSON does not escape <, > and & (REST and websocket).
func TestJSONKeepsMarkupOnTheWire(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	c := dial(t, n, b.ID, b.FacilitatorToken)
	if _, err := c.Ops(ctx, note("<<<&>>>", 0, 0)); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", n.URL()+"/api/boards/"+b.ID, nil)
	req.Header.Set("Authorization", "Bearer "+b.FacilitatorToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"text":"<<<&>>>"`) || strings.Contains(string(body), `\u003c`) {
		t.Fatalf("REST escapes markup: %.300s", body)
	}
	ws, _, err := websocket.Dial(ctx, strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+b.ID+"/ws?token="+b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_, welcome, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(welcome), `<<<&>>>`) || strings.Contains(string(welcome), `\u003c`) {
		t.Fatalf("welcome escapes markup: %.300s", welcome)
	}
}

// Issue 10, item 4: a foreign web page can neither post a form nor a
// text/plain body, and cannot use up the office's join attempts.
func TestStateChangesNeedJSONAndOwnOrigin(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	url := n.URL() + "/api/join"
	body := `{"code":"AAAAAA","name":"X","administration":"","position":"other"}`
	for range 35 {
		if st, out := rawPost(t, url, body, map[string]string{"Content-Type": "text/plain"}); st != 415 || !strings.Contains(out, "unsupported_media_type") {
			t.Fatalf("text/plain join: %d %s", st, out)
		}
	}
	if st, out := rawPost(t, url, "code=AAAAAA", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); st != 415 {
		t.Fatalf("form join: %d %s", st, out)
	}
	if st, out := rawPost(t, url, body, map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}); st != 403 {
		t.Fatalf("foreign origin: %d %s", st, out)
	}
	// The colleague with the right code is not locked out.
	good := `{"code":"` + b.JoinCode + `","name":"Kollega","administration":"","position":"official"}`
	if st, out := rawPost(t, url, good, map[string]string{"Content-Type": "application/json; charset=utf-8", "Origin": n.URL()}); st != 201 {
		t.Fatalf("right code after the attack: %d %s", st, out)
	}
	// Same host, other scheme: not the server's origin.
	if st, _ := rawPost(t, url, good, map[string]string{"Content-Type": "application/json", "Origin": strings.Replace(n.URL(), "http:", "https:", 1)}); st != 403 {
		t.Fatalf("https origin on an http server: %d", st)
	}
}

// Issue 10, item 7: a websocket Origin must match scheme and host of the
// public URL; a forged Host does not help.
func TestWebsocketOriginComparesSchemeAndHost(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{PublicURL: "http://karta.example"})
	b := newBoard(t, n, "blank")
	for _, o := range []string{"https://karta.example", "http://evil.example", "http://karta.example.evil.example"} {
		err := dialErr(t, n, b.ID, b.FacilitatorToken, &client.Options{Origin: o})
		if err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("origin %s: %v", o, err)
		}
	}
	// A forged Host equal to the foreign origin's host does not pass.
	ctx := ctxT(t)
	hc := &http.Client{Transport: hostRewriter{"evil.example"}}
	_, _, err := websocket.Dial(ctx, strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+b.ID+"/ws?token="+b.FacilitatorToken,
		&websocket.DialOptions{HTTPClient: hc, HTTPHeader: http.Header{"Origin": {"http://evil.example"}}})
	if err == nil {
		t.Fatal("an Origin matching a forged Host passed")
	}
	if _, err := client.Dial(ctx, n.URL(), b.ID, b.FacilitatorToken, &client.Options{Origin: "http://karta.example"}); err != nil {
		t.Fatalf("the public origin: %v", err)
	}
}

type hostRewriter struct{ host string }

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return http.DefaultTransport.RoundTrip(r)
}

// joinAs joins from the address addr, given to the server by a trusted
// proxy's X-Forwarded-For.
func joinAs(t *testing.T, n *node, code, name, addr string) (int, string) {
	t.Helper()
	body := `{"code":"` + code + `","name":"` + name + `","administration":"","position":"official"}`
	return rawPost(t, n.URL()+"/api/join", body, map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9, " + addr})
}

// Issue 10, item 3 and 4: joins are limited per address (IPv6 by /64,
// behind trusted proxies) and per board, generously enough for a room of
// 60; the facilitator closes joining and removes many at once.
func TestJoinFloodIsBoundedAndUndone(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Caps: server.Caps{JoinsPerBoard: 200}})
	b := newBoard(t, n, "blank")
	// A room of 60 people behind one address joins within a minute.
	for i := range 60 {
		if st, out := joinAs(t, n, b.JoinCode, "Person", "198.51.100.7"); st != 201 {
			t.Fatalf("join %d of a room of 60: %d %s", i, st, out)
		}
	}
	// A flood from that address stops (the budget refills at one a
	// second); another address still gets in.
	floodUntil429 := func(addr func(i int) string) int {
		t.Helper()
		for i := range 30 {
			st, out := joinAs(t, n, b.JoinCode, "Fejk", addr(i))
			if st == 429 {
				return i
			}
			if st != 201 {
				t.Fatalf("flood join: %d %s", st, out)
			}
		}
		t.Fatal("a flood from one address was never refused")
		return 0
	}
	floodUntil429(func(int) string { return "198.51.100.7" })
	if st, _ := joinAs(t, n, b.JoinCode, "Riktig", "198.51.100.8"); st != 201 {
		t.Fatalf("another address: %d", st)
	}
	// IPv6 addresses in one /64 share one budget: a new address in it is
	// no new budget.
	for i := range 60 {
		if st, out := joinAs(t, n, b.JoinCode, "V6", "2001:db8:1:1::"+itoa(i+1)); st != 201 {
			t.Fatalf("v6 join %d: %d %s", i, st, out)
		}
	}
	floodUntil429(func(i int) string { return "2001:db8:1:1:ffff::" + itoa(i+1) })
	if st, _ := joinAs(t, n, b.JoinCode, "V6", "2001:db8:1:2::1"); st != 201 {
		t.Fatalf("the next /64: %d", st)
	}
	// The board as a whole takes at most 200 (here) in a burst.
	refused := 0
	for i := range 100 {
		if st, _ := joinAs(t, n, b.JoinCode, "Fejk", "192.0.2."+itoa(i)); st == 429 {
			refused++
		}
	}
	if refused == 0 {
		t.Fatal("no board-wide join limit")
	}

	// The facilitator closes joining: a clear error.
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	if _, err := fac.Settings(ctx, map[string]any{"joinClosed": true}); err != nil {
		t.Fatal(err)
	}
	st, out := joinAs(t, n, b.JoinCode, "Sen", "192.0.2.200")
	if st != 403 || !strings.Contains(out, "joining_closed") {
		t.Fatalf("join while closed: %d %s", st, out)
	}
	// And removes the fakes in one go: their tokens stop working.
	var ids []string
	for _, p := range fac.ParticipantsNow() {
		if p.Role != "facilitator" {
			ids = append(ids, p.ID)
		}
	}
	var res struct{ Removed []string }
	if err := n.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/participants/remove", b.FacilitatorToken, map[string]any{"ids": ids}, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != len(ids) || len(ids) < 100 {
		t.Fatalf("removed %d of %d", len(res.Removed), len(ids))
	}
	waitFor(t, func() bool { return len(fac.ParticipantsNow()) == 1 })
}

func itoa(i int) string {
	const d = "0123456789"
	if i < 10 {
		return d[i : i+1]
	}
	return itoa(i/10) + d[i%10:i%10+1]
}

// Issue 10, item 2: one token holds at most four sockets; the board's cap
// never refuses a facilitator.
func TestSocketsPerTokenAndFacilitatorAlwaysIn(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{ConnsPerBoard: 6})
	b := newBoard(t, n, "blank")
	j := join(t, n, b.JoinCode, "Många flikar", "official")
	for range 4 {
		dial(t, n, b.ID, j.Token)
	}
	for range 5 {
		if e, ok := dialErr(t, n, b.ID, j.Token, nil).(*client.Error); !ok || e.Code != "closed_4429" {
			t.Fatalf("fifth socket of a token: %v", e)
		}
	}
	other := join(t, n, b.JoinCode, "Annan", "manager")
	dial(t, n, b.ID, other.Token)
	dial(t, n, b.ID, b.FacilitatorToken)
	// The board is full now (6); a participant waits, the facilitator not.
	third := join(t, n, b.JoinCode, "Tredje", "other")
	if e, ok := dialErr(t, n, b.ID, third.Token, nil).(*client.Error); !ok || e.Code != "closed_4403" {
		t.Fatalf("over the board's cap: %v", e)
	}
	dial(t, n, b.ID, b.FacilitatorToken)
}

// Issue 10, item 5: anonymous votes show no count by position made of
// fewer than three voters, in REST and websocket, to facilitators too.
func TestAnonymousVoteHidesSmallGroups(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "goal-workshop")
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	goal := board.Op{Op: "create", ID: id(), Kind: "goal", Props: map[string]any{"title": "Fossilfritt 2030"}}
	if _, err := fac.Ops(ctx, goal); err != nil {
		t.Fatal(err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"goal"}, "anonymous": true, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	pol := dial(t, n, b.ID, join(t, n, b.JoinCode, "Politiker", "politician").Token)
	if _, err := pol.Vote(ctx, goal.ID, 1); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		off := dial(t, n, b.ID, join(t, n, b.JoinCode, "Tjänsteperson", "official").Token)
		if _, err := off.Vote(ctx, goal.ID, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := fac.WaitSeq(ctx, pol.Seq()); err != nil {
		t.Fatal(err)
	}
	check := func(v board.VotesView, who string) {
		t.Helper()
		if v.Voters != nil {
			t.Fatalf("%s: voters given in an anonymous vote", who)
		}
		if _, ok := v.ByPosition[goal.ID]["politician"]; ok {
			t.Fatalf("%s sees the lone politician's dots: %v", who, v.ByPosition)
		}
	}
	waitFor(t, func() bool { return fac.VotesNow().Tallies[goal.ID] == 4 })
	check(fac.VotesNow(), "facilitator (websocket)")
	if got := fac.VotesNow().ByPosition[goal.ID]["official"]; got != 3 {
		t.Fatalf("officials' count %d, want 3", got)
	}
	var snap struct{ Votes board.VotesView }
	if err := n.api.Do(ctx, "GET", "/api/boards/"+b.ID, b.FacilitatorToken, nil, &snap); err != nil {
		t.Fatal(err)
	}
	check(snap.Votes, "facilitator (REST)")
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !pol.VotesNow().Open })
	check(pol.VotesNow(), "participant after closing")
}

// Issue 10, item 7: messages say what is wrong in plain words; ids differing
// only in case are refused; exports are capped per board.
func TestPlainMessagesAndCanonicalIDs(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	for _, body := range []string{`[1,2]`, `"text"`, `{"code":5}`} {
		st, out := rawPost(t, n.URL()+"/api/join", body, map[string]string{"Content-Type": "application/json"})
		if st != 400 || strings.Contains(out, "struct") || strings.Contains(out, "string") || strings.Contains(out, "Go ") {
			t.Fatalf("body %s: %d %s", body, st, out)
		}
	}
	_, err := n.api.Join(ctx, b.JoinCode, "An\rna", "", "official")
	if e, ok := err.(*client.APIError); !ok || !strings.Contains(e.Message, "carriage return") {
		t.Fatalf("CR in a name: %v", err)
	}
	c := dial(t, n, b.ID, b.FacilitatorToken)
	op := note("a", 0, 0)
	if _, err := c.Ops(ctx, op); err != nil {
		t.Fatal(err)
	}
	dup := op
	dup.ID = strings.ToUpper(op.ID)
	if _, err := c.Ops(ctx, dup); err == nil {
		t.Fatal("an id in upper case made a second object")
	}
	if _, err := c.Ops(ctx, board.Op{Op: "update", ID: op.ID, Props: map[string]any{"text": "a\x00b"}}); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("NUL in text: %v", err)
	}
}

func TestExportsAreRateLimitedPerBoard(t *testing.T) {
	n := startNodeConfig(t, openBolt(t), server.Config{Caps: server.Caps{ExportsPerMinute: 2}})
	b := newBoard(t, n, "blank")
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	for i := range 2 {
		if err := n.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, nil); err != nil {
			t.Fatalf("export %d: %v", i, err)
		}
	}
	apiErr(t, n.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, nil), 429, "rate_limited")
}
