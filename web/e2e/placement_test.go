package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// TestPlacementAndStartPage: a step and then a decision made with S and D
// do not overlap; an object dropped onto a lane's header column lands
// right of it; the board links home, and the start page lists the board
// with its strategy, template, phase, participants and last change; a
// second strategy with the same title and revision is refused in words.
func TestPlacementAndStartPage(t *testing.T) {
	s := startServer(t)
	w := newWorkshop(t, s, false)
	b := newBrowser(t, "leader", 1280, 800)
	openBoard(b, s, w, "")

	// S, type, Enter; D, type, Enter: two new objects side by side.
	b.click("#zoom-fit")
	b.do("focus the board", chromedp.Focus("#canvas"))
	b.press("s")
	b.waitFor("a step being written", `document.activeElement.id === 'editor'`, 3*time.Second)
	b.press("Ny aktivitet")
	b.press(kb.Enter)
	b.press("d")
	b.waitFor("a decision being written", `document.activeElement.id === 'editor' && [...processkarta.editor.selection].some((id) => processkarta.client.objects.get(id)?.kind === 'decision')`, 3*time.Second)
	b.press("Beslut?")
	b.press(kb.Enter)
	var overlap struct {
		N    int
		Over bool
	}
	b.eval(`(() => {
		const objs = processkarta.canvas.effMap();
		const mine = [...objs.values()].filter((o) => o.text === 'Ny aktivitet' || o.text === 'Beslut?');
		const box = (o) => ({x: o.x, y: o.y, w: o.w, h: o.h});
		const [a, c] = mine.map(box);
		const over = !!a && !!c && a.x < c.x + c.w && c.x < a.x + a.w && a.y < c.y + c.h && c.y < a.y + a.h;
		const others = [...objs.values()].filter((o) => !mine.includes(o) && ['step', 'decision', 'note', 'goal', 'event'].includes(o.kind));
		return {n: mine.length, over: over || mine.some((m) => others.some((o) => { const b = o.kind === 'event' ? {x: o.x - 30, y: o.y - 30, w: 60, h: 60} : box(o); const q = box(m); return q.x < b.x + b.w && b.x < q.x + q.w && q.y < b.y + b.h && b.y < q.y + q.h; }))};
	})()`, &overlap)
	if overlap.N != 2 || overlap.Over {
		t.Fatalf("S then D: %d new objects, overlapping something: %v", overlap.N, overlap.Over)
	}

	// Drag the new step onto the header column of its lane.
	id := b.str(`[...processkarta.client.objects.values()].find((o) => o.text === 'Ny aktivitet').id`)
	x0, y0 := b.center(sel(id))
	var hx float64
	b.eval(`processkarta.canvas.toScreen(90, 0).x + document.querySelector('#canvas').getBoundingClientRect().left`, &hx)
	b.drag(x0, y0, hx, y0)
	b.waitFor("the step right of the header column", fmt.Sprintf(`%s >= 180`, objProp(id, "x")), 3*time.Second)

	// Home.
	b.waitFor("a link home", `[...document.querySelectorAll('a[href="/"]')].some((a) => a.getAttribute('aria-label') === 'Startsidan' && a.offsetParent)`, 3*time.Second)
	b.click(`a.home-link`)
	b.waitFor("on the start page", `location.pathname === '/'`, 5*time.Second)
	b.waitFor("page loaded", `document.readyState === "complete"`, 5*time.Second)
	b.typeInto("Nyckel", organizerKey)
	b.do("sign in", chromedp.Click(buttonByText("Logga in med nyckeln")))
	b.chooseMunicipality("Växjö")
	row := fmt.Sprintf(`(document.querySelector('#boards tr[data-board=%s]')?.textContent ?? '')`, jsq(w.BoardID))
	b.waitFor("the board listed", row+` !== ''`, 5*time.Second)
	b.waitFor("its strategy, phase, participants and last change", row+`.includes('Energi- och klimatstrategi 2026') && `+row+`.includes('Fas: Hinder') && `+row+`.includes('5 deltagare') && `+row+`.includes('ändrad') && `+row+`.includes('Processkarta')`, 5*time.Second)

	b.fill("the strategy's title", inForm("strat-form", byLabel("Titel")), "Energi- och klimatstrategi")
	b.fill("the strategy's revision", inForm("strat-form", byLabel("Revision")), "2026")
	b.do("add it", chromedp.Click(buttonByText("Lägg till strategi")))
	b.waitFor("told it exists", `document.querySelector('#toast')?.textContent.includes('redan strategin')`, 5*time.Second)
	if n := b.num(`document.querySelectorAll('#strat-list li').length`); n != 1 {
		t.Fatalf("%v strategies listed after the refused duplicate", n)
	}
}

