package export

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
)

// tagged is what the tools say about a PDF's structure.
type tagged struct {
	structure string   // pdfinfo -struct-text
	text      string   // the quoted text in it, whitespace collapsed
	figures   []string // each Figure's /Alt, from qpdf --json
	catalog   map[string]any
	pages     []map[string]any
}

var quoted = regexp.MustCompile(`(?m)^\s*"(.*)"$`)

// checkTagged runs pdfinfo and qpdf on the file at path and checks what
// every tagged export must have: Tagged: yes, the catalog's /MarkInfo,
// /Lang lang, DisplayDocTitle and structure tree, every page's
// /StructParents and /Tabs /S, and all page content inside marked content
// (a tagged element's or an artifact's). With text it reads the tree with
// its text (pdfinfo -struct-text), which poppler makes by drawing a page
// once per marked-content sequence: half a minute for the large board.
func checkTagged(t *testing.T, path, lang string, text bool) tagged {
	t.Helper()
	var tg tagged
	info := run(t, "pdfinfo", path)
	if !regexp.MustCompile(`(?m)^Tagged:\s+yes$`).MatchString(info) {
		t.Errorf("pdfinfo does not say Tagged: yes:\n%s", info)
	}
	if !regexp.MustCompile(`(?m)^PDF version:\s+1\.7$`).MatchString(info) {
		t.Errorf("not PDF 1.7, which PDF/UA-1 builds on:\n%s", info)
	}
	if text {
		tg.structure = run(t, "pdfinfo", "-struct-text", path)
	}
	var parts []string
	for _, m := range quoted.FindAllStringSubmatch(tg.structure, -1) {
		parts = append(parts, m[1])
	}
	tg.text = spaces.ReplaceAllString(strings.Join(parts, " "), " ")

	var doc struct {
		Qpdf []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal([]byte(run(t, "qpdf", "--json=2", "--json-key=qpdf", path)), &doc); err != nil || len(doc.Qpdf) < 2 {
		t.Fatalf("qpdf --json: %v", err)
	}
	var objs map[string]map[string]any
	if err := json.Unmarshal(doc.Qpdf[1], &objs); err != nil {
		t.Fatal(err)
	}
	value := func(ref any) map[string]any {
		s, _ := ref.(string)
		o := objs["obj:"+s]
		v, _ := o["value"].(map[string]any)
		return v
	}
	trailer := objs["trailer"]["value"].(map[string]any)
	tg.catalog = value(trailer["/Root"])
	if tg.catalog["/Lang"] != "u:"+lang {
		t.Errorf("/Lang %v, want %s", tg.catalog["/Lang"], lang)
	}
	if mi, _ := tg.catalog["/MarkInfo"].(map[string]any); mi["/Marked"] != true {
		t.Errorf("/MarkInfo %v", tg.catalog["/MarkInfo"])
	}
	if vp, _ := tg.catalog["/ViewerPreferences"].(map[string]any); vp["/DisplayDocTitle"] != true {
		t.Errorf("/ViewerPreferences %v", tg.catalog["/ViewerPreferences"])
	}
	if tg.catalog["/Outlines"] == nil {
		t.Error("the bookmarks are gone")
	}
	str := value(tg.catalog["/StructTreeRoot"])
	if str["/Type"] != "/StructTreeRoot" || str["/ParentTree"] == nil {
		t.Errorf("no structure tree root: %v", str)
	}
	kids, _ := value(tg.catalog["/Pages"])["/Kids"].([]any)
	for i, k := range kids {
		p := value(k)
		tg.pages = append(tg.pages, p)
		if p["/StructParents"] != float64(i) || p["/Tabs"] != "/S" {
			t.Errorf("page %d: /StructParents %v /Tabs %v", i+1, p["/StructParents"], p["/Tabs"])
		}
	}
	// Structure elements are numbered in the tree's order.
	nums := make([]int, 0, len(objs))
	for k := range objs {
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(k, "obj:"), " 0 R")); err == nil {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for _, n := range nums {
		v, _ := objs["obj:"+strconv.Itoa(n)+" 0 R"]["value"].(map[string]any)
		if v["/S"] == "/Figure" {
			alt, _ := v["/Alt"].(string)
			tg.figures = append(tg.figures, strings.TrimPrefix(alt, "u:"))
		}
	}
	checkMarkedContent(t, path)
	return tg
}

// paints matches the operators that put marks on a page.
var paints = regexp.MustCompile(`(^|\s)(f|F|f\*|S|s|B|B\*|b|b\*|Tj|TJ|'|"|sh|Do)(\s|$)`)

// checkMarkedContent fails if any page paints outside a marked-content
// sequence, nests sequences, or leaves one open: with qpdf --qdf the
// content streams are plain text, one operator a line as fpdf writes them.
func checkMarkedContent(t *testing.T, path string) {
	t.Helper()
	qdf := filepath.Join(t.TempDir(), "qdf.pdf")
	run(t, "qpdf", "--qdf", "--object-streams=disable", path, qdf)
	f, err := os.Open(qdf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	page, depth, in, stream := 0, 0, false, false
	bad := 0
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "%% Contents for page "):
			page, _ = strconv.Atoi(strings.TrimPrefix(l, "%% Contents for page "))
			in = true
			continue
		case in && l == "stream":
			stream = true
			continue
		case stream && l == "endstream":
			if depth != 0 {
				t.Errorf("page %d: %d marked-content sequences left open", page, depth)
			}
			in, stream, depth = false, false, 0
			continue
		}
		if !stream {
			continue
		}
		switch {
		case strings.HasSuffix(l, " BDC") || strings.HasSuffix(l, " BMC"):
			depth++
			if depth > 1 {
				t.Errorf("page %d: nested marked content: %s", page, l)
			}
		case l == "EMC":
			depth--
			if depth < 0 {
				t.Errorf("page %d: EMC without a sequence", page)
				depth = 0
			}
		case depth == 0 && paints.MatchString(l):
			if bad++; bad < 5 {
				t.Errorf("page %d paints outside marked content: %.80s", page, l)
			}
		}
	}
	if page == 0 {
		t.Error("qpdf --qdf shows no page content")
	}
}

