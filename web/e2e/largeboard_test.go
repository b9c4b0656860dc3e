package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// TestLargeBoardPartialWelcome runs the browser on a board "larger" than
// the welcome lists (docs/protocol.md, "Large boards"; the limit is set to
// 3 so that 7 people make a large board):
//
//   - a participant's welcome lists only themselves and the facilitator;
//     the browser knows the board's count all the same;
//   - the names on the cursors and "X redigerar" marks of the others
//     (two Go clients and a second browser) come, asked for by id, and
//     nothing more is fetched;
//   - someone joining adds to the count;
//   - the participants panel says how many people there are while it
//     fetches everyone, then lists them all by name;
//   - a facilitator gets everyone in the welcome and asks for nobody.
func TestLargeBoardPartialWelcome(t *testing.T) {
	s := startServer(t, func(c *server.Config) { c.Limits.WelcomeRoster = 3 })
	w := newWorkshop(t, s, true) // Karin (facilitator), Anna and Erik connected, Lena, Omar
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	join := func(name, adm, pos string) *client.Joined {
		j, err := s.api.Join(ctx, w.JoinCode, name, adm, pos)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	// Fatima joins last: the room waits for her join before her welcome,
	// so its count has everyone (a join applied after it would come as a
	// delta, with its entry).
	lars := join("Lars Nilsson", "Kultur- och fritidsförvaltningen", "manager")
	fatima := join("Fatima Said", "Socialförvaltningen", "official")

	a := newBrowser(t, "Fatima", 1280, 720)
	b := newBrowser(t, "Lars", 1280, 720)
	openAs(a, s, w.BoardID, fatima.Token)
	var got struct {
		Partial bool
		Count   int
		Names   []string
	}
	a.eval(`(() => { const c = processkarta.client; return { partial: c.participantsPartial, count: c.participantCount, names: c.participants.map((p) => p.name) }; })()`, &got)
	if !got.Partial || got.Count != 7 || len(got.Names) != 2 {
		t.Fatalf("the participant's welcome: partial %v, count %d, names %v; want partial, 7, Fatima and Karin", got.Partial, got.Count, got.Names)
	}

	// The others' cursors and marks say who they are.
	cursorName := func(pid string) string {
		return fmt.Sprintf(`document.querySelector('#canvas .cursor[data-participant=%q]')?.textContent`, pid)
	}
	w.showPeers(t)
	a.waitFor("Anna and Erik named on their cursors", `[...document.querySelectorAll('#canvas .cursor')].map((c) => c.textContent).sort().join('|') === 'Anna Lindqvist|Erik Johansson'`, 5*time.Second)
	a.waitFor("Anna's edit named", `[...document.querySelectorAll('#canvas .edit-mark')].some((m) => m.textContent === 'Anna Lindqvist redigerar')`, 5*time.Second)

	openAs(b, s, w.BoardID, lars.Token)
	b.waitFor("the map drawn", fmt.Sprintf(`document.querySelectorAll('#canvas [data-id]').length === %d`, w.Objects), 10*time.Second)
	step := `#canvas [data-kind=step]`
	x, y := b.center(step)
	b.do("move the mouse over the map", chromedp.MouseEvent(chromedp.MouseMoved, x-60, y-60), chromedp.MouseEvent(chromedp.MouseMoved, x-40, y-50))
	a.waitFor("Lars named on his cursor", fmt.Sprintf(`%s === 'Lars Nilsson'`, cursorName(lars.Participant.ID)), 5*time.Second)
	peerSel := a.num(`document.querySelectorAll('#canvas .peer-sel').length`)
	b.click(step)
	a.waitFor("Lars's selection shown", fmt.Sprintf(`document.querySelectorAll('#canvas .peer-sel').length === %v`, peerSel+1), 5*time.Second)
	var names []string
	a.eval(`processkarta.client.participants.map((p) => p.name)`, &names)
	if len(names) != 5 {
		t.Errorf("Fatima's browser holds %v: want herself, Karin and the three it shows, nobody else", names)
	}

	// Someone joining counts.
	join("Maria Holm", "Barn- och utbildningsförvaltningen", "politician")
	a.waitFor("the count grown", `processkarta.client.participantCount === 8`, 5*time.Second)

	// The panel: the count while everyone is fetched (the request held back
	// here, to see that state), then everyone.
	a.eval(`(() => {
		const ws = processkarta.client.ws, send = ws.send;
		ws.send = (d) => { if (JSON.parse(d).all) window.heldAsk = () => send.call(ws, d); else send.call(ws, d); };
	})()`, nil)
	a.click("#btn-panel")
	a.click("#tab-people")
	a.waitFor("the count while fetching", `document.querySelector('#tabpanel-people .people-count')?.textContent === '8 deltagare · Hämtar alla…'`, 5*time.Second)
	a.waitFor("everyone asked for", `!!window.heldAsk`, 5*time.Second)
	shots := func(state string) {
		for _, v := range []viewport{{1920, 1080, false}, {375, 667, true}} {
			a.setViewport(v)
			if a.str(`String(document.querySelector('#panel').hidden)`) == "true" {
				a.click("#btn-panel")
			}
			settle(a)
			saveShot(t, a, fmt.Sprintf("largeboard-people-%s-%s", state, v))
		}
		a.setViewport(viewport{1280, 720, false})
	}
	shots("loading")
	a.eval(`window.heldAsk()`, nil)
	a.waitFor("everyone listed", `document.querySelectorAll('#tabpanel-people li.person').length === 8`, 5*time.Second)
	a.waitFor("the whole count", `document.querySelector('#tabpanel-people .people-count')?.textContent === '8 deltagare, 4 uppkopplade'`, 5*time.Second)
	a.eval(`[...document.querySelectorAll('#tabpanel-people .person-name')].map((e) => e.textContent).sort()`, &names)
	want := "[Anna Lindqvist Erik Johansson Fatima Said (du) Karin Berg Lars Nilsson Lena Ek Maria Holm Omar Haddad]"
	if fmt.Sprint(names) != want {
		t.Errorf("the panel lists %v, want %s", names, want)
	}
	if a.str(`String(processkarta.client.participantsPartial)`) != "false" {
		t.Error("the list is whole but the client still takes it for partial")
	}
	if v := failingOnly(a.audit(axeSource(t))); len(v) > 0 {
		t.Errorf("accessibility with the people panel: %+v", v)
	}
	shots("loaded")

	// A facilitator's welcome holds everyone; nothing is asked.
	openAs(b, s, w.BoardID, w.Facilitator)
	w.showPeers(t)
	b.waitFor("Anna and Erik named", fmt.Sprintf(`%s === 'Anna Lindqvist' && %s === 'Erik Johansson'`, cursorName(w.peers[0].You().ID), cursorName(w.peers[1].You().ID)), 5*time.Second)
	a.do("move the mouse over the map", chromedp.MouseEvent(chromedp.MouseMoved, 300, 300), chromedp.MouseEvent(chromedp.MouseMoved, 320, 310))
	b.waitFor("Fatima named", fmt.Sprintf(`%s === 'Fatima Said'`, cursorName(fatima.Participant.ID)), 5*time.Second)
	b.eval(`(() => { const c = processkarta.client; return { partial: c.participantsPartial || c.askedIds.size > 0, count: c.participantCount, names: c.participants.map((p) => p.name) }; })()`, &got)
	if got.Partial || got.Count != 8 || len(got.Names) != 8 {
		t.Errorf("the facilitator's browser: partial or asked %v, count %d, names %v; want everyone from the welcome", got.Partial, got.Count, got.Names)
	}
}
