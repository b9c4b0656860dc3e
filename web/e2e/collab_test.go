package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/processkarta/processkarta/server/client"
)

// realtimeLimit is how soon another person must see a change.
const realtimeLimit = time.Second

// TestTwoPeopleEditOneBoard has two people, each in their own Chromium,
// join one board through the join page and work on it together:
//
//   - A adds a lane (toolbar), a step (keyboard S), a note (toolbar, moved
//     with Shift+arrow keys) and an arrow (click, Shift+click, K), and edits
//     each one's text in place; B sees every change within a second;
//   - A edits the step's text again; then B drags the step with the mouse
//     and A sees it within a second;
//   - A undoes with Ctrl+Z: only A's text change is reverted, B's later move
//     stays, on both screens;
//   - the server is restarted on the same port and data; both browsers show
//     that they are offline and reconnect by themselves, and the text A edited
//     while the server was down reaches B;
//   - A's network drops; A edits while the facilitator locks the board
//     through the Go client; when A is back, the server rejects A's change,
//     A's screen rolls it back and tells A why, and B never sees it.
func TestTwoPeopleEditOneBoard(t *testing.T) {
	start := time.Now()
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	bd, err := s.api.CreateBoard(ctx, "Energi- och klimatstrategi – processkarta", "1480", "blank")
	if err != nil {
		t.Fatal(err)
	}

	a := newBrowser(t, "A", 1280, 720)
	b := newBrowser(t, "B", 1280, 720)
	a.joinByForm(s.URL(), bd.JoinCode, "Anna Lindqvist", "Miljöförvaltningen", "Tjänsteperson")
	b.joinByForm(s.URL(), bd.JoinCode, "Erik Johansson", "Tekniska förvaltningen", "Chef")
	t.Logf("both joined after %v", time.Since(start).Round(time.Millisecond))

	// seen waits until cond holds in who's page and fails the test unless that
	// happened within realtimeLimit of t0 (when the other person acted).
	seen := func(who *browser, what, cond string, t0 time.Time) {
		t.Helper()
		_, ok := who.poll(cond, realtimeLimit+3*time.Second)
		d := time.Since(t0)
		switch {
		case !ok:
			t.Fatalf("%s never saw %s (waited %v)", who.name, what, d.Round(time.Millisecond))
		case d > realtimeLimit:
			t.Errorf("%s saw %s after %v, want < %v", who.name, what, d.Round(time.Millisecond), realtimeLimit)
		default:
			t.Logf("%s saw %s after %v", who.name, what, d.Round(time.Millisecond))
		}
	}
	// edit types text into the in-place editor, which must be open, and
	// commits it with Enter; it returns when Enter was sent.
	edit := func(who *browser, text string) time.Time {
		t.Helper()
		who.waitFor("the in-place editor", `!document.querySelector('#editor').hidden && document.activeElement === document.querySelector('#editor')`, 5*time.Second)
		who.do("type "+text, typeKeys(text))
		t0 := time.Now()
		who.press(kb.Enter)
		return t0
	}

	// --- A adds a lane with the toolbar and names it.
	t0 := time.Now()
	a.click(`#toolbar [data-tool="lane"]`)
	lane := selectedID(a, "lane")
	seen(b, "the new lane", exists(lane), t0)
	t0 = edit(a, "Miljöförvaltningen")
	seen(b, "the lane's title", labelHas(lane, "Miljöförvaltningen"), t0)

	// --- A adds a step with the keyboard (S) and writes its text.
	t0 = time.Now()
	a.press("s")
	step := selectedID(a, "step")
	seen(b, "the new step", exists(step), t0)
	stepText := "Ta fram energikartläggning"
	t0 = edit(a, stepText)
	seen(b, "the step's text", labelHas(step, stepText), t0)

	// --- A adds a note with the toolbar, writes on it and moves it right
	// with Shift+ArrowRight so that it does not cover the step.
	t0 = time.Now()
	a.click(`#toolbar [data-tool="note"]`)
	note := selectedID(a, "note")
	seen(b, "the new note", exists(note), t0)
	noteText := "Hinder: ingen budget för mätare"
	t0 = edit(a, noteText)
	seen(b, "the note's text", labelHas(note, noteText), t0)
	a.waitFor("focus back on the note", fmt.Sprintf(`document.activeElement?.dataset?.id === %s`, jsq(note)), 2*time.Second)
	x0 := a.num(objProp(note, "x"))
	for i := 0; i < 4; i++ {
		a.press(kb.ArrowRight, chromedp.ModifierShift)
	}
	t0 = time.Now()
	a.press(kb.ArrowRight, chromedp.ModifierShift)
	seen(b, "the note moved 250 px right", fmt.Sprintf(`(%s) === %v`, screenX(note), x0+250), t0)

	// --- A draws an arrow from the step to the note: click the step,
	// Shift+click the note, press K; then double-clicks the arrow to label it.
	a.click(sel(step))
	a.click(sel(note), chromedp.ButtonModifiers(chromedp.ModifierShift))
	a.waitFor("step and note selected", fmt.Sprintf(`processkarta.editor.selection.size === 2 && processkarta.editor.selection.has(%s)`, jsq(step)), 2*time.Second)
	t0 = time.Now()
	a.press("k")
	var link string
	a.waitFor("an arrow", `[...processkarta.client.objects.values()].some((o) => o.kind === 'link')`, 2*time.Second)
	a.eval(`[...processkarta.client.objects.values()].find((o) => o.kind === 'link').id`, &link)
	if from, to := a.str(objProp(link, "from")), a.str(objProp(link, "to")); from != step || to != note {
		t.Fatalf("arrow goes %s → %s, want step %s → note %s", from, to, step, note)
	}
	seen(b, "the arrow", exists(link), t0)
	a.doubleClick(sel(link))
	t0 = edit(a, "underlag")
	seen(b, "the arrow's label", labelHas(link, "(underlag)"), t0)

	// --- A changes the step's text again (keyboard: select, Enter, type).
	a.click(sel(step))
	a.press(kb.Enter)
	t0 = edit(a, "Beställ energikartläggning")
	seen(b, "A's second text on the step", labelHas(step, "Beställ energikartläggning"), t0)

	// --- Then B drags the step down with the mouse; A sees it move.
	bx, by := b.center(sel(step))
	before := b.str(screenPos(step))
	t0 = b.drag(bx, by, bx+10, by+120)
	want := fmt.Sprintf("`translate(${%s},${%s})`", objProp(step, "x"), objProp(step, "y"))
	b.waitFor("B's move committed and drawn", fmt.Sprintf(`(%s) !== %s && (%s) === %s`, screenPos(step), jsq(before), screenPos(step), want), 2*time.Second)
	moved := b.str(screenPos(step))
	seen(a, "B's move of the step", fmt.Sprintf(`(%s) === %s`, screenPos(step), jsq(moved)), t0)
	t.Logf("B moved the step from %s to %s", before, moved)

	// --- A undoes (Ctrl+Z; the focus stayed on the step through B's move):
	// A's text change is reverted, the position B gave the step since stays.
	a.waitFor("focus still on the step", fmt.Sprintf(`document.activeElement?.dataset?.id === %s`, jsq(step)), 2*time.Second)
	t0 = time.Now()
	a.press("z", chromedp.ModifierCtrl)
	seen(a, "the undone text", labelHas(step, stepText), t0)
	seen(b, "A's undo", labelHas(step, stepText), t0)
	for _, who := range []*browser{a, b} {
		if got := who.str(screenPos(step)); got != moved {
			t.Errorf("%s: after A's undo the step is at %s, want B's position %s kept", who.name, got, moved)
		}
		if got := who.str(objLabel(note)); !strings.Contains(got, noteText) {
			t.Errorf("%s: A's undo changed the note too: %q", who.name, got)
		}
	}

	// --- The server restarts (same port, same data). Both browsers notice,
	// A edits the note meanwhile, and both reconnect by themselves.
	s.stop()
	stopped := time.Now()
	for _, who := range []*browser{a, b} {
		who.waitFor("offline shown", `['offline', 'connecting'].includes(document.querySelector('#conn').dataset.state)`, 5*time.Second)
	}
	a.click(sel(note))
	a.press(kb.Enter)
	offlineText := "Hinder: ingen budget för mätare – fråga kommunstyrelsen"
	edit(a, offlineText)
	a.waitFor("the pending change shown", `document.querySelector('#conn-text').textContent.includes('1 ändring väntar')`, 2*time.Second)
	a.waitFor("the offline edit shown at once", labelHas(note, offlineText), 500*time.Millisecond)
	time.Sleep(500 * time.Millisecond) // a short outage, as a restart is
	s.start()
	restarted := time.Now()
	for _, who := range []*browser{a, b} {
		who.waitFor("reconnected after the restart", `document.querySelector('#conn').dataset.state === 'online'`, 20*time.Second)
		t.Logf("%s back online %v after the restart (server was down %v)", who.name, time.Since(restarted).Round(time.Millisecond), restarted.Sub(stopped).Round(time.Millisecond))
	}
	b.waitFor("A's offline edit", labelHas(note, offlineText), 5*time.Second)
	if got := b.str(screenPos(step)); got != moved {
		t.Errorf("B: after the restart the step is at %s, want %s", got, moved)
	}

	// --- A's network drops. A edits the step; meanwhile the facilitator
	// locks the board. When A is back, the server rejects A's change.
	fac, err := client.Dial(ctx, s.URL(), bd.ID, bd.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Drop()
	aToken := a.str(`processkarta.token`)
	s.net.Cut(aToken)
	a.waitFor("offline shown", `document.querySelector('#conn').dataset.state !== 'online'`, 5*time.Second)
	a.click(sel(step))
	a.press(kb.Enter)
	rejected := "Upphandla mätare utan beslut"
	edit(a, rejected)
	a.waitFor("the offline edit shown at once", labelHas(step, rejected), 500*time.Millisecond)
	if _, err := fac.Settings(ctx, map[string]any{"locked": true}); err != nil {
		t.Fatalf("lock: %v", err)
	}
	b.waitFor("the board shown as locked", `document.querySelector('#banner').textContent.includes('låst')`, 2*time.Second)
	a.eval(`window.e2eRejects = []; processkarta.client.addEventListener('reject', (e) => e2eRejects.push({id: e.detail.id, code: e.detail.code}))`, nil)
	s.net.Restore(aToken)
	a.waitFor("reconnected", `document.querySelector('#conn').dataset.state === 'online'`, 20*time.Second)
	a.waitFor("the rejected edit rolled back", labelHas(step, stepText), 5*time.Second)
	a.waitFor("the user told", `(() => { const e = document.querySelector('#toast'); return e && !e.hidden && e.textContent.includes('låst'); })()`, 2*time.Second)
	t.Logf("A was told: %q", a.str(`document.querySelector('#toast').textContent`))
	var rejects []struct{ ID, Code string }
	a.eval(`e2eRejects`, &rejects)
	if len(rejects) != 1 || rejects[0].ID == "" || rejects[0].Code != "locked" {
		t.Errorf("A's client got rejects %+v, want one from the server (with the batch id) with code locked", rejects)
	}
	if _, ok := a.poll(`document.querySelector('#alert').textContent.includes('låst')`, time.Second); !ok {
		t.Errorf("A: the rejection was not announced to screen readers: #alert has %q", a.str(`document.querySelector('#alert').textContent`))
	}
	if got := b.str(objLabel(step)); strings.Contains(got, rejected) {
		t.Errorf("B sees A's rejected text: %q", got)
	}
	if got := fac.Objects()[step].Text("text"); got != stepText {
		t.Errorf("the server has the step's text %q, want %q", got, stepText)
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// selectedID returns the one selected object in who's editor, which must be
// of kind (just created).
func selectedID(who *browser, kind string) string {
	who.t.Helper()
	who.waitFor("a new "+kind+" selected", fmt.Sprintf(`processkarta.editor.selection.size === 1 && processkarta.client.objects.get([...processkarta.editor.selection][0])?.kind === %s`, jsq(kind)), 2*time.Second)
	return who.str(`[...processkarta.editor.selection][0]`)
}

// sel is the CSS selector of an object's focusable element on the canvas.
func sel(id string) string { return fmt.Sprintf(`#canvas [data-id="%s"]`, id) }

// exists is true once the object is drawn.
func exists(id string) string { return fmt.Sprintf(`!!document.querySelector(%s)`, jsq(sel(id))) }

// objLabel is the drawn object's accessible name (kind, text, lane…).
func objLabel(id string) string {
	return fmt.Sprintf(`(document.querySelector(%s)?.getAttribute('aria-label') ?? '')`, jsq(sel(id)))
}

// labelHas is true when the drawn object's accessible name contains text.
func labelHas(id, text string) string { return fmt.Sprintf(`%s.includes(%s)`, objLabel(id), jsq(text)) }

// screenPos is the drawn position of an object: its wrapper's transform.
func screenPos(id string) string {
	return fmt.Sprintf(`(document.querySelector(%s)?.parentNode.getAttribute('transform') ?? '')`, jsq(sel(id)))
}

// screenX is the drawn x of an object, from its wrapper's translate().
func screenX(id string) string {
	return fmt.Sprintf(`Number((%s).replace(/^translate\(([-0-9.]+),.*$/, '$1'))`, screenPos(id))
}

// objProp reads a prop of an object in the page's replica view.
func objProp(id, prop string) string {
	return fmt.Sprintf(`processkarta.client.objects.get(%s)?.[%s]`, jsq(id), jsq(prop))
}