// wantStruct fails unless every string is in the structure's text.
func (tg tagged) wantStruct(t *testing.T, what string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(tg.text, spaces.ReplaceAllString(w, " ")) {
			t.Errorf("%s: the structure's text lacks %q", what, w)
		}
	}
}

// count returns how many lines of the structure match re.
func (tg tagged) count(re string) int {
	return len(regexp.MustCompile(`(?m)`+re).FindAllStringIndex(tg.structure, -1))
}

func writePDF(t *testing.T, pdf []byte, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTaggedExport: the workshop PDF carries a structure tree (PDF/UA-1):
// the title as H1 and the sections as H2, the tables with header cells
// (columns and rows), the notes as list items, the map as a figure whose
// alternative text reads every lane, step and note; what the tags say is
// what the pages print.
func TestTaggedExport(t *testing.T) {
	t.Parallel()
	st := exampleBoard(t)
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			opt := options()
			opt.Lang = lang
			pdf := render(t, st, opt)
			c := checkPDF(t, pdf, "tagged-"+lang)
			want := map[string]string{"sv": "sv-SE", "en": "en"}[lang]
			// The structure's text is read once, in Swedish: poppler takes
			// seconds for it.
			full := lang == "sv"
			tg := checkTagged(t, c.path, want, full)
			lab := map[string]*labels{"sv": sv, "en": en}[lang]
			if full {
				checkExampleStructure(t, tg, c, lab)
			}

			if len(tg.figures) != 1 {
				t.Fatalf("%d figures, want the map", len(tg.figures))
			}
			alt := tg.figures[0]
			for _, l := range exampleLanes {
				if !strings.Contains(alt, l) {
					t.Errorf("the map's alternative text lacks the lane %q", l)
				}
			}
			for _, w := range []string{"Räcker underlaget för remiss?", "Uppdrag om ny strategi → Nulägesanalys: energianvändning och utsläpp per sektor (uppdrag)",
				"Hinder: otydligt vem som äger uppföljningen av målen"} {
				if !strings.Contains(alt, w) {
					t.Errorf("the map's alternative text lacks %q", w)
				}
			}
			// Lanes in their order, the first lane's objects left to right.
			wantInOrder(t, alt, exampleLanes)
			wantInOrder(t, alt, []string{"Uppdrag om ny strategi", "Idé: gemensam klimatbudget", "Antas i kommunfullmäktige?", "Strategin antagen"})
		})
	}
}

