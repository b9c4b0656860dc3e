package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// TestAccountPagesScreenshots photographs the start page's sign-in and the
// admin page at 1280×720 and 375×667 (to docs/screenshots/ with
// PROCESSKARTA_SCREENSHOTS=1, else a temporary directory) and checks that
// the admin page lists the accounts and the audit log.
func TestAccountPagesScreenshots(t *testing.T) {
	dir := t.TempDir()
	if os.Getenv("PROCESSKARTA_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	api := s.api
	for _, a := range []map[string]any{
		{"email": "karin.berg@vaxjo.se", "name": "Karin Berg", "role": "leader", "municipalities": []string{"0780", "0764"}, "password": "ett långt lösenord för Växjö"},
		{"email": "samordnare@energikontoret.se", "name": "Sam Ordnare", "role": "coordinator", "cluster": "Kronoberg"},
	} {
		if err := api.Do(ctx, "POST", "/api/accounts", api.Key, a, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "0780", "cluster": "Kronoberg"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]string{"title": "Nulägesworkshop", "municipality": "0780"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ w, h int }{{1280, 720}, {375, 667}} {
		size := fmt.Sprintf("%dx%d", v.w, v.h)
		br := newBrowser(t, "camera-"+size, v.w, v.h)
		br.navigate(s.URL() + "/")
		br.waitFor("the sign-in form", `!document.querySelector('#login-form').hidden`, 10*time.Second)
		write(t, filepath.Join(dir, "signin-"+size+".png"), br.screenshot())
		br.eval(fmt.Sprintf(`localStorage.setItem('processkarta.organizerKey', %s)`, jsq(organizerKey)), nil)
		br.navigate(s.URL() + "/admin")
		br.waitFor("the admin page", `!document.querySelector('#admin').hidden && document.querySelectorAll('#acct-list tbody tr').length === 2 && document.querySelectorAll('#audit-list tbody tr').length === 3`, 10*time.Second)
		write(t, filepath.Join(dir, "admin-"+size+".png"), br.screenshot())
	}
}

func write(t *testing.T, file string, b []byte) {
	t.Helper()
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%d KB)", file, len(b)>>10)
}
