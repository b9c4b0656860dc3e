package drawio

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// load reads a diagrams.net file's page into a new board the way the
// server does.
func load(t *testing.T, data []byte, page int) (*board.State, *interchange.Map) {
	t.Helper()
	d, err := Decode(data, page)
	return interchangetest.Load(t, d, err)
}

func fixture(t *testing.T, name string) []byte { t.Helper(); return interchangetest.Fixture(t, name) }

// TestDecodeDiagramsNetFiles imports diagrams.net's own example diagrams:
// a pool with lanes (compressed), vertical swimlanes with HTML labels
// (compressed), BPMN shapes with HTML labels and edge labels in a pool with
// lanes, a file of two pages, and a plain (uncompressed) flowchart of two
// pages with pictures.
func TestDecodeDiagramsNetFiles(t *testing.T) {
	for _, tc := range []struct {
		file     string
		page     int
		title    string
		count    map[string]int
		has      []string
		warnings []string
	}{
		{
			file:  "swimlanes.drawio",
			count: map[string]int{"lane": 3, "step": 4, "decision": 2, "event:start": 1, "event:end": 1, "link": 8},
			has:   []string{`lane 0 "Lane 1"`, `lane 2 "Lane 3"`, `link step "" in lane 0 -> step "" in lane 1 ""`, `link decision "" in lane 1 -> step "" in lane 2 ""`},
		},
		{
			// Columns: the map turns so that its lanes run across.
			file:  "swimlane-columns-html.drawio",
			count: map[string]int{"lane": 7, "step": 19, "link": 22},
			has: []string{`lane 0 "Inside Sales Rep"`, `lane 6 "Director"`, `step "Facilities Procurement\nApplication" in lane 1`,
				`link step "Customer Management" in lane 0 -> step "Credit Management" in lane 0 ""`},
		},
		{
			file:  "incident-response-bpmn.drawio",
			count: map[string]int{"lane": 5, "step": 12, "decision": 6, "event:start": 1, "event:end": 5, "link": 28},
			has: []string{`lane 1 "Account Manager"`, `decision "Solution\nKnown?" in lane 2`, `step "Handover to\n2nd Line Support" in lane 2`,
				`link decision "Bug?" in lane 3 -> step "Bug report" in lane 4 "Yes"`},
			warnings: []string{"arrows that are not connected at both ends were left out", "arrows to or from a whole lane were left out"},
		},
		{
			file:  "bpmn-example-two-pages.drawio",
			count: map[string]int{"lane": 5, "step": 15, "decision": 4, "event:start": 1, "link": 23},
			has: []string{`lane 1 "Items'R'us – Accounts"`, `lane 4 "Client"`,
				`link decision "" in lane 1 -> step "Send receipt" in lane 1 "Payment received"`},
			warnings: []string{"the file has 2 pages (1 'Page-1', 2 'Purchase stock'); page 1 was imported", "intermediate and boundary events became steps"},
		},
		{
			file: "bpmn-example-two-pages.drawio", page: 2, title: "Purchase stock",
			has:      []string{`decision "Available?"`, `step "Order from supplier"`, `link decision "Available?" -> step "Order from supplier" "In stock"`},
			warnings: []string{"page 2 was imported"},
		},
		{
			file: "sourdough-process-plain.drawio", title: "Make sourdough starter",
			count: map[string]int{"step": 5, "decision": 2, "note": 3, "link": 9},
			has: []string{`decision "Ready?\nbubbly & smells sour like vinegar or something fermented"`, `note "Initial Starter"`,
				`link decision "Mouldy?" -> step "Throw starter out and start again" "Yes"`},
			warnings: []string{"pictures have no counterpart on a board and were left out"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			st, m := load(t, fixture(t, tc.file), tc.page)
			if m.Title != tc.title {
				t.Errorf("title %q, want %q", m.Title, tc.title)
			}
			got := interchangetest.Count(st)
			for k, n := range tc.count {
				if got[k] != n {
					t.Errorf("%d of %s, want %d (all: %v)", got[k], k, n, got)
				}
			}
			shape := interchangetest.Shape(st)
			for _, h := range tc.has {
				if !slices.Contains(shape, h) {
					t.Errorf("missing %s", h)
				}
			}
			for _, w := range tc.warnings {
				if !slices.ContainsFunc(m.Warnings, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("no warning %q in\n%s", w, strings.Join(m.Warnings, "\n"))
				}
			}
			for _, o := range st.Objects {
				if strings.ContainsAny(o.Text("text")+o.Text("title")+o.Text("label"), "<>") {
					t.Errorf("markup left in %s %q", o.Kind, o.Text("text"))
				}
			}
			if t.Failed() {
				t.Logf("board:\n%s\nwarnings:\n%s", strings.Join(shape, "\n"), strings.Join(m.Warnings, "\n"))
			}
		})
	}
}

