package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/processkarta/processkarta/board"
)

// TestExportReportPage: the facilitator exports the PDF from the board's
// panel and opens its report as a web page ("Öppna som webbsida
// (tillgänglig)"). Shown from a blob under the board page's policy, the
// report has its stylesheet and the axe audit finds nothing moderate or
// worse; served at /api/exports/{id}/html it is audited again and
// photographed at 1920×1080 and 375×667 (to docs/screenshots/ with
// PROCESSKARTA_SCREENSHOTS=1, else to a temporary directory). The
// organizer's start page offers each of the strategy's exports as a web
// page too, and opens it with the organizer key.
func TestExportReportPage(t *testing.T) {
	axe := axeSource(t)
	s := startServer(t)
	w := newWorkshop(t, s, false)
	b := newBrowser(t, "facilitator", 1280, 720)
	openBoard(b, s, w, "facil")
	b.click(`[data-key="export"]`)
	b.waitFor("the web page offered", `!!document.querySelector('[data-key="export-html"]')`, 60*time.Second)
	if got := b.str(`document.querySelector('[data-key="export-html"]').textContent`); got != "Öppna som webbsida (tillgänglig)" {
		t.Errorf("the button says %q", got)
	}
	// The report opens in this tab instead of a new one, where the test
	// can read it.
	b.eval(`window.open = () => window; true`, nil)
	b.click(`[data-key="export-html"]`)
	b.waitFor("the report shown", `location.protocol === 'blob:' && document.querySelectorAll('h2').length > 3`, 10*time.Second)
	// The stylesheet applies (the policy allows it by hash): the header
	// has its rule.
	if got := b.str(`getComputedStyle(document.querySelector('header')).borderTopStyle`); got != "solid" {
		t.Errorf("the report's stylesheet does not apply in the blob (header border %q)", got)
	}
	if got := b.str(`document.querySelector('footer a[href$="/tillganglighet"]').href`); !strings.HasPrefix(got, s.URL()+"/") {
		t.Errorf("the statement link in the blob is %q", got)
	}
	auditClean(t, b, axe, "the report from the board")

	// The same page at its address, with the token in the header.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var e board.Export
	if err := s.api.Do(ctx, "POST", "/api/boards/"+w.BoardID+"/exports", w.Facilitator, nil, &e); err != nil {
		t.Fatal(err)
	}
	b.do("the token in every request", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": "Bearer " + w.Facilitator}})
		return err
	}))
	dir := t.TempDir()
	if os.Getenv("PROCESSKARTA_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	for _, v := range []viewport{{1920, 1080, false}, {375, 667, true}} {
		b.setViewport(v)
		b.navigate(s.URL() + "/api/exports/" + e.ID + "/html")
		b.waitFor("the report", `document.documentElement.lang === 'sv' && !!document.querySelector('figure svg[role="img"]')`, 10*time.Second)
		if got := b.str(`getComputedStyle(document.querySelector('header')).borderTopStyle`); got != "solid" {
			t.Errorf("at %s the report's stylesheet does not apply", v)
		}
		auditClean(t, b, axe, "the report at "+v.String())
		settle(b)
		file := filepath.Join(dir, "report-"+v.String()+".png")
		if err := os.WriteFile(file, b.screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s", file)
	}

	// The organizer's start page lists the strategy's exports, each with
	// its web page; opened with the organizer key, it is the report.
	b.do("no extra headers", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{}})
		return err
	}))
	b.setViewport(viewport{1280, 720, false})
	openOrganizer(b, s, w)
	b.waitFor("the exports' web pages offered", `document.querySelectorAll('#strat-list button[data-report]').length === 2`, 10*time.Second)
	if got := b.str(`document.querySelector('#strat-list button[data-report]').textContent`); got != "Öppna som webbsida (tillgänglig)" {
		t.Errorf("the organizer's button says %q", got)
	}
	if got := b.str(`document.querySelector('#strat-list button[data-report]').getAttribute('aria-label')`); !strings.HasPrefix(got, "Öppna som webbsida (tillgänglig): Växjö") {
		t.Errorf("the organizer's button is named %q, not after its file", got)
	}
	auditClean(t, b, axe, "the organizer page with exports")
	b.eval(`document.querySelector('#strat-list').scrollIntoView({block: 'center'})`, nil)
	settle(b)
	if err := os.WriteFile(filepath.Join(dir, "organizer-exports-1280x720.png"), b.screenshot(), 0o644); err != nil {
		t.Fatal(err)
	}
	b.eval(`window.open = () => window; true`, nil)
	b.click(`#strat-list button[data-report="` + e.ID + `"]`)
	b.waitFor("the report from the organizer page", `location.protocol === 'blob:' && document.documentElement.lang === 'sv' && !!document.querySelector('h1')`, 10*time.Second)
}
