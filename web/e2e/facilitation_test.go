package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestFacilitation runs a goal workshop with a facilitator and two
// participants, each in their own Chromium:
//
//   - the facilitator signs in on the organizer page, creates a goal-workshop
//     board there and reads the join code from the facilitation panel; the
//     participants join with it;
//   - a 5-minute timer started in the panel shows the same remaining time on
//     all three screens (within a second);
//   - the facilitator opens a hidden 3-dot vote on goal areas through the
//     panel's dialog; one participant votes with the + buttons, the other
//     with the keyboard (V); while the vote is open the participants see
//     their own dots but no tallies (no totals on the canvas, no results tab),
//     while the facilitator does;
//   - after the facilitator closes the vote, every screen shows the results
//     ranked by dots, and "rank by votes" gives the goals ranks 1, 2, 3 on
//     every screen;
//   - the facilitator shows a result and summons everyone: the participants'
//     views move (their viewport transform changes) to the facilitator's.
func TestFacilitation(t *testing.T) {
	start := time.Now()
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}

	// --- The facilitator creates the board on the organizer page.
	f := newBrowser(t, "facilitator", 1280, 720)
	f.navigate(s.URL() + "/")
	f.typeInto("Nyckel", organizerKey)
	f.do("sign in", chromedp.Click(buttonByText("Logga in med nyckeln")))
	f.chooseMunicipality("Göteborg")
	boardTitle := inForm("board-form", byLabel("Titel"))
	f.fill("the board's title", boardTitle, "Målworkshop energi och klimat")
	f.choose("Mall", "Målworkshop (målområden)")
	f.typeInto("Ditt namn (processledare)", "Karin Berg")
	f.typeInto("Din förvaltning eller organisation", "Kommunledningskontoret")
	f.choose("Din befattning", "Tjänsteperson")
	f.do("create the board", chromedp.Click(buttonByText("Skapa och öppna")))
	f.waitFor("on the board page", `location.pathname.startsWith('/b/')`, 10*time.Second)
	f.waitOnline()
	f.waitFor("the facilitator's panel", `!document.querySelector('#panel').hidden && !!document.querySelector('#tab-facil')`, 5*time.Second)
	// The panel is rendered again when the participants list says we are online.
	f.waitFor("shown as online", `!!processkarta.client.participants.find((p) => p.id === processkarta.client.me?.id)?.online`, 5*time.Second)
	settle(f)
	f.click("#tab-facil")
	code := f.str(`document.querySelector('#tabpanel-facil .join-code').textContent.trim()`)
	if len(code) != 6 {
		t.Fatalf("join code in the facilitation panel: %q", code)
	}

	p1 := newBrowser(t, "P1", 1280, 720)
	p2 := newBrowser(t, "P2", 1280, 720)
	p1.joinByForm(s.URL(), code, "Lena Ek", "Miljöförvaltningen", "Politiker")
	p2.joinByForm(s.URL(), code, "Omar Haddad", "Fastighetskontoret", "Tjänsteperson")
	all := []*browser{f, p1, p2}
	people := []*browser{p1, p2}
	t.Logf("all three on the board after %v", time.Since(start).Round(time.Millisecond))

	goals := map[string]string{} // title → id
	f.eval(`Object.fromEntries([...processkarta.client.objects.values()].filter((o) => o.kind === 'goal').map((o) => [o.title, o.id]))`, &goals)
	renewable, efficiency, transport := goals["Förnybar energi"], goals["Energieffektivisering"], goals["Transporter"]
	if renewable == "" || efficiency == "" || transport == "" || len(goals) != 6 {
		t.Fatalf("goal areas on the board: %v", goals)
	}

	// Everyone is there before the facilitator starts.
	f.waitFor("everyone online", `processkarta.client.participants.filter((p) => p.online).length === 3`, 5*time.Second)

	// --- Timer: 5 minutes, the same on every screen.
	f.click(`[data-key="timer-5"]`)
	for _, who := range all {
		who.waitFor("the timer", `!document.querySelector('#timer').hidden && /^\d+:\d\d$/.test(document.querySelector('#timer').dataset.text)`, 2*time.Second)
	}
	// What each screen shows, and the remaining time behind it in ms (read
	// one screen after the other; corrected by the time between the reads).
	var texts []string
	var shown []int
	var left []float64
	t0 := time.Now()
	for _, who := range all {
		var v struct {
			Text string
			Left float64
		}
		who.eval(`({text: document.querySelector('#timer').dataset.text,
			left: processkarta.client.settings.timer.endsAt - processkarta.client.serverNow()})`, &v)
		texts = append(texts, who.name+" "+v.Text)
		shown = append(shown, clockSeconds(t, v.Text))
		left = append(left, v.Left+float64(time.Since(t0).Milliseconds()))
	}
	if spread(shown) > 1 || slices.Max(shown) > 300 || slices.Min(shown) < 290 {
		t.Errorf("the timers show %v, want 5:00 within a second on every screen", texts)
	}
	if d := spreadF(left); d >= 1000 {
		t.Errorf("the timers' remaining times differ by %.0f ms: %v", d, left)
	}
	t.Logf("timers: %s (remaining ms %v)", strings.Join(texts, ", "), left)

	// --- A hidden vote with 3 dots on goal areas, opened in the panel.
	f.click(`[data-key="vote-open"]`)
	f.waitFor("the voting dialog", `!!document.querySelector('dialog[open]')`, 2*time.Second)
	dots := byLabel("Röster per person")
	f.fill("dots", dots, "3")
	var form struct {
		Goal, Hidden, Other bool
	}
	f.eval(`(() => {
		const d = document.querySelector('dialog[open]');
		const checked = (id) => d.querySelector('#' + id).checked;
		return {goal: checked('vd-kind-goal'), hidden: checked('vd-hidden'),
			other: ['note', 'step', 'decision', 'event', 'frame'].some((k) => checked('vd-kind-' + k))};
	})()`, &form)
	if !form.Goal || form.Other {
		t.Fatalf("voting dialog defaults on a goal workshop: %+v, want goal areas only", form)
	}
	if !form.Hidden {
		f.do("hide the results", chromedp.Click(byLabel("Dölj resultatet tills röstningen stängs")))
	}
	f.waitFor("results hidden", `document.querySelector('dialog[open] #vd-hidden').checked`, time.Second)
	f.do("start voting", chromedp.Click(chromedp.Search(`//dialog//button[normalize-space(.)='Starta']`)))
	for _, who := range people {
		who.waitFor("3 dots to place", `document.querySelector('#dots').textContent === 'Röster kvar: 3 av 3'`, 2*time.Second)
	}

	// P1 votes with the + buttons: two on renewable energy, one on transport.
	plus := func(id string) string { return fmt.Sprintf(`#canvas .vote-btn[data-vote="1"][data-target="%s"]`, id) }
	for i, id := range []string{renewable, renewable, transport} {
		p1.waitFor("a + button", fmt.Sprintf(`!!document.querySelector(%s)`, jsq(plus(id))), 2*time.Second)
		p1.click(plus(id))
		p1.waitFor("the dot counted", fmt.Sprintf(`processkarta.client.votes.dotsLeft === %d && processkarta.client.pending.length === 0`, 2-i), 2*time.Second)
	}
	// P2 votes with the keyboard: select a goal, press V.
	for i, id := range []string{efficiency, efficiency, renewable} {
		p2.click(sel(id))
		p2.waitFor("the goal focused", fmt.Sprintf(`document.activeElement?.dataset?.id === %s`, jsq(id)), 2*time.Second)
		p2.press("v")
		p2.waitFor("the dot counted", fmt.Sprintf(`processkarta.client.votes.dotsLeft === %d && processkarta.client.pending.length === 0`, 2-i), 2*time.Second)
	}
	for _, who := range people {
		who.waitFor("no dots left", `document.querySelector('#dots').textContent === 'Inga röster kvar'`, 2*time.Second)
	}
	f.waitFor("the facilitator sees the tallies", labelHas(renewable, "3 röster totalt")+" && "+labelHas(efficiency, "2 röster totalt"), 2*time.Second)

	// While the vote is open the tallies stay hidden from the participants.
	for _, who := range people {
		var hidden struct {
			Tallies     any
			Totals, Tab bool
			Mine        map[string]int
		}
		who.eval(`({
			tallies: processkarta.client.votes.tallies,
			mine: processkarta.client.votes.mine,
			totals: [...document.querySelectorAll('#canvas [data-kind="goal"]')].some((e) => e.getAttribute('aria-label').includes('totalt'))
				|| [...document.querySelectorAll('#canvas .vote-pill-text')].some((e) => e.textContent.includes('Totalt')),
			tab: !!document.querySelector('#tab-results'),
		})`, &hidden)
		if hidden.Tallies != nil || hidden.Totals || hidden.Tab {
			t.Errorf("%s sees tallies while the vote is hidden: %+v", who.name, hidden)
		}
		if sum(hidden.Mine) != 3 {
			t.Errorf("%s: own dots %v, want 3", who.name, hidden.Mine)
		}
	}

	// --- The facilitator closes the vote: the results appear, ranked, on
	// every screen.
	f.click(`[data-key="vote-close"]`)
	type result struct {
		Target string
		Text   string
	}
	want := []string{renewable, efficiency, transport}
	for _, who := range all {
		// The results tab appears once the closing has arrived.
		who.waitFor("the vote closed", `!processkarta.client.votes.open && !!processkarta.client.votes.tallies && processkarta.client.pending.length === 0`, 2*time.Second)
		who.waitFor("the results tab", `!!document.querySelector('#tab-results')`, 2*time.Second)
		settle(who)
		who.click("#tab-results")
		who.waitFor("the results", `document.querySelectorAll('#tabpanel-results li.result').length === 3`, 2*time.Second)
		var rows []result
		who.eval(`[...document.querySelectorAll('#tabpanel-results li.result')].map((li) => ({target: li.dataset.target, text: li.querySelector('.result-head').textContent}))`, &rows)
		for i, r := range rows {
			if r.Target != want[i] {
				t.Errorf("%s: result %d is %q, want ranked by dots: Förnybar energi 3, Energieffektivisering 2, Transporter 1", who.name, i+1, r.Text)
			}
		}
		if len(rows) == 3 && (!strings.Contains(rows[0].Text, "3 röster") || !strings.Contains(rows[1].Text, "2 röster") || !strings.Contains(rows[2].Text, "1 röst")) {
			t.Errorf("%s: results %+v", who.name, rows)
		}
		if !strings.Contains(who.str(objLabel(renewable)), "3 röster totalt") {
			t.Errorf("%s: the canvas shows no total on the winner: %q", who.name, who.str(objLabel(renewable)))
		}
	}

	// The facilitator ranks the goals by the votes; every screen shows ranks.
	f.click("#tab-facil")
	f.click(`[data-key="rank-votes"]`)
	for _, who := range all {
		for i, id := range want {
			who.waitFor("the goal's new rank", labelHas(id, fmt.Sprintf("plats %d", i+1)), 2*time.Second)
		}
	}

	// --- Summon: the facilitator looks at a result and calls everyone there.
	f.click("#tab-results")
	f.click(fmt.Sprintf(`#tabpanel-results li.result[data-target="%s"] button`, efficiency))
	f.waitFor("the view at the goal", fmt.Sprintf(`(() => { const o = processkarta.client.objects.get(%s), c = processkarta.canvas.center();
		return Math.abs(c.x - (o.x + o.w / 2)) < 1 && Math.abs(c.y - (o.y + o.h / 2)) < 1; })()`, jsq(efficiency)), 3*time.Second)
	viewport := `document.querySelector('#canvas .viewport').getAttribute('transform')`
	before := map[*browser]string{}
	for _, who := range people {
		before[who] = who.str(viewport)
	}
	f.click("#tab-facil")
	f.click(`[data-key="summon"]`)
	var focus struct{ X, Y, Zoom float64 }
	f.waitFor("the summon sent", `!!processkarta.client.settings.focus && processkarta.client.pending.length === 0`, 2*time.Second)
	f.eval(`processkarta.client.settings.focus`, &focus)
	for _, who := range people {
		who.waitFor("the view moved to the facilitator's", fmt.Sprintf(`(() => { const c = processkarta.canvas.center();
			return Math.abs(c.x - %v) < 1 && Math.abs(c.y - %v) < 1 && Math.abs(processkarta.canvas.view.s - %v) < 0.001; })()`, focus.X, focus.Y, focus.Zoom), 3*time.Second)
		after := who.str(viewport)
		if after == before[who] {
			t.Errorf("%s: the viewport did not change: %s", who.name, after)
		}
		t.Logf("%s: view %s → %s", who.name, before[who], after)
		who.waitFor("told about the summon", `document.querySelector('#toast')?.textContent.includes('samlade alla')`, 2*time.Second)
	}
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// inForm restricts an XPath to the descendants of the form with that id.
func inForm(id string, sel chromedp.Search) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//form[@id=%s]`, xpathString(id)) + string(sel))
}

// clockSeconds parses m:ss.
func clockSeconds(t *testing.T, s string) int {
	t.Helper()
	m, sec, ok := strings.Cut(s, ":")
	mi, err1 := strconv.Atoi(m)
	si, err2 := strconv.Atoi(sec)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("timer shows %q", s)
	}
	return mi*60 + si
}

func spread(v []int) int { return slices.Max(v) - slices.Min(v) }

func spreadF(v []float64) float64 { return slices.Max(v) - slices.Min(v) }

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
