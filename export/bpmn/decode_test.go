package bpmn

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// load reads a BPMN document into a new board the way the server does.
func load(t *testing.T, data []byte) (*board.State, *interchange.Map) {
	t.Helper()
	d, err := Decode(data)
	return interchangetest.Load(t, d, err)
}

func fixture(t *testing.T, name string) []byte { t.Helper(); return interchangetest.Fixture(t, name) }

func hasWarning(ws []string, part string) bool { return interchangetest.HasWarning(ws, part) }

// TestDecodeModellerFiles imports BPMN files made by modellers (Camunda
// Modeler's invoice example, bpmn-js's kitchen sink and its pizza
// collaboration): lanes, texts and arrows arrive, and what has no
// counterpart is named in the warnings.
func TestDecodeModellerFiles(t *testing.T) {
	for _, tc := range []struct {
		file     string
		title    string
		count    map[string]int
		has      []string // lines of interchangetest.Shape
		warnings []string
	}{
		{
			file: "camunda-invoice.bpmn", title: "Invoice Receipt",
			count: map[string]int{"lane": 3, "step": 5, "decision": 2, "event:start": 1, "event:end": 2, "link": 10},
			has: []string{`lane 0 "Team Assistant"`, `lane 1 "Approver"`, `lane 2 "Accountant"`,
				`step "Approve Invoice" in lane 1`, `step "Prepare\nBank\nTransfer" in lane 2`,
				`link decision "Invoice\napproved?" in lane 1 -> step "Prepare\nBank\nTransfer" in lane 2 "yes"`,
				`event:start "Invoice\nreceived" in lane 0`},
			warnings: []string{"data objects and data stores have no counterpart on a board and were left out: 'Financial Accounting System'"},
		},
		{
			file: "bpmnjs-kitchen-sink.bpmn",
			// Every task type a step (boundary and intermediate events
			// too), every gateway type a decision.
			count: map[string]int{"lane": 3, "step": 31, "decision": 5, "event:start": 2, "note": 1, "link": 23},
			has:   []string{`step "Hello Universe" in lane 0`, `note "Hello World"`, `event:start "Hello World" in lane 0`},
			warnings: []string{"intermediate and boundary events became steps", "gateways other than exclusive ones became ordinary decisions (parallelGateway)",
				"gateways other than exclusive ones became ordinary decisions (eventBasedGateway)", "data objects and data stores have no counterpart",
				"sub-processes became single steps; what was inside them was left out: #Task_1mvn5bz (7 elements)"},
		},
		{
			file: "bpmnjs-pizza-collaboration.bpmn", title: "Pizza Customer",
			count: map[string]int{"lane": 4, "step": 12, "decision": 2, "event:start": 2, "event:end": 2, "link": 24},
			has: []string{`lane 0 "Pizza Customer"`, `lane 1 "Pizza vendor – clerk"`, `lane 3 "Pizza vendor – delivery boy"`,
				`link step "Order a pizza" in lane 0 -> event:start "Order received" in lane 1 "pizza order"`,
				`link step "Bake the pizza" in lane 2 -> step "Deliver the pizza" in lane 3 ""`},
			warnings: []string{"message flows between pools became ordinary arrows (6 times)"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			st, m := load(t, fixture(t, tc.file))
			if tc.title != "" && m.Title != tc.title {
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
				if !hasWarning(m.Warnings, w) {
					t.Errorf("no warning %q in\n%s", w, strings.Join(m.Warnings, "\n"))
				}
			}
			if t.Failed() {
				t.Logf("board:\n%s", strings.Join(shape, "\n"))
			}
			// Every node lies in its lane's band.
			for _, o := range st.Objects {
				lane, _ := o.Props["lane"].(string)
				if lane == "" {
					continue
				}
				b, _ := interchange.BoardBox(o)
				i := slices.IndexFunc(interchange.Lanes(st), func(l *board.Object) bool { return l.ID == lane })
				if top := float64(i) * board.LaneHeight; b.Y < top || b.Y+b.H > top+board.LaneHeight || b.X < 180 || b.X+b.W > board.LaneWidth {
					t.Errorf("%s %q at %+v is outside its lane %d", o.Kind, o.Text("text"), b, i)
				}
			}
		})
	}
}

// TestRoundTripSample exports a board with every kind of object and imports
// it again: the same lanes, kinds, texts, links, goal areas and actions, at
// the same coordinates.
func TestRoundTripSample(t *testing.T) {
	st := interchangetest.Sample(t)
	back, m := load(t, Encode(st))
	if len(m.Warnings) > 0 {
		t.Errorf("warnings: %v", m.Warnings)
	}
	want, got := interchangetest.Shape(st), interchangetest.Shape(back)
	if !slices.Equal(want, got) {
		t.Fatalf("the round trip changed the board:\n%s", interchangetest.Diff(want, got))
	}
	interchangetest.SamePlaces(t, st, back)
	// Goal areas and actions keep every prop.
	for _, kind := range []string{board.KindGoal, interchange.KindAction} {
		a, b := interchangetest.Only(t, st, kind), interchangetest.Only(t, back, kind)
		if a == nil {
			continue
		}
		for k, v := range a.Props {
			if k == "goal" {
				continue // a new id
			}
			if b.Props[k] != v {
				t.Errorf("%s %s: %v, want %v", kind, k, b.Props[k], v)
			}
		}
	}
	// Read as a file another modeller saved (its coordinates fitted to
	// the bands), it keeps lanes, kinds, texts and links all the same.
	foreign := bytes.Replace(Encode(st), []byte(`exporter="Processkarta"`), []byte(`exporter="Camunda Modeler"`), 1)
	again, _ := load(t, foreign)
	if got := interchangetest.Shape(again); !slices.Equal(want, got) {
		t.Fatalf("as a foreign file:\n%s", interchangetest.Diff(want, got))
	}
}

// TestImportExportImport imports the modellers' files, exports the boards
// and imports the exports: lanes, kinds, texts and links stay; the export
// of a foreign file is read by bpmn-moddle without warnings.
func TestImportExportImport(t *testing.T) {
	for _, f := range []string{"camunda-invoice.bpmn", "bpmnjs-kitchen-sink.bpmn", "bpmnjs-pizza-collaboration.bpmn"} {
		t.Run(f, func(t *testing.T) {
			first, _ := load(t, fixture(t, f))
			doc := Encode(first)
			second, m := load(t, doc)
			if len(m.Warnings) > 0 {
				t.Errorf("the second import warns: %v", m.Warnings)
			}
			want, got := interchangetest.Shape(first), interchangetest.Shape(second)
			if !slices.Equal(want, got) {
				t.Fatalf("import, export, import changed the board:\n%s", interchangetest.Diff(want, got))
			}
			interchangetest.SamePlaces(t, first, second)
			if r := readWithModdle(t, doc); len(r.Warnings) > 0 {
				t.Errorf("bpmn-moddle warns on the export: %v", r.Warnings)
			}
		})
	}
}

// TestDecodeRefuses names what is wrong with files that are not BPMN.
func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`<mxfile/>`, "line 1, <mxfile>: this is not a BPMN 2.0 file"},
		{`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>`, "no process and no pool"},
		{"<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process>\n<task></process>", "line 3: the BPMN file is not well-formed XML"},
	} {
		_, err := Decode([]byte(tc.doc))
		if err == nil || board.ErrorCode(err) != board.EInvalid || !strings.Contains(board.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.doc, err, tc.want)
		}
	}
}
