package e2e_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/processkarta/processkarta/server/client"
)

// TestDragLane has the facilitator reorder the process map's lanes by
// dragging a lane's header on the canvas with the mouse:
//
//   - Miljöförvaltningen, the fourth lane, dragged to the top becomes the
//     first, in the page and on the server; the steps and decisions in the
//     lanes that moved move with their lanes and keep their lane; the rest
//     stays where it was; a screen reader is told;
//   - Ctrl+Z puts the lanes and the objects back.
func TestDragLane(t *testing.T) {
	s := startServer(t)
	w := newWorkshop(t, s, false)
	b := newBrowser(t, "facilitator", 1280, 720)
	openBoard(b, s, w, "")

	type placed struct {
		Lane string
		Y    float64
	}
	// lanes are the lanes' titles in order; placing is where every object
	// is (its lane and y) by id.
	const lanesJS = `[...processkarta.client.objects.values()].filter((o) => o.kind === 'lane')
		.sort((a, z) => (a.order ?? 0) - (z.order ?? 0) || (a.id < z.id ? -1 : 1)).map((o) => o.title)`
	lanes := func() []string {
		var out []string
		b.eval(lanesJS, &out)
		return out
	}
	// inOrder is true in the page once the lanes are in that order and saved.
	inOrder := func(titles []string) string {
		j, _ := json.Marshal(titles)
		return fmt.Sprintf(`JSON.stringify(%s) === %s && processkarta.client.pending.length === 0`, lanesJS, jsq(string(j)))
	}
	placing := func() map[string]placed {
		out := map[string]placed{}
		b.eval(`Object.fromEntries([...processkarta.client.objects.values()].filter((o) => o.y !== undefined).map((o) => [o.id, {lane: o.lane ?? '', y: o.y}]))`, &out)
		return out
	}
	var laneID map[string]string // title → id
	b.eval(`Object.fromEntries([...processkarta.client.objects.values()].filter((o) => o.kind === 'lane').map((o) => [o.title, o.id]))`, &laneID)
	before := lanes()
	want := []string{"Miljöförvaltningen", "Kommunledningskontoret", "Samhällsbyggnadsförvaltningen", "Fastighetskontoret", "Tekniska förvaltningen"}
	if !slices.Equal(before, []string{"Kommunledningskontoret", "Samhällsbyggnadsförvaltningen", "Fastighetskontoret", "Miljöförvaltningen", "Tekniska förvaltningen"}) {
		t.Fatalf("the process map's lanes are %v", before)
	}
	was := placing()

	// The middle of a lane's header (world x 0–180) on the screen.
	header := func(index int) (float64, float64) {
		var p struct{ X, Y float64 }
		b.eval(fmt.Sprintf(`(() => { const r = document.querySelector('#canvas').getBoundingClientRect();
			const p = processkarta.canvas.toScreen(90, %d * 200 + 100); return {x: r.left + p.x, y: r.top + p.y}; })()`, index), &p)
		return p.X, p.Y
	}
	x0, y0 := header(3)
	x1, y1 := header(0)
	if hit := b.str(fmt.Sprintf(`document.elementFromPoint(%v, %v)?.closest('[data-id]')?.dataset.id ?? ''`, x0, y0)); hit != laneID["Miljöförvaltningen"] {
		t.Fatalf("at the header of Miljöförvaltningen (%v, %v) is %q", x0, y0, hit)
	}
	b.drag(x0, y0, x1, y1)
	b.waitFor("the lanes reordered and saved", inOrder(want), 3*time.Second)

	// Objects in the lanes that moved went with them, and kept their lane.
	shift := map[string]float64{} // lane id → how far its band moved
	for i, title := range before {
		shift[laneID[title]] = float64(slices.Index(want, title)-i) * 200
	}
	now := placing()
	moved := 0
	for id, p := range was {
		q := now[id]
		wantY := p.Y + shift[p.Lane] // 0 for objects outside lanes
		if q.Lane != p.Lane || q.Y != wantY {
			t.Errorf("object %s was in lane %q at y %v; now in %q at y %v, want %q at y %v", id, p.Lane, p.Y, q.Lane, q.Y, p.Lane, wantY)
		}
		if wantY != p.Y {
			moved++
		}
	}
	if moved < 8 {
		t.Errorf("only %d objects moved with their lanes", moved)
	}
	if _, ok := b.poll(`document.querySelector('#live').textContent.includes('Miljöförvaltningen flyttad till plats 1 av 5')`, time.Second); !ok {
		t.Errorf("announced %q", b.str(`document.querySelector('#live').textContent`))
	}

	// The server has it too.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, s.URL(), w.BoardID, w.Facilitator, nil)
	if err != nil {
		t.Fatal(err)
	}
	type lane struct {
		order     float64
		id, title string
	}
	var server []lane
	for id, o := range c.Objects() {
		if o.Kind == "lane" {
			server = append(server, lane{o.Num("order"), id, o.Text("title")})
		} else if p, ok := now[id]; ok && (o.Text("lane") != p.Lane || o.Num("y") != p.Y) {
			t.Errorf("the server has object %s in lane %q at y %v, the page in %q at %v", id, o.Text("lane"), o.Num("y"), p.Lane, p.Y)
		}
	}
	c.Close()
	slices.SortFunc(server, func(a, z lane) int {
		if c := cmp.Compare(a.order, z.order); c != 0 {
			return c
		}
		return strings.Compare(a.id, z.id)
	})
	var titles []string
	for _, l := range server {
		titles = append(titles, l.title)
	}
	if !slices.Equal(titles, want) {
		t.Errorf("the server's lanes are %v, want %v", titles, want)
	}

	// Ctrl+Z: the focus is on the dragged lane.
	b.waitFor("the lane focused", fmt.Sprintf(`document.activeElement?.dataset?.id === %s`, jsq(laneID["Miljöförvaltningen"])), 2*time.Second)
	b.do("undo", typeKeys("z", chromedp.ModifierCtrl))
	b.waitFor("the lanes back", inOrder(before), 3*time.Second)
	for id, p := range placing() {
		if p != was[id] {
			t.Errorf("after undo object %s is in lane %q at y %v, want %q at y %v", id, p.Lane, p.Y, was[id].Lane, was[id].Y)
		}
	}
}
