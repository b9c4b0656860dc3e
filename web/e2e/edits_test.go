package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// editBoard makes a blank board with two steps; it returns the board, the
// steps' ids and a participant's token.
func editBoard(t *testing.T, s *testServer) (client.BoardCreated, [2]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	api := s.api
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "0780"}, nil); err != nil {
		t.Fatal(err)
	}
	var b client.BoardCreated
	if err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]any{"title": "Processkarta energi – Växjö", "municipality": "0780",
		"facilitator": map[string]string{"name": "Karin Berg", "administration": "Kommunledningskontoret", "position": "official"}}, &b); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, s.URL(), b.ID, b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ids := [2]string{uuid.NewString(), uuid.NewString()}
	if _, err := c.Ops(ctx,
		board.Op{Op: board.OpCreate, ID: ids[0], Kind: board.KindStep, Props: map[string]any{"x": 100.0, "y": 100.0, "w": 200.0, "h": 100.0, "text": "Ta fram energikartläggning"}},
		board.Op{Op: board.OpCreate, ID: ids[1], Kind: board.KindStep, Props: map[string]any{"x": 500.0, "y": 100.0, "w": 200.0, "h": 100.0, "text": "Beslut i nämnden"}},
	); err != nil {
		t.Fatal(err)
	}
	j, err := api.Join(ctx, b.JoinCode, "Per Ångström", "Fastighetskontoret", "politician")
	if err != nil {
		t.Fatal(err)
	}
	return b, ids, j.Token
}

// openAs opens the board in b with token, the panel closed.
func openAs(b *browser, s *testServer, boardID, token string) {
	b.t.Helper()
	b.navigate(s.URL() + "/join")
	b.eval(fmt.Sprintf(`localStorage.clear(); sessionStorage.clear(); localStorage.setItem(%s, %s); localStorage.setItem('processkarta.panel', '0')`,
		jsq("processkarta.token."+boardID), jsq(token)), nil)
	b.navigate(s.URL() + "/b/" + boardID)
	b.waitOnline()
	settle(b)
}

// serverText reads an object's text as the server has it.
func serverText(t *testing.T, s *testServer, boardID, id string) string {
	t.Helper()
	var snap struct{ Objects []map[string]any }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.api.Do(ctx, "GET", "/api/boards/"+boardID, s.api.Key, nil, &snap); err != nil {
		t.Fatal(err)
	}
	for _, o := range snap.Objects {
		if o["id"] == id {
			v, _ := o["text"].(string)
			return v
		}
	}
	return ""
}

