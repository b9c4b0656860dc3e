package export

import (
	"regexp"
	"strings"
	"testing"
)

// reportOf renders st and takes the HTML report out of the PDF.
func reportOf(t *testing.T, pdf []byte) string {
	t.Helper()
	h, err := ReportHTML(pdf)
	if err != nil {
		t.Fatalf("ReportHTML: %v", err)
	}
	return string(h)
}

// TestHTMLReport: the PDF carries the same report as a web page: its
// language, title and headings, the goal areas in rank order in a table
// with header cells, the map as text (each lane with its objects left to
// right, then the arrows) and as an SVG image with a text alternative,
// and the participation counts without names and without cells of 1–2.
func TestHTMLReport(t *testing.T) {
	t.Parallel()
	st := exampleBoard(t)
	pdf := render(t, st, options())
	page := reportOf(t, pdf)
	for _, want := range []string{
		`<html lang="sv">`,
		`<title>Göteborg – Energi- och klimatstrategi 2026 – Målworkshop</title>`,
		`<h1>Målworkshop</h1>`,
		`<h2 id="mal">Målområden i prioritetsordning</h2>`,
		`<th scope="col">Målområde</th>`,
		`<th scope="row">Kommun</th><td>Göteborg</td>`,
		`role="img" aria-labelledby="karta-title" aria-describedby="karta-text"`,
		`<h3>Simbana: Kommunstyrelsen</h3>`,
		`färre än 3`,
		`Övriga förvaltningar`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	wantInOrder(t, page, exampleGoals)
	wantInOrder(t, page, exampleLanes)
	// The first lane's objects from left to right, then the arrows.
	wantInOrder(t, page, []string{"Händelse: Uppdrag om ny strategi", "Lapp: Idé: gemensam klimatbudget", "Beslutspunkt: Antas i kommunfullmäktige?",
		"Slut: Strategin antagen", "<h3>Pilar</h3>", "Uppdrag om ny strategi → Nulägesanalys"})
	if n := strings.Count(page, "<h1>"); n != 1 {
		t.Errorf("%d h1 headings", n)
	}
	for _, p := range st.Participants {
		if strings.Contains(page, p.Name) {
			t.Errorf("the report names %q without Options.Names", p.Name)
		}
	}
	if regexp.MustCompile(`<script|style="|\son[a-z]+=`).MatchString(page) {
		t.Error("the report has scripts, inline style attributes or handlers, which the CSP refuses")
	}
	if !strings.Contains(page, "<style>"+reportCSS+"</style>") || StyleHash(reportCSS) != ReportStyleHash() {
		t.Error("the report's stylesheet is not the one ReportStyleHash allows")
	}

	opt := options()
	opt.Names, opt.Lang = true, "en"
	named := reportOf(t, render(t, st, opt))
	for _, want := range []string{`<html lang="en">`, "Anna Lindqvist", "<h3>List of participants</h3>", "Goal areas in priority order"} {
		if !strings.Contains(named, want) {
			t.Errorf("the English report with names lacks %s", want)
		}
	}
}

// TestHTMLReportRevision: the revision report's page has the actions with
// owners and dates under their goals, and each workshop's map.
func TestHTMLReportRevision(t *testing.T) {
	t.Parallel()
	pdf, err := RenderRevision(revisionFixture(t), "sv", workshop)
	if err != nil {
		t.Fatal(err)
	}
	page := reportOf(t, pdf)
	for _, want := range []string{
		`<h1>Energi- och klimatstrategi 2026</h1>`,
		`<h3>1. Energieffektiva kommunala lokaler</h3>`,
		`<th scope="row">Energikartlägg skolor</th><td>Fastighetskontoret</td><td>Lokalenheten</td><td>2027-06-30</td><td>Pågår</td>`,
		`<th scope="row">Kommunstyrelsen</th><td>–</td>`,
		`<h2 id="karta-1">Processkarta: Målworkshop · 2026-11-26</h2>`,
		`<h2 id="karta-2">Processkarta: Uppföljning · 2026-12-26</h2>`,
		`Kartan är tom.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the revision report lacks %s", want)
		}
	}
	wantInOrder(t, page, exampleLanes)
}

func TestReportHTMLOfOtherFiles(t *testing.T) {
	t.Parallel()
	for _, b := range [][]byte{nil, []byte("%PDF-1.4\n%%EOF\n"), []byte("<html></html>")} {
		if _, err := ReportHTML(b); err == nil {
			t.Errorf("ReportHTML(%q) found a report", b)
		}
	}
}

// TestMapTextWithoutLanes: a map without lanes (the goal workshop's) is
// described without counting lanes: what stands on it, then the arrows.
func TestMapTextWithoutLanes(t *testing.T) {
	t.Parallel()
	b := newBuilder(t, "Mål", "goal-workshop")
	page := reportOf(t, render(t, b.st, options()))
	if !strings.Contains(page, sv.altIntroNone) || !strings.Contains(page, "<h3>"+sv.altOnMap+"</h3>") || strings.Contains(page, "0 simbanor") {
		t.Errorf("a map without lanes is described as one with lanes:\n%s", page[strings.Index(page, `id="karta-text"`):][:400])
	}
}
