package e2e_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestImportAndExportMap imports a modeller's BPMN file on the organizer
// page ("Importera karta"), reads the warnings, opens the new board with
// its lanes and arrows, and saves it as BPMN and draw.io from the board's
// export section.
func TestImportAndExportMap(t *testing.T) {
	s := startServer(t)
	newWorkshop(t, s, false)
	b := newBrowser(t, "organizer", 1920, 1080)
	b.navigate(s.URL() + "/")
	b.typeInto("Nyckel", organizerKey)
	b.do("sign in", chromedp.Click(buttonByText("Logga in med nyckeln")))
	b.chooseMunicipality("Växjö")
	b.waitFor("the boards listed", `document.querySelectorAll('#boards tr[data-board]').length === 2`, 5*time.Second)
	file, err := filepath.Abs("../../export/bpmn/testdata/camunda-invoice.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	b.do("import", chromedp.Click(buttonByText("Importera")))
	b.waitFor("the warnings", `document.querySelectorAll('#import-result .import-warnings li').length === 1
		&& document.querySelector('#import-result').textContent.includes('Financial Accounting System')
		&& document.querySelector('#import-result').textContent.includes('Tavlan ”Invoice Receipt” är skapad.')`, 10*time.Second)
	b.waitFor("the board listed", `[...document.querySelectorAll('#boards tr[data-board] strong')].some((e) => e.textContent === 'Invoice Receipt')`, 5*time.Second)
	if dir := os.Getenv("PROCESSKARTA_SHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "import-1920.png"), b.screenshot(), 0o644)
	}
	b.do("open the board", chromedp.Click(chromedp.Search(`//a[normalize-space()="Öppna tavlan"]`)))
	b.waitOnline()
	// 3 lanes, 5 steps, 2 decisions, 3 events, 10 arrows.
	b.waitFor("the board drawn", `processkarta.client.objects.size === 23 && document.querySelectorAll('#canvas [data-id]').length === 23`, 10*time.Second)
	if got := b.str(`[...processkarta.client.objects.values()].filter((o) => o.kind === 'lane').sort((a, b) => a.order - b.order).map((o) => o.title).join(', ')`); got != "Team Assistant, Approver, Accountant" {
		t.Fatalf("lanes: %s", got)
	}
	// Saving: record what the page hands to the browser as a download.
	b.eval(`window.saved = []; const orig = URL.createObjectURL; URL.createObjectURL = (blob) => { blob.text().then((s) => window.saved.push(s)); return orig(blob); }`, nil)
	if b.str(`String(document.querySelector('#panel').hidden)`) == "true" {
		b.click("#btn-panel")
	}
	b.waitFor("the facilitation tab", `!!document.querySelector('#tab-facil')`, 5*time.Second)
	b.click("#tab-facil")
	b.do("save as BPMN", chromedp.Click(buttonByText("Spara som BPMN")))
	b.waitFor("the BPMN file", `window.saved.length === 1 && window.saved[0].includes('<bpmn:lane') && window.saved[0].includes('name="Approve Invoice"')`, 5*time.Second)
	b.do("save as draw.io", chromedp.Click(buttonByText("Spara som draw.io")))
	b.waitFor("the draw.io file", `window.saved.length === 2 && window.saved[1].startsWith('<?xml') && window.saved[1].includes('<mxfile') && window.saved[1].includes('Team Assistant')`, 5*time.Second)
	if dir := os.Getenv("PROCESSKARTA_SHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "board-export-1920.png"), b.screenshot(), 0o644)
		b.setViewport(viewport{375, 667, true})
		settle(b)
		os.WriteFile(filepath.Join(dir, "board-export-375.png"), b.screenshot(), 0o644)
	}
}