// checkExampleStructure checks the example's structure tree as pdfinfo
// -struct-text shows it: the headings, the tables' header cells, the
// list items, and the text of the tags against the text of the pages.
func checkExampleStructure(t *testing.T, tg tagged, c checked, lab *labels) {
	t.Helper()
	if !regexp.MustCompile(`(?m)^  H1 \(block\)\n\s+"Målworkshop"$`).MatchString(tg.structure) {
		t.Error("the title is not the H1")
	}
	if n := tg.count(`^\s+H1\b`); n != 1 {
		t.Errorf("%d H1 headings, want 1", n)
	}
	for _, h := range []string{lab.summary, lab.contents, lab.mapTitle, lab.goalsTitle, lab.notesTitle, lab.peopleTitle} {
		if !regexp.MustCompile(`(?m)^\s+H2 \(block\)\n\s+"` + regexp.QuoteMeta(h) + `"$`).MatchString(tg.structure) {
			t.Errorf("no H2 %q", h)
		}
	}
	// The goal table's columns are header cells with a column
	// scope; the metadata's labels are row headers.
	for _, col := range lab.goalCols {
		if !regexp.MustCompile(`(?m)^\s+TH:\n\s+/Scope /Column\n\s+"` + regexp.QuoteMeta(col) + `"$`).MatchString(tg.structure) {
			t.Errorf("no column header %q", col)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+TH:\n\s+/Scope /Row\n\s+"` + regexp.QuoteMeta(lab.municipal) + `"$`).MatchString(tg.structure) {
		t.Errorf("the label %q is not a row header", lab.municipal)
	}
	// The tags carry the page text: every goal area, note and lane
	// that the pages print.
	tg.wantStruct(t, "goals", exampleGoals...)
	tg.wantStruct(t, "lanes", exampleLanes...)
	tg.wantStruct(t, "notes", "Idé: gemensam klimatbudget för alla nämnder", "Hinder: detaljplaner tar inte hänsyn till solenergi")
	if n := tg.count(`^\s+LI \(block\)$`); n < 10+7 {
		t.Errorf("%d list items, want the 10 notes, the counts and the contents at least", n)
	}
	for _, w := range []string{"Fastighetskontoret", "Göteborg", "1480"} {
		if !strings.Contains(c.text, w) || !strings.Contains(tg.text, w) {
			t.Errorf("%q is not both in the page text and in the tags", w)
		}
	}
	// Footers are artifacts, not content.
	if strings.Contains(tg.text, strings.SplitN(lab.page, " ", 2)[0]+" 1 ") {
		t.Error("a page footer is tagged as content")
	}
}

func wantInOrder(t *testing.T, s string, want []string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(s[at:], w)
		if i < 0 {
			t.Errorf("%q missing or out of order (want %q)", w, want)
			return
		}
		at += i + len(w)
	}
}

// TestTaggedSplitMap: a map split over pages is a figure on the overview
// (the whole map) and one per part (what that part shows).
func TestTaggedSplitMap(t *testing.T) {
	t.Parallel()
	st, _ := largeBoard(t)
	pdf := render(t, st, options())
	path := writePDF(t, pdf, "large")
	tg := checkTagged(t, path, "sv-SE", false)
	if len(tg.figures) != 7 {
		t.Fatalf("%d figures, want the overview and 6 parts", len(tg.figures))
	}
	for _, l := range largeLanes {
		if !strings.Contains(tg.figures[0], l) {
			t.Errorf("the overview's alternative text lacks the lane %q", l)
		}
	}
	for _, f := range tg.figures[1:] {
		if !strings.HasPrefix(f, "Del ") {
			t.Errorf("a part's alternative text does not name the part: %.60q", f)
		}
	}
}

// revisionFixture is a strategy revision with two workshops, ranked goals,
// actions and participation counts (one of them a small cell).
func revisionFixture(t *testing.T) *Revision {
	st := exampleBoard(t)
	empty := board.NewState(board.Info{ID: "w2", Title: "Uppföljning"}, board.Settings{})
	rev := &Revision{
		Municipality: goteborg,
		Strategy:     *strategy,
		People:       17,
		ByPosition:   map[string]int{board.PositionPolitician: 2, board.PositionManager: 4, board.PositionOfficial: 10, board.PositionOther: 1},
		ByAdmin:      map[string]int{"Kommunstyrelsen": 2, "Miljöförvaltningen": 8, "Fastighetskontoret": 7},
		Workshops: []Workshop{
			{State: st, Date: workshop, People: 13},
			{State: empty, Date: workshop.Add(30 * 24 * time.Hour), People: 4, From: "Målworkshop"},
		},
	}
	for i, g := range exampleGoals[:4] {
		rev.Goals = append(rev.Goals, board.GoalArea{Title: g, Owner: "Fastighetskontoret", Target: "Mål " + strconv.Itoa(i+1)})
	}
	rev.Actions = []RevisionAction{
		{Action: board.Action{Title: "Energikartlägg skolor", Owner: "Fastighetskontoret", Responsible: "Lokalenheten", Due: "2027-06-30", Status: board.StatusOngoing}, GoalTitle: exampleGoals[0], Workshop: "Målworkshop"},
		{Action: board.Action{Title: "Solceller på nya förskolor", Owner: "Göteborg Energi AB", Due: "2028-12-31", Status: board.StatusPlanned}, GoalTitle: exampleGoals[1], Workshop: "Målworkshop"},
		{Action: board.Action{Title: "Klimatbudget i nämnderna", Status: board.StatusDone}, Workshop: "Uppföljning"},
	}
	return rev
}

// TestTaggedRevision: the revision report is tagged as the workshop PDF
// is, with its actions table and a figure for the workshop's map.
func TestTaggedRevision(t *testing.T) {
	t.Parallel()
	pdf, err := RenderRevision(revisionFixture(t), "sv", workshop)
	if err != nil {
		t.Fatal(err)
	}
	c := checkPDF(t, pdf, "revision")
	tg := checkTagged(t, c.path, "sv-SE", true)
	if !regexp.MustCompile(`(?m)^  H1 \(block\)\n\s+"Energi- och klimatstrategi 2026"$`).MatchString(tg.structure) {
		t.Error("the strategy is not the H1")
	}
	for _, h := range []string{revSv.workshops, revSv.goals, revSv.actions, revSv.people} {
		if !regexp.MustCompile(`(?m)^\s+H2 \(block\)\n\s+"` + regexp.QuoteMeta(h) + `"$`).MatchString(tg.structure) {
			t.Errorf("no H2 %q", h)
		}
	}
	for _, col := range revSv.actionCols {
		if !regexp.MustCompile(`(?m)^\s+TH:\n\s+/Scope /Column\n\s+"` + regexp.QuoteMeta(col) + `"$`).MatchString(tg.structure) {
			t.Errorf("no column header %q", col)
		}
	}
	tg.wantStruct(t, "goals", exampleGoals[:4]...)
	tg.wantStruct(t, "actions", "Energikartlägg skolor", "Solceller på nya förskolor", "Klimatbudget i nämnderna", "2027-06-30")
	if len(tg.figures) != 1 {
		t.Fatalf("%d figures, want the first workshop's map", len(tg.figures))
	}
	for _, l := range exampleLanes {
		if !strings.Contains(tg.figures[0], l) {
			t.Errorf("the map's alternative text lacks the lane %q", l)
		}
	}
}