// TestPlacementOfCopies: a step that reaches into its lane's header column
// (as one imported or made before the rule may) is duplicated with Ctrl+D,
// and another is copied and pasted with Ctrl+C and Ctrl+V; each copy lands
// right of the header column, in the original's lane, not over the lane's
// title.
func TestPlacementOfCopies(t *testing.T) {
	s := startServer(t)
	w := newWorkshop(t, s, false)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fac, err := client.Dial(ctx, s.URL(), w.BoardID, w.Facilitator, nil)
	if err != nil {
		t.Fatal(err)
	}
	lanes := map[string]string{}
	for id, o := range fac.Objects() {
		if o.Kind == board.KindLane {
			lanes[o.Text("title")] = id
		}
	}
	sbf, fsk := lanes["Samhällsbyggnadsförvaltningen"], lanes["Fastighetskontoret"]
	dup, paste := uuid.NewString(), uuid.NewString()
	// A copy 24 units right of either would still cover the header column.
	if _, err := fac.Ops(ctx,
		board.Op{Op: board.OpCreate, ID: dup, Kind: board.KindStep, Props: map[string]any{"x": 150.0, "y": 260.0, "w": 160.0, "h": 80.0, "lane": sbf, "z": "y", "text": "Samråd om planprogram"}},
		board.Op{Op: board.OpCreate, ID: paste, Kind: board.KindStep, Props: map[string]any{"x": 100.0, "y": 460.0, "w": 160.0, "h": 80.0, "lane": fsk, "z": "z", "text": "Inventera solcellstak"}},
	); err != nil {
		t.Fatal(err)
	}
	fac.Close()
	w.Objects += 2

	b := newBrowser(t, "leader", 1280, 800)
	openBoard(b, s, w, "")
	copyOf := func(text string) string {
		return fmt.Sprintf(`[...processkarta.client.objects.values()].find((o) => o.kind === 'step' && o.text === %s && o.id !== %s && o.id !== %s)`, jsq(text), jsq(dup), jsq(paste))
	}
	check := func(what, text, lane string) {
		t.Helper()
		b.waitFor("the "+what, copyOf(text)+` !== undefined`, 5*time.Second)
		var got struct {
			X    float64
			Lane string
		}
		b.eval(fmt.Sprintf(`(() => { const o = %s; return {x: o.x, lane: o.lane ?? ''}; })()`, copyOf(text)), &got)
		if got.X < 180 || got.Lane != lane {
			t.Fatalf("the %s is at x %v in lane %q; want x ≥ 180 (the lane header column's width) in lane %q", what, got.X, got.Lane, lane)
		}
	}

	b.click(sel(dup))
	b.waitFor("the first step selected", fmt.Sprintf(`processkarta.editor.selection.has(%s) && processkarta.editor.selection.size === 1`, jsq(dup)), 3*time.Second)
	b.press("d", chromedp.ModifierCtrl)
	check("duplicate", "Samråd om planprogram", sbf)

	b.click(sel(paste))
	b.waitFor("the second step selected", fmt.Sprintf(`processkarta.editor.selection.has(%s) && processkarta.editor.selection.size === 1`, jsq(paste)), 3*time.Second)
	b.press("c", chromedp.ModifierCtrl)
	b.press("v", chromedp.ModifierCtrl)
	check("pasted copy", "Inventera solcellstak", fsk)
}
