package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// TestKeyboardLinking links two steps by keyboard alone, as the help
// dialog says: Tab to the first, Space, Tab to the second, Space, K.
func TestKeyboardLinking(t *testing.T) {
	s := startServer(t)
	bd, ids, _ := editBoard(t, s)
	b := newBrowser(t, "keyboard", 1280, 800)
	openAs(b, s, bd.ID, bd.FacilitatorToken)
	b.press(kb.Tab) // the skip link
	b.waitFor("the skip link focused", `document.activeElement.textContent === 'Hoppa till tavlan'`, 3*time.Second)
	b.press(kb.Enter)
	b.waitFor("the board focused", `document.activeElement.id === 'canvas'`, 3*time.Second)
	b.press(kb.Tab)
	b.waitFor("the first step focused", fmt.Sprintf(`document.activeElement.dataset.id === %s`, jsq(ids[0])), 3*time.Second)
	b.press(" ")
	b.press(kb.Tab)
	b.waitFor("the second step focused", fmt.Sprintf(`document.activeElement.dataset.id === %s`, jsq(ids[1])), 3*time.Second)
	b.press(" ")
	b.waitFor("both selected", `processkarta.editor.selection.size === 2`, 3*time.Second)
	b.press("k")
	b.waitFor("the arrow drawn", fmt.Sprintf(`[...processkarta.client.objects.values()].some((o) => o.kind === 'link' && o.from === %s && o.to === %s)
		&& [...document.querySelectorAll('#canvas [data-kind=link]')].length === 1`, jsq(ids[0]), jsq(ids[1])), 3*time.Second)
	if b.str(`String(document.querySelector('#toast')?.hidden ?? true)`) == "false" && strings.Contains(b.str(`document.querySelector('#toast').textContent`), "två") {
		t.Fatal("K said to select two objects")
	}
}

// TestPhoneLayout joins the 20-object map on a phone (375×667): nothing is
// wider than the screen, the header is one row, undo and delete are on the
// screen, the whole board is fitted on joining, and the audit is clean.
func TestPhoneLayout(t *testing.T) {
	s := startServer(t)
	id, _ := projectorMap(t, s)
	b := newBrowser(t, "phone", 375, 667)
	b.setViewport(viewport{W: 375, H: 667, Mobile: true})
	code := boardCode(t, s, id)
	b.joinByForm(s.URL(), code, "Omar Haddad", "Fastighetskontoret", "Tjänsteperson")
	b.waitFor("the map drawn", `document.querySelectorAll('#canvas [data-id]').length === 20`, 10*time.Second)
	settle(b)
	var m struct {
		ScrollW, HeaderH, CanvasH   float64
		Undo, Delete                [4]float64
		Content, Canvas             [4]float64
		ToolbarScroll, ToolbarWidth float64
	}
	b.eval(`(() => {
		const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
		const c = processkarta.canvas, cb = c.contentBounds();
		const p1 = c.toScreen(cb.x, cb.y), p2 = c.toScreen(cb.x + cb.w, cb.y + cb.h);
		const cv = document.querySelector('#canvas').getBoundingClientRect();
		return {
			scrollW: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
			headerH: document.querySelector('.topbar').getBoundingClientRect().height,
			undo: r(document.querySelector('[data-tool=undo]')), delete: r(document.querySelector('[data-tool=delete]')),
			content: [p1.x + cv.left, p1.y + cv.top, p2.x + cv.left, p2.y + cv.top], canvas: r(document.querySelector('#canvas')),
			toolbarScroll: document.querySelector('#toolbar').scrollWidth, toolbarWidth: document.querySelector('#toolbar').clientWidth,
		};
	})()`, &m)
	if m.ScrollW > 375 {
		t.Errorf("the page is %.0f px wide on a 375 px screen", m.ScrollW)
	}
	if m.ToolbarScroll > m.ToolbarWidth+1 {
		t.Errorf("the toolbar scrolls sideways: %.0f px in %.0f", m.ToolbarScroll, m.ToolbarWidth)
	}
	if m.HeaderH > 56 {
		t.Errorf("the header is %.0f px high: more than one row", m.HeaderH)
	}
	for name, r := range map[string][4]float64{"Ångra": m.Undo, "Ta bort": m.Delete} {
		if r[0] < 0 || r[1] < 0 || r[2] > 375 || r[3] > 667 || r[2]-r[0] < 24 || r[3]-r[1] < 24 {
			t.Errorf("%s is not on the screen: %v", name, r)
		}
	}
	if m.Content[0] < m.Canvas[0]-1 || m.Content[1] < m.Canvas[1]-1 || m.Content[2] > m.Canvas[2]+1 || m.Content[3] > m.Canvas[3]+1 {
		t.Errorf("the board is not fitted on joining: content %v, canvas %v", m.Content, m.Canvas)
	}
	// Undo and delete work from their buttons.
	b.click(`#canvas [data-kind=note]`)
	b.waitFor("a note selected", `processkarta.editor.selection.size === 1`, 3*time.Second)
	b.click(`[data-tool=delete]`)
	b.waitFor("the note deleted", `document.querySelectorAll('#canvas [data-id]').length === 19`, 3*time.Second)
	b.click(`[data-tool=undo]`)
	b.waitFor("the note back", `document.querySelectorAll('#canvas [data-id]').length === 20`, 3*time.Second)
	b.eval(`processkarta.editor.select([]); processkarta.canvas.fit(0)`, nil)
	settle(b)
	if v := failingOnly(b.audit(axeSource(t))); len(v) > 0 {
		t.Errorf("accessibility on the phone: %+v", v)
	}
	saveShot(t, b, "phone-375x667")
}

// boardCode reads a board's join code as its organizer.
func boardCode(t *testing.T, s *testServer, id string) string {
	t.Helper()
	var list []struct{ ID, JoinCode string }
	if err := s.api.Do(t.Context(), "GET", "/api/boards", s.api.Key, nil, &list); err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		if b.ID == id {
			return b.JoinCode
		}
	}
	t.Fatalf("no board %s", id)
	return ""
}