// TestRoundTripSample exports a board with every kind of object and
// imports it again: the same lanes, kinds, texts and links at the same
// places; compressed as diagrams.net compresses pages, the same again.
func TestRoundTripSample(t *testing.T) {
	st := interchangetest.Sample(t)
	file := Encode(st)
	back, m := load(t, file, 0)
	if len(m.Warnings) > 0 {
		t.Errorf("warnings: %v", m.Warnings)
	}
	want := interchangetest.Shape(st)
	if got := interchangetest.Shape(back); !slices.Equal(want, got) {
		t.Fatalf("the round trip changed the board:\n%s", interchangetest.Diff(want, got))
	}
	interchangetest.SamePlaces(t, st, back)
	a, b := interchangetest.Only(t, st, board.KindGoal), interchangetest.Only(t, back, board.KindGoal)
	for k, v := range a.Props {
		if b.Props[k] != v {
			t.Errorf("goal %s: %v, want %v", k, b.Props[k], v)
		}
	}
	again, _ := load(t, compress(t, file), 0)
	if got := interchangetest.Shape(again); !slices.Equal(want, got) {
		t.Fatalf("compressed:\n%s", interchangetest.Diff(want, got))
	}
	interchangetest.SamePlaces(t, st, again)
	// Saved by diagrams.net with a shape added, the file's coordinates
	// are fitted to the board's bands; lanes, kinds, texts, links stay.
	edited := bytes.Replace(file, []byte(`host="Processkarta"`), []byte(`host="app.diagrams.net"`), 1)
	edited = bytes.Replace(edited, []byte("</root>"), []byte(`<mxCell id="new" value="Ny ruta" style="rounded=1;" vertex="1" parent="1"><mxGeometry x="300" y="1000" width="120" height="60" as="geometry"/></mxCell></root>`), 1)
	third, _ := load(t, edited, 0)
	if got := interchangetest.Shape(third); !slices.Equal(append(slices.Clone(want), `step "Ny ruta"`), got) && !slices.Equal(sortCopy(append(slices.Clone(want), `step "Ny ruta"`)), got) {
		t.Fatalf("edited in diagrams.net:\n%s", interchangetest.Diff(sortCopy(append(slices.Clone(want), `step "Ny ruta"`)), got))
	}
}

func sortCopy(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// compress packs every page as diagrams.net does: URL-encoded, deflated,
// base64.
func compress(t *testing.T, file []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)(<diagram[^>]*>)\s*(<mxGraphModel.*?</mxGraphModel>)\s*(</diagram>)`)
	return re.ReplaceAllFunc(file, func(m []byte) []byte {
		p := re.FindSubmatch(m)
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write([]byte(strings.ReplaceAll(url.QueryEscape(string(p[2])), "+", "%20")))
		w.Close()
		return []byte(string(p[1]) + base64.StdEncoding.EncodeToString(buf.Bytes()) + string(p[3]))
	})
}

// TestImportExportImport imports diagrams.net's examples, exports the
// boards and imports the exports: lanes, kinds, texts and links stay.
func TestImportExportImport(t *testing.T) {
	for _, f := range []string{"swimlanes.drawio", "swimlane-columns-html.drawio", "incident-response-bpmn.drawio", "bpmn-example-two-pages.drawio", "sourdough-process-plain.drawio"} {
		t.Run(f, func(t *testing.T) {
			first, _ := load(t, fixture(t, f), 0)
			second, m := load(t, Encode(first), 0)
			if len(m.Warnings) > 0 {
				t.Errorf("the second import warns: %v", m.Warnings)
			}
			want, got := interchangetest.Shape(first), interchangetest.Shape(second)
			if !slices.Equal(want, got) {
				t.Fatalf("import, export, import changed the board:\n%s", interchangetest.Diff(want, got))
			}
			interchangetest.SamePlaces(t, first, second)
		})
	}
}

// TestDecodeRefuses names what is wrong, and where.
func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		page int
		want string
	}{
		{`<definitions/>`, 0, "line 1, <definitions>: this is not a diagrams.net file"},
		{`<mxfile><diagram name="A">%%%</diagram></mxfile>`, 0, "page 1 ('A') is compressed, but its content is not valid base64 (at character 0)"},
		{`<mxfile><diagram name="A">AAAA</diagram></mxfile>`, 0, "page 1 ('A') is compressed, but its content is not valid deflate data"},
		{`<mxfile><diagram name="A"><mxGraphModel><root/></mxGraphModel></diagram></mxfile>`, 2, "the file has 1 pages; page 2 does not exist"},
		{"<mxfile>\n<diagram name=\"A\">\n<mxGraphModel><root><mxCell id=\"0\"></root></mxGraphModel></diagram></mxfile>", 0, "line 3: the diagrams.net file is not well-formed XML"},
	} {
		_, err := Decode([]byte(tc.doc), tc.page)
		if err == nil || board.ErrorCode(err) != board.EInvalid || !strings.Contains(board.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.doc, err, tc.want)
		}
	}
}
