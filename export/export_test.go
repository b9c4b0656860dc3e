package export

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

func render(t testing.TB, st *board.State, opt Options) []byte {
	t.Helper()
	pdf, err := Render(st, opt)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return pdf
}

// wantPages fails unless the document has n pages and says so in every
// footer ("Sida n av n" on the last page).
func wantPages(t *testing.T, c checked, n int, pageWord, of string) {
	t.Helper()
	if c.pages != n {
		t.Errorf("%d pages, want %d", c.pages, n)
	}
	c.wantText(t, "footer", fmt.Sprintf("%s 1 %s %d", pageWord, of, n), fmt.Sprintf("%s %d %s %d", pageWord, n, of, n))
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		template string
		pages    int // header, map (A3), goal table
		a3       int
		lanes    []string
		goals    []string
	}{
		// A blank board is empty: one page that says so.
		{board.TemplateBlank, 1, 0, nil, nil},
		// Five lanes and two events fit one A3 page at a legible size.
		{board.TemplateProcessMap, 2, 1, board.ProcessMapLanes, nil},
		// Six frames with a goal each: the map, then the ranked table.
		{board.TemplateGoalWorkshop, 3, 1, nil, board.GoalAreas},
	}
	for _, tc := range cases {
		t.Run(tc.template, func(t *testing.T) {
			t.Parallel()
			b := newBuilder(t, "Workshop "+tc.template, tc.template)
			c := checkPDF(t, render(t, b.st, options()), tc.template)
			wantPages(t, c, tc.pages, "Sida", "av")
			if a3, _ := c.pageSizes(t); a3 != tc.a3 {
				t.Errorf("%d A3 map pages, want %d", a3, tc.a3)
			}
			c.wantText(t, tc.template, "Göteborg", "1480", "Energi- och klimatstrategi", "2026-11-26", "namn anges inte")
			if strings.Contains(c.text, "Åsa Öberg") {
				t.Error("the facilitator is named without Options.Names")
			}
			c.wantText(t, tc.template, tc.lanes...)
			c.wantText(t, tc.template, tc.goals...)
			if tc.goals != nil {
				c.wantOrder(t, "Målområden i prioritetsordning", tc.goals)
			}
			if tc.template == board.TemplateBlank {
				c.wantText(t, "empty board", "Kartan är tom.")
			}
		})
	}
}

func TestExample(t *testing.T) {
	t.Parallel()
	st := exampleBoard(t)
	c := checkPDF(t, render(t, st, options()), "example")
	// Header; the map on one A3 page; the goal table; notes with the
	// participants after them.
	wantPages(t, c, 4, "Sida", "av")
	if a3, a4 := c.pageSizes(t); a3 != 1 || a4 != 3 {
		t.Errorf("%d A3 and %d A4 pages, want 1 and 3", a3, a4)
	}
	c.wantText(t, "example", "Göteborg", "Målworkshop", "namn anges inte")
	c.wantText(t, "contents", "Processkarta sida 2", "Målområden i prioritetsordning sida 3",
		"Lappar och hinder per simbana sida 4", "Deltagare sida 4")
	c.wantText(t, "lanes", exampleLanes...)
	c.wantOrder(t, "Målområden i prioritetsordning", exampleGoals)
	// Notes are listed under their lane, in lane order, with their votes.
	c.wantOrder(t, "Lappar och hinder per simbana", []string{
		"Kommunstyrelsen", "Idé: gemensam klimatbudget för alla nämnder",
		"Fastighetskontoret", "Hinder: energidata per byggnad saknas för en tredjedel av lokalerna",
		"Utan simbana", "Parkering: ta upp klimatanpassning i en egen workshop (1 röst)",
	})
	// Counts, but no names unless asked.
	c.wantText(t, "participants", "13 personer deltog", "Därtill 1 observatör (till exempel en projektorskärm)", "Per förvaltning")
	if strings.Contains(c.text, "Anna Lindqvist") {
		t.Error("participants' names are printed without Options.Names")
	}

	opt := options()
	opt.Names = true
	named := checkPDF(t, render(t, st, opt), "example-names")
	named.wantText(t, "names", "Deltagarlista", "Anna Lindqvist", "Björn Åkesson", "Linnéa Falk", "Åsa Öberg")
	if strings.Contains(named.text, "Projektor sal 3") {
		t.Error("observers are listed as participants")
	}
}

func TestEnglish(t *testing.T) {
	t.Parallel()
	opt := options()
	opt.Lang = "en"
	pdf := render(t, exampleBoard(t), opt)
	c := checkPDF(t, pdf, "example-en")
	wantPages(t, c, 4, "Page", "of")
	c.wantText(t, "english", "Goal areas in priority order", "Notes and obstacles by swimlane", "Participants", "Göteborg")
	if strings.Contains(c.text, "Sida ") {
		t.Error("Swedish page numbers in an English document")
	}
	meta := run(t, "pdfinfo", "-meta", c.path)
	if !strings.Contains(meta, "<rdf:li>en</rdf:li>") {
		t.Error("dc:language is not en")
	}
}

