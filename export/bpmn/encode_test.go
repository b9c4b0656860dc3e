package bpmn

import (
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// TestEncodeReadByModdle has bpmn-moddle, the reader of bpmn-js and Camunda
// Modeler, read an exported board: no warnings (nothing outside the BPMN
// 2.0 schema, every reference resolved), one pool named after the board,
// and as many lanes, tasks, gateways, events, flows, annotations and groups
// as the board has of their kinds.
func TestEncodeReadByModdle(t *testing.T) {
	st := interchangetest.Sample(t)
	doc := Encode(st)
	r := readWithModdle(t, doc)
	if len(r.Warnings) > 0 {
		t.Fatalf("bpmn-moddle warns:\n%s\n\n%s", strings.Join(r.Warnings, "\n"), doc)
	}
	n := interchangetest.Count(st)
	// Flows are the links between steps, decisions and events; the note's
	// link is an association, the goal's goes into the extension.
	flows, assocs, other := 0, 0, 0
	for _, o := range st.Objects {
		if o.Kind != board.KindLink {
			continue
		}
		a, b := st.Objects[o.Text("from")], st.Objects[o.Text("to")]
		switch {
		case flowKinds[a.Kind] && flowKinds[b.Kind]:
			flows++
		case a.Kind == board.KindNote || b.Kind == board.KindNote:
			assocs++
		default:
			other++
		}
	}
	if flows == 0 || assocs == 0 || other == 0 {
		t.Fatalf("the sample board lacks a kind of link: %d flows, %d associations, %d others", flows, assocs, other)
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"participants", r.Participants, 1},
		{"lanes", r.Lanes, n[board.KindLane]},
		{"tasks", r.Tasks, n[board.KindStep]},
		{"gateways", r.Gateways, n[board.KindDecision]},
		{"start events", r.StartEvents, n[board.KindEvent+":start"]},
		{"end events", r.EndEvents, n[board.KindEvent+":end"]},
		{"sequence flows", r.Flows, flows},
		{"text annotations", r.Annotations, n[board.KindNote]},
		{"associations", r.Associations, assocs},
		{"groups", r.Groups, n[board.KindFrame]},
		{"goals kept in the extension", r.Extensions["goal"], n[board.KindGoal]},
		{"actions kept in the extension", r.Extensions["action"], n[interchange.KindAction]},
		{"links kept in the extension", r.Extensions["link"], other},
		// Every lane, node, note and frame has a shape, plus the pool;
		// every flow and association an edge.
		{"DI shapes", r.Shapes, 1 + n[board.KindLane] + n[board.KindStep] + n[board.KindDecision] + n[board.KindEvent+":start"] + n[board.KindEvent+":end"] + n[board.KindNote] + n[board.KindFrame]},
		{"DI edges", r.Edges, flows + assocs},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: bpmn-moddle read %d, the board has %d", c.what, c.got, c.want)
		}
	}
	if !strings.Contains(string(doc), `name="`+escape(st.Info.Title)+`"`) {
		t.Errorf("the pool is not named after the board %q", st.Info.Title)
	}
	if t.Failed() {
		t.Logf("%s", doc)
	}
}

func escape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")
	return r.Replace(s)
}
