package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLeaderFacilitatesFromTwoBrowsers: a process leader signs in with
// e-mail and password, lands on their municipality, opens a board as
// facilitator ("Öppna som processledare"); then, in a second, fresh browser
// (no cookies, no stored tokens), signs in again and facilitates the same
// board. Both are on the board as facilitators at once.
func TestLeaderFacilitatesFromTwoBrowsers(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	api := s.api
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "0780", "cluster": "Kronoberg"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "0880"}, nil); err != nil {
		t.Fatal(err)
	}
	var b struct{ ID string }
	if err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]string{"title": "Nulägesworkshop Växjö", "municipality": "0780", "template": "process-map"}, &b); err != nil {
		t.Fatal(err)
	}
	if err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]string{"title": "Kalmars workshop", "municipality": "0880"}, nil); err != nil {
		t.Fatal(err)
	}
	const email, password = "karin.berg@vaxjo.se", "ett långt lösenord för Växjö"
	if err := api.Do(ctx, "POST", "/api/accounts", api.Key, map[string]any{"email": email, "name": "Karin Berg", "role": "leader",
		"municipalities": []string{"0780"}, "password": password}, nil); err != nil {
		t.Fatal(err)
	}

	facilitate := func(name string) *browser {
		br := newBrowser(t, name, 1280, 720)
		br.navigate(s.URL() + "/")
		br.typeInto("E-postadress", email)
		br.typeInto("Lösenord", password)
		br.do("sign in", chromedp.Click(buttonByText("Logga in")))
		// Landed on Växjö, the only municipality of the account: its
		// boards are listed, Kalmar's are not.
		br.waitFor("Växjö's boards", `!!document.querySelector('[data-board="`+b.ID+`"]')`, 10*time.Second)
		if n := br.num(`document.querySelectorAll('[data-board]').length`); n != 1 {
			t.Fatalf("%s: %v boards listed, want Växjö's one", name, n)
		}
		if who := br.str(`document.querySelector('#signed-in-as').textContent`); who != "Inloggad som Karin Berg (processledare)." {
			t.Fatalf("%s: %q", name, who)
		}
		br.do("open as facilitator", chromedp.Click(buttonByText("Öppna som processledare")))
		br.waitFor("on the board", `location.pathname === '/b/`+b.ID+`'`, 10*time.Second)
		br.waitOnline()
		br.waitFor("as facilitator", `processkarta.client.me?.role === 'facilitator'`, 10*time.Second)
		br.waitFor("the facilitator's panel", `!!document.querySelector('#tab-facil')`, 5*time.Second)
		return br
	}
	first := facilitate("leader-desk")
	second := facilitate("leader-conference-room")
	for _, br := range []*browser{first, second} {
		br.waitFor("two facilitators online", `processkarta.client.participants.filter((p) => p.role === 'facilitator' && p.online).length === 2`, 10*time.Second)
	}
	if first.str(`processkarta.client.me.id`) == second.str(`processkarta.client.me.id`) {
		t.Fatal("the two browsers share one participant")
	}
	// The session is an HttpOnly cookie: the page's script cannot read it.
	if c := second.str(`document.cookie`); c != "" {
		t.Fatalf("document.cookie shows %q", c)
	}
}
