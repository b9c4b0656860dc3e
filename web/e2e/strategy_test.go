package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// setField sets the value of the control sel (CSS) and fires change, as a
// date picker or a select does when a person picks a value.
func (b *browser) setField(sel, value string) {
	b.t.Helper()
	var ok bool
	b.eval(fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return false;
		el.focus();
		el.value = %s;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, jsq(sel), jsq(value)), &ok)
	if !ok {
		b.t.Fatalf("%s: no control %s", b.name, sel)
	}
}

// shot saves a screenshot to $PROCESSKARTA_SHOTS (if set), to be looked at.
func shot(b *browser, name string) {
	b.t.Helper()
	dir := os.Getenv("PROCESSKARTA_SHOTS")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b.screenshot(), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// goalWithRank is the id of the goal area of rank n on the page's board.
func goalWithRank(n int) string {
	return fmt.Sprintf(`[...processkarta.client.objects.values()].find((o) => o.kind === 'goal' && o.rank === %d)?.id`, n)
}

// TestStrategySeries runs a strategy revision through its workshops in
// Chromium: a goal workshop ranks its goal areas; the organizer starts the
// next workshop from it ("Ny workshop från denna"), which opens with those
// goals; two participants add actions to two goals (one with the A key on
// a selected goal, one with "Ny åtgärd för detta mål"); the revision page
// shows them grouped under their goals and follows changes live both ways;
// the revision report holds every goal in rank order and every action with
// its owner and due date; the cluster overview counts them.
func TestStrategySeries(t *testing.T) {
	start := time.Now()
	s := startServer(t)
	api := s.api
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "1480", "cluster": "Väst"}, nil))
	var strat struct{ ID string }
	must(api.Do(ctx, "POST", "/api/municipalities/1480/strategies", api.Key, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &strat))
	var goalsB client.BoardCreated
	must(api.Do(ctx, "POST", "/api/boards", api.Key, map[string]any{"title": "Målworkshop", "municipality": "1480", "strategy": strat.ID,
		"template": board.TemplateGoalWorkshop, "facilitator": map[string]string{"name": "Karin Berg", "administration": "Kommunledningskontoret", "position": "official"}}, &goalsB))

	// The goal workshop ranks its goal areas: the last of the template's
	// order comes first.
	fac, err := client.Dial(ctx, s.URL(), goalsB.ID, goalsB.FacilitatorToken, nil)
	must(err)
	titles := map[int]string{}
	var ranks []board.Op
	for _, o := range fac.Objects() {
		if o.Kind == board.KindGoal {
			r := 7 - int(o.Num("rank"))
			titles[r] = o.Text("title")
			ranks = append(ranks, board.Op{Op: board.OpUpdate, ID: o.ID, Props: map[string]any{"rank": float64(r)}})
		}
	}
	_, err = fac.Ops(ctx, ranks...)
	must(err)
	fac.Close()

	// "Ny workshop från denna" on the organizer's page.
	org := newBrowser(t, "organizer", 1920, 1080)
	org.navigate(s.URL() + "/")
	org.typeInto("Nyckel", organizerKey)
	org.do("sign in", chromedp.Click(buttonByText("Logga in med nyckeln")))
	org.chooseMunicipality("Göteborg")
	org.waitFor("the goal workshop listed", `document.querySelectorAll('#boards tr[data-board]').length === 1`, 5*time.Second)
	org.click(`button[aria-label="Ny workshop från denna: Målworkshop"]`)
	org.waitFor("the dialog", `document.querySelector('dialog[open] #cont-title') !== null`, 5*time.Second)
	org.fill("the new workshop's title", chromedp.Search("#cont-title"), "Åtgärdsworkshop")
	org.click(`dialog[open] button[type="submit"]`)
	org.waitFor("on the new board", `location.pathname.startsWith('/b/') && !location.pathname.endsWith(`+jsq(goalsB.ID)+`)`, 10*time.Second)
	org.waitOnline()
	actID := strings.TrimPrefix(org.str(`location.pathname`), "/b/")
	org.waitFor("Fortsättning på in the header", `document.querySelector('#board-from')?.textContent === 'Fortsättning på: Målworkshop' && !document.querySelector('#board-from').hidden`, 5*time.Second)
	org.waitFor("the goals taken over, ranked", fmt.Sprintf(`[...processkarta.client.objects.values()].filter((o) => o.kind === 'goal').length === 6 && %s !== undefined`, goalWithRank(6)), 5*time.Second)
	var boards []struct{ ID, JoinCode string }
	must(api.Do(ctx, "GET", "/api/boards?municipality=1480", api.Key, nil, &boards))
	code := ""
	for _, b := range boards {
		if b.ID == actID {
			code = b.JoinCode
		}
	}

	// Per selects the top goal on the map and presses A.
	per := newBrowser(t, "Per", 1280, 720)
	per.joinByForm(s.URL(), code, "Per Holm", "Tekniska förvaltningen", "Politiker")
	per.waitFor("the goals drawn", fmt.Sprintf(`!!document.querySelector('#canvas [data-id="' + %s + '"]')`, goalWithRank(1)), 10*time.Second)
	goal1 := per.str(goalWithRank(1))
	per.click(sel(goal1))
	per.waitFor("the goal selected", fmt.Sprintf(`processkarta.editor.selection.has(%s)`, jsq(goal1)), 5*time.Second)
	per.press("a")
	per.waitFor("an action for the goal, being named", fmt.Sprintf(`[...processkarta.client.objects.values()].some((o) => o.kind === 'action' && o.goal === %s) && document.activeElement?.id === 'editor'`, jsq(goal1)), 5*time.Second)
	per.press("Laddstolpar vid förvaltningarna\r")
	a1 := per.str(fmt.Sprintf(`[...processkarta.client.objects.values()].find((o) => o.kind === 'action' && o.goal === %s).id`, jsq(goal1)))
	per.waitFor("the title saved", fmt.Sprintf(`processkarta.client.objects.get(%s).title === 'Laddstolpar vid förvaltningarna' && processkarta.client.pending.length === 0`, jsq(a1)), 5*time.Second)
	if per.str(`String(document.querySelector('#panel').hidden)`) == "true" {
		per.click("#btn-panel")
	}
	per.click("#tab-inspect")
	per.waitFor("the action's properties", `!!document.querySelector('#insp-due')`, 5*time.Second)
	per.typeInto("Ansvarig förvaltning", "Tekniska förvaltningen\r")
	per.setField("#insp-due", "2027-03-31")
	per.waitFor("owner and date saved", fmt.Sprintf(`(() => { const o = processkarta.client.objects.get(%s); return o.owner === 'Tekniska förvaltningen' && o.due === '2027-03-31' && o.status === 'planned'; })()`, jsq(a1)), 5*time.Second)

	// Eva selects the second goal and uses "Ny åtgärd för detta mål".
	eva := newBrowser(t, "Eva", 1280, 720)
	eva.joinByForm(s.URL(), code, "Eva Ek", "Fastighetskontoret", "Tjänsteperson")
	eva.waitFor("the goals drawn", fmt.Sprintf(`!!document.querySelector('#canvas [data-id="' + %s + '"]')`, goalWithRank(2)), 10*time.Second)
	goal2 := eva.str(goalWithRank(2))
	eva.click(sel(goal2))
	if eva.str(`String(document.querySelector('#panel').hidden)`) == "true" {
		eva.click("#btn-panel")
	}
	eva.click("#tab-inspect")
	eva.do("new action for the goal", chromedp.Click(buttonByText("Ny åtgärd för detta mål")))
	eva.waitFor("being named", `document.activeElement?.id === 'editor'`, 5*time.Second)
	eva.press("Energikartläggning av skolor\r")
	a2 := eva.str(fmt.Sprintf(`[...processkarta.client.objects.values()].find((o) => o.kind === 'action' && o.goal === %s)?.id`, jsq(goal2)))
	if a2 == "" {
		t.Fatal("Eva's action is not linked to her goal")
	}
	eva.waitFor("the action's properties", `!!document.querySelector('#insp-due')`, 5*time.Second)
	eva.typeInto("Ansvarig förvaltning", "Fastighetskontoret\r")
	eva.typeInto("Ansvarig (roll eller funktion)", "Energistrateg\r")
	eva.setField("#insp-due", "2026-11-30")
	eva.waitFor("saved", fmt.Sprintf(`processkarta.client.objects.get(%s)?.due === '2026-11-30' && processkarta.client.pending.length === 0`, jsq(a2)), 5*time.Second)
	// Per sees both, each drawn with its status and linked to its goal.
	per.waitFor("Eva's action on Per's map", fmt.Sprintf(`%s && document.querySelectorAll('#canvas .goal-link').length === 2`, labelHas(a2, "Planerad")), 5*time.Second)

	// The revision page: goals in rank order, the actions under theirs.
	org.navigate(s.URL() + "/s/" + strat.ID)
	org.waitFor("the revision", `document.querySelectorAll('#goals .goal-item').length === 6 && document.body.dataset.live === 'on'`, 10*time.Second)
	var heads []string
	org.eval(`[...document.querySelectorAll('#goals .goal-item h3')].map((h) => h.textContent)`, &heads)
	for i, h := range heads {
		if !strings.HasSuffix(h, titles[i+1]) {
			t.Fatalf("goal %d on the revision page is %q, want %q", i+1, h, titles[i+1])
		}
	}
	org.waitFor("each action under its goal", fmt.Sprintf(`document.querySelector('#goals .goal-item:nth-child(1) [data-action=%s]') && document.querySelector('#goals .goal-item:nth-child(2) [data-action=%s]')`, jsq(a1), jsq(a2)), 5*time.Second)
	if v := org.str(fmt.Sprintf(`document.querySelector('#owner-%s').value + ' ' + document.querySelector('#due-%s').value`, a1, a1)); v != "Tekniska förvaltningen 2027-03-31" {
		t.Fatalf("the page shows action 1 as %q", v)
	}
	shot(org, "revision-1920x1080")

	// Live from the page to the board: the organizer sets Per's action
	// ongoing; Per's map shows it.
	org.setField("#status-"+a1, "ongoing")
	per.waitFor("the page's change on Per's board", fmt.Sprintf(`processkarta.client.objects.get(%s).status === 'ongoing' && %s`, jsq(a1), labelHas(a1, "Pågår")), 5*time.Second)
	// And back: Eva marks hers done in the properties panel; the page
	// follows.
	eva.choose("Status", "Klar")
	org.waitFor("Eva's change on the page", fmt.Sprintf(`document.querySelector('#status-%s').value === 'done' && document.querySelector('[data-action=%s] .status-chip').textContent === 'Klar'`, a2, jsq(a2)), 5*time.Second)

	// The revision report.
	org.do("make the report", chromedp.Click(buttonByText("Skapa revisionsrapport (PDF)")))
	org.waitFor("the report listed", `document.querySelector('#report-status').textContent.startsWith('Rapporten är klar') && document.querySelectorAll('#exports li').length === 1 && document.querySelectorAll('#exports li button:not([data-report])').length === 1 && document.querySelectorAll('#exports li button[data-report]').length === 1`, 30*time.Second)
	var rev struct{ Exports []board.Export }
	must(api.Do(ctx, "GET", "/api/strategies/"+strat.ID, api.Key, nil, &rev))
	if len(rev.Exports) != 1 {
		t.Fatalf("%d exports", len(rev.Exports))
	}
	text := reportText(t, s, rev.Exports[0].ID)
	last := -1
	for i := 1; i <= 6; i++ {
		at := strings.Index(text, titles[i])
		if at <= last {
			t.Fatalf("goal %d (%s) is not in rank order in the report:\n%s", i, titles[i], text)
		}
		last = at
	}
	for _, want := range []string{
		"Laddstolpar vid förvaltningarna Tekniska förvaltningen", "2027-03-31 Pågår",
		"Energikartläggning av skolor Fastighetskontoret Energistrateg 2026-11-30 Klar",
	} {
		if !strings.Contains(text, want) {
			t.Fatalf("the report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Per Holm") || strings.Contains(text, "Eva Ek") {
		t.Fatal("the report names participants")
	}

	// The cluster overview.
	org.navigate(s.URL() + "/k/V%C3%A4st")
	org.waitFor("the cluster table", fmt.Sprintf(`!!document.querySelector('tr[data-strategy=%s]')`, jsq(strat.ID)), 10*time.Second)
	var cells []string
	org.eval(fmt.Sprintf(`[...document.querySelectorAll('tr[data-strategy=%s] > *')].map((c) => c.textContent)`, jsq(strat.ID)), &cells)
	want := []string{"Göteborg (1480)", "Energi- och klimatstrategi 2026", "Workshoppar: 2", "", "Målområden: 6",
		"Planerade åtgärder: 0", "Pågående: 1", "Klara: 1", ""}
	for i, w := range want {
		if w != "" && cells[i] != w {
			t.Fatalf("cluster row cell %d is %q, want %q (row %q)", i, cells[i], w, cells)
		}
	}
	if !strings.HasPrefix(cells[8], "Exporter: 1 (") {
		t.Fatalf("exports cell %q", cells[8])
	}
	shot(org, "cluster-1920x1080")
	org.setViewport(viewport{375, 667, true})
	settle(org)
	shot(org, "cluster-375x667")
	org.navigate(s.URL() + "/s/" + strat.ID)
	org.waitFor("the revision", `document.querySelectorAll('#goals .goal-item').length === 6`, 10*time.Second)
	settle(org)
	shot(org, "revision-375x667")
	per.eval(`processkarta.canvas.fit()`, nil)
	settle(per)
	shot(per, "board-actions-1280x720")
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

// reportText is the text of an export as pdftotext reads it, words joined
// by single spaces (table cells wrap).
func reportText(t *testing.T, s *testServer, exportID string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+"/api/exports/"+exportID+"/pdf", nil)
	req.Header.Set("Authorization", "Bearer "+organizerKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	pdf, _ := io.ReadAll(res.Body)
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
