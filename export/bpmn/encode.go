// Package bpmn converts boards to and from BPMN 2.0 XML with diagram
// interchange (BPMN DI), so that a map made in a workshop opens in a BPMN
// modeller with the same layout, and a process modelled elsewhere can start
// a workshop. docs/interchange.md has the mapping tables.
package bpmn

import (
	"cmp"
	"slices"
	"strings"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// Namespaces.
const (
	NSModel = "http://www.omg.org/spec/BPMN/20100524/MODEL"
	NSDI    = "http://www.omg.org/spec/BPMN/20100524/DI"
	NSDC    = "http://www.omg.org/spec/DD/20100524/DC"
	NSDD    = "http://www.omg.org/spec/DD/20100524/DI"
	// NSColor is the BPMN in Color extension that modellers (bpmn-js,
	// Camunda Modeler) read for fill colours.
	NSColor = "http://www.omg.org/spec/BPMN/non-normative/color/1.0"
	// NSBoard is Processkarta's own namespace, for what BPMN has no
	// element for: goal areas, actions, and arrows between them.
	NSBoard = "urn:processkarta:interchange:1"
	// Exporter is the definitions' exporter attribute of files written here.
	Exporter = "Processkarta"
)

// poolHeader is the width of the pool's and each lane's title column in a
// BPMN modeller.
const poolHeader = 30.0

// refProps are the props that name another object; in the file they name
// its BPMN id.
var refProps = map[string]bool{"from": true, "to": true, "goal": true, "lane": true}

// flowKinds are the kinds that become BPMN flow nodes.
var flowKinds = map[string]bool{board.KindStep: true, board.KindDecision: true, board.KindEvent: true}

// elemID is an object's BPMN id: a prefix by kind (ids must not start with
// a digit) and the board id.
func elemID(o *board.Object) string {
	switch o.Kind {
	case board.KindLane:
		return "Lane_" + o.ID
	case board.KindStep:
		return "Task_" + o.ID
	case board.KindDecision:
		return "Gateway_" + o.ID
	case board.KindEvent:
		return "Event_" + o.ID
	case board.KindNote:
		return "TextAnnotation_" + o.ID
	case board.KindFrame:
		return "Group_" + o.ID
	case board.KindLink:
		return "Flow_" + o.ID
	}
	return "Object_" + o.ID
}

// Encode writes the board as BPMN 2.0: a collaboration with one pool named
// after the board, its process with a lane per swimlane, steps as tasks,
// decisions as exclusive gateways, events as start and end events, arrows
// between them as sequence flows, notes as text annotations (arrows to them
// as associations), frames as groups; goal areas, actions and arrows that
// BPMN has no place for go into the process's extensionElements in
// Processkarta's namespace. The diagram interchange has the board's
// coordinates.
func Encode(st *board.State) []byte {
	objs := st.SortedObjects()
	byID := make(map[string]*board.Object, len(objs))
	for _, o := range objs {
		byID[o.ID] = o
	}
	lanes := interchange.Lanes(st)
	title := strings.TrimSpace(st.Info.Title)

	// Sort the links into flows, associations and the rest.
	var flows, assocs, others []*board.Object
	in, out := map[string][]string{}, map[string][]string{}
	for _, o := range objs {
		if o.Kind != board.KindLink {
			continue
		}
		a, b := byID[o.Text("from")], byID[o.Text("to")]
		switch {
		case a == nil || b == nil:
		case flowKinds[a.Kind] && flowKinds[b.Kind]:
			flows = append(flows, o)
			out[a.ID] = append(out[a.ID], elemID(o))
			in[b.ID] = append(in[b.ID], elemID(o))
		case (a.Kind == board.KindNote || b.Kind == board.KindNote) && inBPMN(a) && inBPMN(b):
			assocs = append(assocs, o)
		default:
			others = append(others, o)
		}
	}

	w := interchange.NewWriter()
	w.Start("bpmn:definitions",
		interchange.A("xmlns:bpmn", NSModel), interchange.A("xmlns:bpmndi", NSDI),
		interchange.A("xmlns:dc", NSDC), interchange.A("xmlns:di", NSDD),
		interchange.A("xmlns:color", NSColor), interchange.A("xmlns:pk", NSBoard),
		interchange.A("id", "Definitions_"+st.Info.ID), interchange.A("targetNamespace", "urn:processkarta:board:"+st.Info.ID),
		interchange.A("exporter", Exporter), interchange.A("exporterVersion", "1"))
	var frames []*board.Object
	for _, o := range objs {
		if o.Kind == board.KindFrame {
			frames = append(frames, o)
		}
	}
	if len(frames) > 0 {
		w.Start("bpmn:category", interchange.A("id", "Category_"+st.Info.ID))
		for _, f := range frames {
			w.Empty("bpmn:categoryValue", interchange.A("id", "CategoryValue_"+f.ID), interchange.Attr{Name: "value", Value: f.Text("title"), Keep: true})
		}
		w.End()
	}
	w.Start("bpmn:collaboration", interchange.A("id", "Collaboration_"+st.Info.ID))
	w.Empty("bpmn:participant", interchange.A("id", "Participant_"+st.Info.ID), interchange.A("name", title), interchange.A("processRef", "Process_"+st.Info.ID))
	w.End()

	w.Start("bpmn:process", interchange.A("id", "Process_"+st.Info.ID), interchange.A("name", title), interchange.A("isExecutable", "false"))
	writeExtensions(w, objs, byID, others)
	if len(lanes) > 0 {
		w.Start("bpmn:laneSet", interchange.A("id", "LaneSet_"+st.Info.ID))
		for _, l := range lanes {
			w.Start("bpmn:lane", interchange.A("id", elemID(l)), interchange.A("name", l.Text("title")))
			for _, o := range objs {
				if flowKinds[o.Kind] && o.Text("lane") == l.ID {
					w.TextElem("bpmn:flowNodeRef", elemID(o))
				}
			}
			w.End()
		}
		w.End()
	}
	for _, o := range objs {
		if !flowKinds[o.Kind] {
			continue
		}
		w.Start("bpmn:"+flowElement(o), interchange.A("id", elemID(o)), interchange.A("name", o.Text("text")))
		for _, f := range in[o.ID] {
			w.TextElem("bpmn:incoming", f)
		}
		for _, f := range out[o.ID] {
			w.TextElem("bpmn:outgoing", f)
		}
		w.End()
	}
	for _, l := range flows {
		w.Empty("bpmn:sequenceFlow", interchange.A("id", elemID(l)), interchange.A("name", l.Text("label")),
			interchange.A("sourceRef", elemID(byID[l.Text("from")])), interchange.A("targetRef", elemID(byID[l.Text("to")])))
	}
	for _, o := range objs {
		switch o.Kind {
		case board.KindNote:
			w.Start("bpmn:textAnnotation", interchange.A("id", elemID(o)))
			w.TextElem("bpmn:text", o.Text("text"))
			w.End()
		case board.KindFrame:
			w.Empty("bpmn:group", interchange.A("id", elemID(o)), interchange.A("categoryValueRef", "CategoryValue_"+o.ID))
		}
	}
	for _, l := range assocs {
		w.Empty("bpmn:association", interchange.A("id", "Association_"+l.ID),
			interchange.A("sourceRef", elemID(byID[l.Text("from")])), interchange.A("targetRef", elemID(byID[l.Text("to")])))
	}
	w.End()

	writeDiagram(w, st, objs, byID, lanes, flows, assocs)
	return w.Bytes()
}

// inBPMN reports whether an object becomes a BPMN element of its own.
func inBPMN(o *board.Object) bool {
	return flowKinds[o.Kind] || o.Kind == board.KindNote || o.Kind == board.KindFrame
}

func flowElement(o *board.Object) string {
	switch o.Kind {
	case board.KindDecision:
		return "exclusiveGateway"
	case board.KindEvent:
		if o.Text("variant") == "end" {
			return "endEvent"
		}
		return "startEvent"
	}
	return "task"
}

// writeExtensions keeps what BPMN has no element for: every object of
// another kind (goal areas, actions) with all its props, and the arrows
// that are neither sequence flows nor associations, each as
// <pk:object kind="goal" id="..."> with a <pk:title>, <pk:rank>, ... per
// prop.
func writeExtensions(w *interchange.Writer, objs []*board.Object, byID map[string]*board.Object, links []*board.Object) {
	var extra []*board.Object
	for _, o := range objs {
		if o.Kind != board.KindLink && o.Kind != board.KindLane && !inBPMN(o) {
			extra = append(extra, o)
		}
	}
	extra = append(extra, links...)
	if len(extra) == 0 {
		return
	}
	w.Start("bpmn:extensionElements")
	for _, o := range extra {
		w.Start("pk:object", interchange.A("kind", o.Kind), interchange.A("id", elemID(o)))
		names := make([]string, 0, len(o.Props))
		for k := range o.Props {
			if k != "z" {
				names = append(names, k)
			}
		}
		slices.SortFunc(names, cmp.Compare)
		for _, k := range names {
			switch v := o.Props[k].(type) {
			case string:
				if r := byID[v]; r != nil && refProps[k] {
					v = elemID(r)
				}
				w.TextElem("pk:"+k, v)
			case float64:
				w.TextElem("pk:"+k, interchange.Num(v))
			}
		}
		w.End()
	}
	w.End()
}

// writeDiagram writes the BPMN DI: the pool, its lanes as bands as tall as
// the board's, every element at its board coordinates and every flow and
// association as a straight line between its ends' outlines.
func writeDiagram(w *interchange.Writer, st *board.State, objs []*board.Object, byID map[string]*board.Object, lanes, flows, assocs []*board.Object) {
	id := st.Info.ID
	w.Start("bpmndi:BPMNDiagram", interchange.A("id", "BPMNDiagram_"+id))
	w.Start("bpmndi:BPMNPlane", interchange.A("id", "BPMNPlane_"+id), interchange.A("bpmnElement", "Collaboration_"+id))

	pool := poolBox(objs, len(lanes))
	shape := func(elem string, b interchange.Box, color string, horizontal bool) {
		attrs := []interchange.Attr{interchange.A("id", elem+"_di"), interchange.A("bpmnElement", elem)}
		if horizontal {
			attrs = append(attrs, interchange.A("isHorizontal", "true"))
		}
		if color != "" {
			attrs = append(attrs, interchange.A("color:background-color", color))
		}
		w.Start("bpmndi:BPMNShape", attrs...)
		w.Empty("dc:Bounds", interchange.N("x", b.X), interchange.N("y", b.Y), interchange.N("width", b.W), interchange.N("height", b.H))
		w.End()
	}
	shape("Participant_"+id, pool, "", true)
	for i, l := range lanes {
		shape(elemID(l), interchange.Box{X: pool.X + poolHeader, Y: float64(i) * board.LaneHeight, W: pool.W - poolHeader, H: board.LaneHeight}, l.Text("color"), true)
	}
	for _, o := range objs {
		if !inBPMN(o) {
			continue
		}
		b, ok := interchange.BoardBox(o)
		if !ok {
			continue
		}
		color := ""
		if o.Kind == board.KindStep || o.Kind == board.KindNote {
			color = o.Text("color")
		}
		shape(elemID(o), b, color, false)
	}
	edge := func(elem string, l *board.Object) {
		a, b := byID[l.Text("from")], byID[l.Text("to")]
		ba, oka := interchange.BoardBox(a)
		bb, okb := interchange.BoardBox(b)
		if !oka || !okb {
			return
		}
		w.Start("bpmndi:BPMNEdge", interchange.A("id", elem+"_di"), interchange.A("bpmnElement", elem))
		for _, p := range interchange.Waypoints(a.Kind, ba, b.Kind, bb) {
			w.Empty("di:waypoint", interchange.N("x", p.X), interchange.N("y", p.Y))
		}
		w.End()
	}
	for _, l := range flows {
		edge(elemID(l), l)
	}
	for _, l := range assocs {
		edge("Association_"+l.ID, l)
	}
	w.End()
	w.End()
}

// poolBox is the pool's place: the lane bands, as wide as the board draws
// them or as the flow nodes reach; on a board without lanes, around its
// flow nodes.
func poolBox(objs []*board.Object, lanes int) interchange.Box {
	maxX := board.LaneWidth
	var nodes []interchange.Box
	for _, o := range objs {
		if flowKinds[o.Kind] {
			if b, ok := interchange.BoardBox(o); ok {
				nodes = append(nodes, b)
				maxX = max(maxX, b.X+b.W+40)
			}
		}
	}
	if lanes > 0 {
		return interchange.Box{X: 0, Y: 0, W: maxX, H: float64(lanes) * board.LaneHeight}
	}
	if len(nodes) == 0 {
		return interchange.Box{X: 0, Y: 0, W: board.LaneWidth, H: board.LaneHeight}
	}
	x0, y0, x1, y1 := nodes[0].X, nodes[0].Y, nodes[0].X+nodes[0].W, nodes[0].Y+nodes[0].H
	for _, b := range nodes[1:] {
		x0, y0 = min(x0, b.X), min(y0, b.Y)
		x1, y1 = max(x1, b.X+b.W), max(y1, b.Y+b.H)
	}
	return interchange.Box{X: x0 - 40 - poolHeader, Y: y0 - 40, W: x1 - x0 + 80 + poolHeader, H: y1 - y0 + 80}
}
