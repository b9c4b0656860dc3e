package e2e_test

import (
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
)

// viewport is a screen size the pages are checked and photographed at.
type viewport struct {
	W, H   int
	Mobile bool
}

func (v viewport) String() string { return fmt.Sprintf("%dx%d", v.W, v.H) }

// viewports: a projector, a laptop, and a phone.
var viewports = []viewport{{1920, 1080, false}, {1280, 720, false}, {375, 667, true}}

// page is one of the client's pages, opened in a realistic state.
type page struct {
	Name string
	Open func(b *browser)
}

// workshopPages are the organizer page (signed in, Växjö chosen, with its
// strategy and boards), the join page (code from the projector, filled in)
// and the process map as its facilitator sees it, with the side panel on
// tab (or closed and the map fitted, with tab "").
func workshopPages(s *testServer, w *workshop, tab string) []page {
	return []page{
		{"organizer", func(b *browser) { openOrganizer(b, s, w) }},
		{"join", func(b *browser) { openJoin(b, s, w.JoinCode) }},
		{"board", func(b *browser) { openBoard(b, s, w, tab) }},
	}
}

// setViewport resizes the page; a phone also gets touch and mobile
// emulation (meta viewport, overlay scrollbars).
func (b *browser) setViewport(v viewport) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if v.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	b.do("viewport "+v.String(), chromedp.EmulateViewport(int64(v.W), int64(v.H), opts...))
}

// openOrganizer signs in on the organizer page with the key and chooses
// Växjö, whose strategy and boards are then listed. The browser is the
// process leader's, who created the process map (so it can open it).
func openOrganizer(b *browser, s *testServer, w *workshop) {
	b.t.Helper()
	b.navigate(s.URL() + "/")
	b.eval(fmt.Sprintf(`sessionStorage.clear(); localStorage.clear(); localStorage.setItem(%s, %s)`,
		jsq("processkarta.token."+w.BoardID), jsq(w.Facilitator)), nil)
	b.navigate(s.URL() + "/")
	b.typeInto("Nyckel", organizerKey)
	b.do("sign in", chromedp.Click(buttonByText("Logga in med nyckeln")))
	b.chooseMunicipality("Växjö")
	b.waitFor("the boards listed", `document.querySelectorAll('#boards tr[data-board]').length === 2 && document.querySelectorAll('#strat-list > li').length === 1
		&& document.querySelectorAll('#boards tr[data-board] button.btn-primary').length === 2`, 5*time.Second)
	settle(b)
	// Show the board list, the organizer's way into the workshops.
	b.eval(`document.querySelector('#boards').closest('section').scrollIntoView({block: 'end'})`, nil)
	settle(b)
}

// openJoin opens the join page with the code from the projector and types
// a name and administration, as a participant would.
func openJoin(b *browser, s *testServer, code string) {
	b.t.Helper()
	b.navigate(s.URL() + "/join?code=" + code)
	b.eval(`localStorage.clear()`, nil)
	b.navigate(s.URL() + "/join?code=" + code)
	b.typeInto("Namn", "Anna Lindqvist")
	b.typeInto("Förvaltning", "Miljöförvaltningen")
	b.choose("Befattning", "Tjänsteperson")
	settle(b)
}

// openBoard opens the process map as its facilitator and waits until every
// object is drawn. With tab "" the side panel is closed and the view fitted
// to the whole map (as on a projector); otherwise the panel shows that tab
// (inspect, people, results, facil).
func openBoard(b *browser, s *testServer, w *workshop, tab string) {
	b.t.Helper()
	b.navigate(s.URL() + "/join")
	panel := "0"
	if tab != "" {
		panel = "1"
	}
	b.eval(fmt.Sprintf(`localStorage.clear(); sessionStorage.clear(); localStorage.setItem(%s, %s);
		localStorage.setItem('processkarta.panel', %s); localStorage.setItem('processkarta.tab', %s)`,
		jsq("processkarta.token."+w.BoardID), jsq(w.Facilitator), jsq(panel), jsq(tab)), nil)
	b.navigate(s.URL() + "/b/" + w.BoardID)
	b.waitOnline()
	b.waitFor("the board drawn", fmt.Sprintf(`processkarta.client.objects.size === %d && document.querySelectorAll('#canvas [data-id]').length === %d`, w.Objects, w.Objects), 10*time.Second)
	if tab == "" {
		// The whole map on a wide screen; a phone keeps the view it opens
		// with (the top left at 50 %), where the text is readable.
		b.eval(`if (innerWidth >= 900) processkarta.canvas.fit()`, nil)
	} else {
		if b.str(`String(document.querySelector('#panel').hidden)`) == "true" {
			b.click("#btn-panel") // on a phone the panel starts closed
		}
		b.waitFor("the "+tab+" tab button", fmt.Sprintf(`!!document.querySelector('#tab-%s')`, tab), 5*time.Second)
		b.click("#tab-" + tab)
		b.waitFor("the "+tab+" tab", fmt.Sprintf(`document.querySelector('#tab-%s')?.getAttribute('aria-selected') === 'true' && !document.querySelector('#tabpanel-%s').hidden`, tab, tab), 5*time.Second)
	}
	if len(w.peers) > 0 {
		w.showPeers(b.t)
		b.waitFor("the others' cursors", fmt.Sprintf(`document.querySelectorAll('#canvas .cursor').length === %d`, len(w.peers)), 5*time.Second)
	}
	settle(b)
}

// settle waits for fonts and two animation frames, so that what is drawn
// is final.
func settle(b *browser) {
	b.t.Helper()
	b.eval(`document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))`, nil)
}

// forEachPage opens every page at every viewport in one browser and calls
// check on it.
func forEachPage(b *browser, pages []page, check func(name string, v viewport)) {
	for _, v := range viewports {
		b.setViewport(v)
		for _, p := range pages {
			p.Open(b)
			check(p.Name, v)
		}
	}
}