// waitServerText waits until the server holds want as the object's text.
func waitServerText(t *testing.T, s *testServer, boardID, id, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := serverText(t, s, boardID, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTwoPeopleTypeIntoOneStep: Karin types into a step; Per, who wants
// to type there too, sees it taken and cannot start typing until he takes
// it over explicitly; Karin is told and what she typed is kept; when Per's
// text replaces hers she is told, and one undo brings hers back.
func TestTwoPeopleTypeIntoOneStep(t *testing.T) {
	s := startServer(t)
	bd, ids, perToken := editBoard(t, s)
	karin := newBrowser(t, "karin", 1280, 800)
	per := newBrowser(t, "per", 1280, 800)
	openAs(karin, s, bd.ID, bd.FacilitatorToken)
	openAs(per, s, bd.ID, perToken)
	step := sel(ids[0])

	karin.click(step)
	karin.press(kb.Enter)
	karin.waitFor("the editor open", `!document.querySelector('#editor').hidden && document.activeElement.id === 'editor'`, 3*time.Second)
	karin.press("a", chromedp.ModifierCtrl)
	karin.press("Karins text om lokalerna")

	per.waitFor("Karin shown as editing the step", `[...document.querySelectorAll('#canvas .edit-mark')].some((m) => m.textContent.includes('Karin Berg'))`, 5*time.Second)
	per.click(step)
	per.press(kb.Enter)
	per.waitFor("the step offered as taken", `[...document.querySelectorAll('dialog[open] h2')].some((h) => h.textContent === 'Texten är upptagen')`, 3*time.Second)
	if per.str(`String(document.querySelector('#editor').hidden)`) != "true" {
		t.Fatal("Per could start typing into a text Karin is editing")
	}
	if v := failingOnly(per.audit(axeSource(t))); len(v) > 0 {
		t.Errorf("accessibility with the taken dialog open: %+v", v)
	}
	per.do("take it over", chromedp.Click(buttonByText("Ta över")))
	per.waitFor("Per's editor open", `!document.querySelector('#editor').hidden && document.activeElement.id === 'editor'`, 3*time.Second)

	karin.waitFor("Karin told", `document.querySelector('#toast')?.textContent.includes('Per Ångström tog över texten')`, 5*time.Second)
	if karin.str(`String(document.querySelector('#editor').hidden)`) != "true" {
		t.Fatal("Karin's editor stayed open after the take-over")
	}
	waitServerText(t, s, bd.ID, ids[0], "Karins text om lokalerna")
	per.waitFor("Karin's saved text in Per's editor", `document.querySelector('#editor').value === 'Karins text om lokalerna'`, 5*time.Second)

	per.press("a", chromedp.ModifierCtrl)
	per.press("Pers text")
	per.press(kb.Enter)
	waitServerText(t, s, bd.ID, ids[0], "Pers text")

	karin.waitFor("Karin told her text was replaced", `document.querySelector('#toast')?.textContent.includes('Per Ångström skrev över din text ”Karins text om lokalerna”')`, 5*time.Second)
	karin.click(sel(ids[1]))
	karin.press("z", chromedp.ModifierCtrl)
	waitServerText(t, s, bd.ID, ids[0], "Karins text om lokalerna")
	per.waitFor("Per sees Karin's text back", labelHas(ids[0], "Karins text om lokalerna"), 5*time.Second)

	// The properties panel guards the text too: while Karin types on the
	// canvas, Per's click into the panel's text field is offered as taken
	// and the field does not take the focus.
	karin.click(step)
	karin.press(kb.Enter)
	karin.waitFor("the editor open again", `!document.querySelector('#editor').hidden && document.activeElement.id === 'editor'`, 3*time.Second)
	per.click(step)
	if per.str(`String(document.querySelector('#panel').hidden)`) == "true" {
		per.click("#btn-panel")
	}
	per.click("#tab-inspect")
	per.waitFor("the step's properties", `!!document.querySelector('#insp-text')`, 5*time.Second)
	per.waitFor("Karin shown as editing the step", `[...document.querySelectorAll('#canvas .edit-mark')].some((m) => m.textContent.includes('Karin Berg'))`, 5*time.Second)
	per.click("#insp-text")
	per.waitFor("the panel's field offered as taken", `[...document.querySelectorAll('dialog[open] h2')].some((h) => h.textContent === 'Texten är upptagen')`, 3*time.Second)
	if got := per.str(`document.activeElement.id`); got == "insp-text" {
		t.Fatal("Per could type into the panel's field of a text Karin is editing")
	}
}

// TestOfflineTenSeconds: Per's browser loses the network for 10 s while he
// edits. The header says "Återansluter…" with his edits waiting within 5 s
// and as long as the link is down; back online, the edit to a text Karin
// changed after his edit is offered to him instead of overwriting hers, and
// his other edit is stored.
func TestOfflineTenSeconds(t *testing.T) {
	s := startServer(t)
	bd, ids, perToken := editBoard(t, s)
	per := newBrowser(t, "per", 1280, 800)
	openAs(per, s, bd.ID, perToken)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	karin, err := client.Dial(ctx, s.URL(), bd.ID, bd.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer karin.Close()

	// The network goes down (DevTools' network emulation: every request and
	// the browser's own idea of being online). Emulation does not stop an
	// open websocket's frames, so the page notices by the browser's offline
	// event; a link that merely stops answering is the heartbeat's case
	// (web/test/realtime.test.mjs).
	setOffline := func(off bool) {
		per.do(fmt.Sprintf("network offline=%v", off), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
				MatchedNetworkConditions: []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
			}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
			return err
		}))
	}
	cut := time.Now()
	setOffline(true)
	took := per.waitFor("the header saying it reconnects", `document.querySelector('#conn-text').textContent.startsWith('Återansluter')`, 5*time.Second)
	t.Logf("the header said so after %v", took.Round(time.Millisecond))

	edit := func(id, text string) {
		per.click(sel(id))
		per.press(kb.Enter)
		per.waitFor("the editor open", `!document.querySelector('#editor').hidden && document.activeElement.id === 'editor'`, 3*time.Second)
		per.press("a", chromedp.ModifierCtrl)
		per.press(text)
		per.press(kb.Enter)
	}
	edit(ids[0], "Pers text skriven offline")
	edit(ids[1], "Beslut i kommunstyrelsen")
	per.waitFor("two edits waiting", `document.querySelector('#conn-text').textContent === 'Återansluter… · 2 ändringar väntar'`, 3*time.Second)
	// Karin changes the same text after Per did.
	if _, err := karin.Ops(ctx, board.Op{Op: board.OpUpdate, ID: ids[0], Props: map[string]any{"text": "Karins nyare text"}}); err != nil {
		t.Fatal(err)
	}
	for time.Since(cut) < 10*time.Second {
		if st := per.str(`document.querySelector('#conn-text').textContent`); !strings.HasPrefix(st, "Återansluter") {
			t.Fatalf("offline for %v, the header says %q", time.Since(cut).Round(time.Second), st)
		}
		time.Sleep(500 * time.Millisecond) // how long the network stays down, not a wait for a condition
	}
	setOffline(false)
	per.waitFor("the clash offered to Per", `[...document.querySelectorAll('dialog[open] h2')].some((h) => h.textContent === 'Din ändring krockar med en annans')`, 15*time.Second)
	dlg := per.str(`document.querySelector('dialog[open]').textContent`)
	if !strings.Contains(dlg, "Pers text skriven offline") || !strings.Contains(dlg, "Karins nyare text") || !strings.Contains(dlg, "Karin Berg") {
		t.Fatalf("the dialog does not show both texts and who: %q", dlg)
	}
	waitServerText(t, s, bd.ID, ids[1], "Beslut i kommunstyrelsen")
	if got := serverText(t, s, bd.ID, ids[0]); got != "Karins nyare text" {
		t.Fatalf("Karin's newer text was overwritten silently: %q", got)
	}
	if v := failingOnly(per.audit(axeSource(t))); len(v) > 0 {
		t.Errorf("accessibility with the clash dialog open: %+v", v)
	}
	per.do("keep Karin's", chromedp.Click(buttonByText("Behåll den andras")))
	per.waitFor("connected, nothing waiting", `document.querySelector('#conn-text').textContent === 'Ansluten'`, 10*time.Second)
	per.waitFor("Karin's text shown", labelHas(ids[0], "Karins nyare text"), 5*time.Second)
	if got := serverText(t, s, bd.ID, ids[0]); got != "Karins nyare text" {
		t.Fatalf("after keeping Karin's: %q", got)
	}
}
