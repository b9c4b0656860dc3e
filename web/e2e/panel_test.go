package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// TestPanelWhileMessagesArrive has the facilitator work in the facilitation
// panel while a participant votes as fast as the server answers (a Go
// client in a tight loop: +1, −1, +1, … on a note), so that votes messages
// arrive all the time:
//
//   - five times the facilitator opens a vote and presses "Stäng röstningen"
//     with the mouse, holding the button down long enough for messages to
//     arrive in between: the vote closes on the first click every time, and
//     the button is the same element all along (the panel updates in place);
//   - a panel control and a tab that have the keyboard focus keep it while
//     the messages arrive;
//   - messages that change nothing the panel shows (the facilitator's summon
//     moved) leave the panel's DOM untouched;
//   - the results tab follows an open vote without breaking the CSP.
func TestPanelWhileMessagesArrive(t *testing.T) {
	start := time.Now()
	// The participant votes faster than the default limit of edits a second
	// allows (as many people voting at once would, together).
	s := startServer(t, func(c *server.Config) { c.Limits.EditsPerSecond, c.Limits.EditBurst = 1e6, 1e6 })
	w := newWorkshop(t, s, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fac, err := client.Dial(ctx, s.URL(), w.BoardID, w.Facilitator, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	joined, err := s.api.Join(ctx, w.JoinCode, "Vera Nilsson", "Socialförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	voter, err := client.Dial(ctx, s.URL(), w.BoardID, joined.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer voter.Close()
	var notes []string
	for id, o := range fac.Objects() {
		if o.Kind == "note" {
			notes = append(notes, id)
		}
	}
	note := notes[0]

	vote := func(target string) func() int { return keepVoting(ctx, voter, target) }
	b := newBrowser(t, "facilitator", 1280, 720)
	openBoard(b, s, w, "facil")
	watchVotes(b)
	streamed := func(n int) { t.Helper(); votesArrived(b, n) }
	closeButton := `#tabpanel-facil [data-key="vote-close"]`

	// --- Five votes, each closed with one click while the votes stream in.
	for round := 1; round <= 5; round++ {
		if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"note", "step"}, "hidden": true}}); err != nil {
			t.Fatal(err)
		}
		b.waitFor("the close button", fmt.Sprintf(`!!document.querySelector(%s)`, jsq(closeButton)), 5*time.Second)
		b.eval(fmt.Sprintf(`document.querySelector(%s).e2eRound = %d`, jsq(closeButton), round), nil)
		stop := vote(note)
		streamed(20)
		slowClick(b, closeButton)
		_, closed := b.poll(`processkarta.client.settings.voting.open === false`, 2*time.Second)
		between := b.num(`e2e.up - e2e.down`)
		same := b.str(fmt.Sprintf(`String(document.querySelector(%s)?.e2eRound ?? 'gone')`, jsq(closeButton)))
		votes := stop()
		t.Logf("round %d: %d votes counted, %v votes messages while the button was down, closed: %v", round, votes, between, closed)
		if between < 1 {
			t.Fatalf("round %d: no votes message arrived while the button was held down; the test shows nothing", round)
		}
		if !closed {
			t.Errorf("round %d: the click on Stäng röstningen was lost (%v votes messages arrived while the button was held down)", round, between)
			if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}}); err != nil {
				t.Fatal(err)
			}
		} else if same != "gone" && same != fmt.Sprint(round) {
			t.Errorf("round %d: the close button was replaced while the votes arrived", round)
		}
		b.waitFor("the vote closed on the server", `!processkarta.client.settings.voting.open && processkarta.client.pending.length === 0`, 5*time.Second)
		b.waitFor("the open button", `!!document.querySelector('#tabpanel-facil [data-key="vote-open"]')`, 5*time.Second)
	}

	// --- Keyboard focus stays where it is while messages arrive.
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"note", "step"}, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the close button", fmt.Sprintf(`!!document.querySelector(%s)`, jsq(closeButton)), 5*time.Second)
	stop := vote(note)
	for _, sel := range []string{`#tabpanel-facil [data-key="timer-5"]`, `#tabpanel-facil [data-key="lock"]`, `#tab-facil`} {
		b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); e.e2eFocus = true; e.focus(); return true; })()`, jsq(sel)), nil)
		streamed(30)
		if got := b.str(`(() => { const a = document.activeElement; return a?.e2eFocus ? 'kept' : (a?.dataset?.key || a?.id || a?.tagName || 'none'); })()`); got != "kept" {
			t.Errorf("the focus on %s went to %s while votes arrived", sel, got)
		}
		b.eval(fmt.Sprintf(`delete document.querySelector(%s).e2eFocus`, jsq(sel)), nil)
	}
	stop()
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": false}}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the vote closed", `!!document.querySelector('#tabpanel-facil [data-key="vote-open"]') && processkarta.client.pending.length === 0`, 5*time.Second)
	settle(b)

	// --- A message that changes nothing shown leaves the panel alone: the
	// summon is not part of the facilitation panel (the timer's text is,
	// and changes by itself every second).
	b.eval(`window.e2eMutations = [];
		window.e2eObserver = new MutationObserver((ms) => { for (const m of ms) {
			const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
			if (!el.closest('.timer-big')) e2eMutations.push(m.type + ' ' + (el.dataset.key || el.id || el.className || el.tagName));
		} });
		e2eObserver.observe(document.querySelector('#panel'), {subtree: true, childList: true, attributes: true, characterData: true});
		window.e2eSettings = 0; processkarta.client.addEventListener('settings', () => e2eSettings++); true`, nil)
	for i := 0; i < 5; i++ {
		if _, err := fac.Settings(ctx, map[string]any{"focus": map[string]any{"x": 100 + i, "y": 200, "zoom": 0.5}}); err != nil {
			t.Fatal(err)
		}
	}
	b.waitFor("the summons received", `e2eSettings >= 5`, 5*time.Second)
	settle(b)
	var mutations []string
	b.eval(`e2eObserver.disconnect(), e2eMutations`, &mutations)
	if len(mutations) > 0 {
		t.Errorf("messages that change nothing in the panel changed its DOM %d times: %v", len(mutations), mutations[:min(len(mutations), 8)])
	}

	// --- The results of an open vote follow the votes in place (the bars'
	// widths go through the CSSOM, which the CSP allows).
	b.click("#tab-results")
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"note", "step"}, "hidden": false}}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("the vote open", `processkarta.client.votes.open`, 5*time.Second)
	// One dot stays on the first note while the second one's go 1, 2, 1, …:
	// the first note's bar is as long as the most voted one's, then half.
	for _, id := range notes[:2] {
		if _, err := voter.Vote(ctx, id, 1); err != nil {
			t.Fatal(err)
		}
	}
	stop = vote(notes[1])
	streamed(30)
	stop()
	b.waitFor("the results", fmt.Sprintf(`(() => { const w = document.querySelector('#tabpanel-results li.result[data-target="%s"] .bar')?.style.width;
		return w === (processkarta.client.votes.tallies[%s] === 2 ? '50%%' : '100%%'); })()`, notes[0], jsq(notes[1])), 5*time.Second)
	var csp []string
	b.eval(`e2e.csp`, &csp)
	if len(csp) > 0 {
		t.Errorf("the page broke its content security policy: %v", csp)
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// keepVoting has c vote on target (+1, −1, +1, …) as fast as the server
// answers until the returned stop is called, which returns how many votes
// were counted.
func keepVoting(ctx context.Context, c *client.Client, target string) (stop func() int) {
	quit, done := make(chan struct{}), make(chan int)
	go func() {
		n, d := 0, 1
		for {
			select {
			case <-quit:
				done <- n
				return
			default:
			}
			if _, err := c.Vote(ctx, target, d); err == nil {
				n++
				d = -d
			} else {
				time.Sleep(time.Millisecond) // closed: wait for the next vote
			}
		}
	}()
	return func() int { close(quit); return <-done }
}

// watchVotes counts the votes messages the page gets (e2e.votes), notes the
// count at the last pointerdown and pointerup (e2e.down, e2e.up) and any
// breach of the content security policy (e2e.csp).
func watchVotes(b *browser) {
	b.t.Helper()
	b.eval(`window.e2e = {votes: 0, down: -1, up: -1, csp: []};
		document.addEventListener('securitypolicyviolation', (e) => e2e.csp.push(e.violatedDirective + ' ' + e.sample));
		processkarta.client.addEventListener('votes', () => e2e.votes++);
		document.addEventListener('pointerdown', () => { e2e.down = e2e.votes; }, true);
		document.addEventListener('pointerup', () => { e2e.up = e2e.votes; }, true);
		true`, nil)
}

// votesArrived waits until the page has had n more votes messages.
func votesArrived(b *browser, n int) {
	b.t.Helper()
	base := b.num(`e2e.votes`)
	b.waitFor(fmt.Sprintf("%d votes messages", n), fmt.Sprintf(`e2e.votes >= %v`, base+float64(n)), 10*time.Second)
}

// slowClick clicks the centre of sel (CSS) with the mouse as a person
// does, holding the button down for 150 ms and then until a votes message
// has arrived (see watchVotes), so that one always comes in between.
func slowClick(b *browser, sel string) {
	b.t.Helper()
	x, y := b.center(sel)
	slowClickAt(b, sel, x, y)
}

// slowClickAt is slowClick at (x, y), where what is.
func slowClickAt(b *browser, what string, x, y float64) {
	b.t.Helper()
	b.do("press "+what,
		chromedp.MouseEvent(chromedp.MouseMoved, x, y),
		chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.Sleep(150*time.Millisecond))
	b.waitFor("a votes message while "+what+" is held down", `e2e.votes > e2e.down`, 5*time.Second)
	b.do("release "+what, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
}

// TestInspectorWhileMessagesArrive has a facilitator use the properties
// tab on a lane while a participant votes as fast as the server answers
// (votes messages all the time) and another edits the map (changes all the
// time): the "Flytta ned" and "Flytta upp" buttons move the lane on the
// first click, a title being typed keeps its text and the focus until
// Enter saves it, and an arrow added from the moving note is made and
// listed.
func TestInspectorWhileMessagesArrive(t *testing.T) {
	s := startServer(t, func(c *server.Config) { c.Limits.EditsPerSecond, c.Limits.EditBurst = 1e6, 1e6 })
	w := newWorkshop(t, s, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fac, err := client.Dial(ctx, s.URL(), w.BoardID, w.Facilitator, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	dial := func(name string) *client.Client {
		j, err := s.api.Join(ctx, w.JoinCode, name, "Socialförvaltningen", "official")
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.Dial(ctx, s.URL(), w.BoardID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	voter, editor := dial("Vera Nilsson"), dial("Elias Berg")
	var lane, note string
	for id, o := range fac.Objects() {
		switch {
		case o.Kind == "lane" && o.Text("title") == "Miljöförvaltningen":
			lane = id
		case o.Kind == "note" && note == "":
			note = id
		}
	}
	if _, err := fac.Settings(ctx, map[string]any{"voting": map[string]any{"open": true, "dots": 3, "kinds": []string{"note", "step"}, "hidden": true}}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, "facilitator", 1280, 720)
	openBoard(b, s, w, "inspect")
	watchVotes(b)
	stopVoting := keepVoting(ctx, voter, note)
	defer stopVoting()
	quit, done := make(chan struct{}), make(chan struct{})
	defer func() { close(quit); <-done }()
	go func() { // the other participant keeps moving the note
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			if _, err := editor.Ops(ctx, board.Op{Op: board.OpUpdate, ID: note, Props: map[string]any{"x": 950.0 + float64(i%20)}}); err != nil {
				time.Sleep(time.Millisecond)
			}
		}
	}()

	b.eval(fmt.Sprintf(`processkarta.editor.select([%s]), true`, jsq(lane)), nil)
	b.waitFor("the lane's properties", `!!document.querySelector('#tabpanel-inspect') && [...document.querySelectorAll('#tabpanel-inspect button')].some((e) => e.textContent === 'Flytta ned')`, 5*time.Second)
	index := func() int {
		return int(b.num(fmt.Sprintf(`[...processkarta.client.objects.values()].filter((o) => o.kind === 'lane')
			.sort((a, z) => (a.order ?? 0) - (z.order ?? 0) || (a.id < z.id ? -1 : 1)).findIndex((o) => o.id === %s)`, jsq(lane))))
	}
	for i, dir := range []string{"ned", "upp", "ned", "upp"} {
		before := index()
		votesArrived(b, 10)
		var at struct{ X, Y float64 }
		b.eval(fmt.Sprintf(`(() => { const e = [...document.querySelectorAll('#tabpanel-inspect button')].find((e) => e.textContent === %s);
			e.scrollIntoView({block: 'nearest'}); const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`, jsq("Flytta "+dir)), &at)
		slowClickAt(b, "Flytta "+dir, at.X, at.Y)
		want := before + 1
		if dir == "upp" {
			want = before - 1
		}
		if _, ok := b.poll(fmt.Sprintf(`(%d) === (%s)`, want, `[...processkarta.client.objects.values()].filter((o) => o.kind === 'lane')
			.sort((a, z) => (a.order ?? 0) - (z.order ?? 0) || (a.id < z.id ? -1 : 1)).findIndex((o) => o.id === `+jsq(lane)+`)`), 2*time.Second); !ok {
			t.Fatalf("click %d on Flytta %s was lost: the lane is at %d, want %d (%v votes messages while the button was down)", i+1, dir, index(), want, b.num(`e2e.up - e2e.down`))
		}
	}

	// Typing the lane's title while messages arrive.
	title := `#tabpanel-inspect input[type="text"]`
	b.click(title)
	b.press(kb.End)
	b.press(" och klimat")
	votesArrived(b, 30)
	var field struct {
		Focused bool
		Value   string
	}
	b.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); return {focused: document.activeElement === e, value: e.value}; })()`, jsq(title)), &field)
	if !field.Focused || field.Value != "Miljöförvaltningen och klimat" {
		t.Errorf("while messages arrived the title field became %+v", field)
	}
	b.press(kb.Enter)
	b.waitFor("the title saved", fmt.Sprintf(`processkarta.client.objects.get(%s).title === 'Miljöförvaltningen och klimat' && processkarta.client.pending.length === 0`, jsq(lane)), 5*time.Second)

	// An arrow from the note that the other participant keeps moving, added
	// in the note's properties: it is made and listed there.
	b.eval(fmt.Sprintf(`processkarta.editor.select([%s]), true`, jsq(note)), nil)
	b.waitFor("the note's properties", `document.querySelector('#tabpanel-inspect h2')?.textContent === 'Lapp'`, 5*time.Second)
	var to string
	b.eval(fmt.Sprintf(`[...processkarta.client.objects.values()].find((o) => o.kind === 'step' && ![...processkarta.client.objects.values()].some((l) => l.kind === 'link' && l.from === %s && l.to === o.id)).id`, jsq(note)), &to)
	b.choose("Pil till", b.str(fmt.Sprintf(`[...document.querySelector('#insp-link-to').options].find((o) => o.value === %s).textContent`, jsq(to))))
	votesArrived(b, 10)
	var at struct{ X, Y float64 }
	b.eval(`(() => { const e = [...document.querySelectorAll('#tabpanel-inspect button')].find((e) => e.textContent === 'Lägg till pil');
		e.scrollIntoView({block: 'nearest'}); const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`, &at)
	slowClickAt(b, "Lägg till pil", at.X, at.Y)
	b.waitFor("the arrow made and listed", fmt.Sprintf(`[...processkarta.client.objects.values()].some((l) => l.kind === 'link' && l.from === %s && l.to === %s)
		&& [...document.querySelectorAll('#tabpanel-inspect .link-list li')].some((li) => li.textContent.includes(processkarta.client.objects.get(%s).text))`, jsq(note), jsq(to), jsq(to)), 3*time.Second)
}