func TestLargeBoard(t *testing.T) {
	t.Parallel()
	st, ranked := largeBoard(t)
	pdf := render(t, st, options())
	if len(pdf) > 1<<20 {
		t.Errorf("the large board's PDF is %d bytes; want under 1 MB", len(pdf))
	}
	c := checkPDF(t, pdf, "large")
	c.wantText(t, "large", "Göteborg")
	c.wantText(t, "lanes", largeLanes...)
	c.wantOrder(t, "Målområden i prioritetsordning", ranked)
	// The board spans about 4,850 × 3,850 px: at 6 pt for 14 px text that is
	// 2 columns × 3 rows of A3 tiles, all holding something, after an
	// overview page.
	a3, _ := c.pageSizes(t)
	if a3 != 7 {
		t.Errorf("%d A3 map pages, want 7 (an overview and 6 tiles)", a3)
	}
	c.wantText(t, "tiles", "Del A1", "Del C2", "A1 → A2", "A1 ↓ B1", "B2 ↑ A2")
	// Header 1, map 7, the goal table 8 (30 rows with descriptions of up
	// to 40 long words, in a 50 mm column), notes 2, participants 1 (too
	// little room left under the notes).
	wantPages(t, c, 19, "Sida", "av")
}

func TestEmptyBoardIsOnePage(t *testing.T) {
	t.Parallel()
	st := board.NewState(board.Info{ID: uuid.NewString(), Title: "Tom tavla"}, board.Settings{})
	c := checkPDF(t, render(t, st, options()), "empty")
	wantPages(t, c, 1, "Sida", "av")
	c.wantText(t, "empty", "Kartan är tom.", "Tavlan har inga objekt")
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *board.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("error %v, want code %s", err, code)
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	st := board.NewState(board.Info{ID: uuid.NewString(), Title: "För stor"}, board.Settings{})
	for i := 0; i <= MaxObjects; i++ {
		id := uuid.NewString()
		st.Objects[id] = &board.Object{ID: id, Kind: board.KindNote, Props: map[string]any{"x": float64(i), "y": 0.0, "text": "lapp"}}
	}
	pdf, err := Render(st, options())
	wantCode(t, err, board.ETooLarge)
	if pdf != nil {
		t.Error("bytes with an error")
	}

	// Text beyond the board's own limits, as an unvalidated import could
	// hold.
	st = board.NewState(board.Info{ID: uuid.NewString(), Title: "Lång text"}, board.Settings{})
	id := uuid.NewString()
	st.Objects[id] = &board.Object{ID: id, Kind: board.KindNote, Props: map[string]any{"x": 0.0, "y": 0.0, "text": strings.Repeat("ö", board.MaxTextLen+1)}}
	pdf, err = Render(st, options())
	wantCode(t, err, board.ETooLarge)
	if pdf != nil {
		t.Error("bytes with an error")
	}

	// Many long texts, each within its limit, beyond the total.
	st = board.NewState(board.Info{ID: uuid.NewString(), Title: "Mycket text"}, board.Settings{})
	for i := 0; i*board.MaxTextLen <= MaxTotalText; i++ {
		id := uuid.NewString()
		st.Objects[id] = &board.Object{ID: id, Kind: board.KindNote, Props: map[string]any{"x": 0.0, "y": 0.0, "text": strings.Repeat("å", board.MaxTextLen)}}
	}
	_, err = Render(st, options())
	wantCode(t, err, board.ETooLarge)
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	st, _ := board.NewBoard(board.Info{ID: uuid.NewString(), Title: "X", Template: board.TemplateBlank}, 0)
	bad := map[string]func(*Options){
		"language":   func(o *Options) { o.Lang = "de" },
		"zero date":  func(o *Options) { o.Date = time.Time{} },
		"code":       func(o *Options) { o.Municipality.Code = "14a0" },
		"no name":    func(o *Options) { o.Municipality = board.Municipality{Code: "9999"} },
		"bad text":   func(o *Options) { o.Facilitator = "a\x00b" },
		"long":       func(o *Options) { o.Facilitator = strings.Repeat("x", 201) },
		"strategy":   func(o *Options) { o.Strategy = &board.Strategy{Title: "\x01"} },
		"invalid u8": func(o *Options) { o.Municipality.Name = "G\xffteborg" },
	}
	for name, f := range bad {
		opt := options()
		f(&opt)
		pdf, err := Render(st, opt)
		if wantCode(t, err, board.EInvalid); pdf != nil {
			t.Errorf("%s: bytes with an error", name)
		}
	}
	if _, err := Render(nil, options()); board.ErrorCode(err) != board.EInvalid {
		t.Errorf("nil board: %v", err)
	}
	// A known code fills in SCB's name.
	opt := options()
	opt.Municipality = board.Municipality{Code: "0180"}
	c := checkPDF(t, render(t, st, opt), "scb-name")
	c.wantText(t, "scb name", "Stockholm", "0180")
}
