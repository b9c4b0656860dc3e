// Package drawio converts boards to and from diagrams.net (draw.io) files:
// swimlanes as lanes, rectangles as steps, diamonds as decisions, circles
// as events, arrows as links. docs/interchange.md has the mapping tables.
package drawio

import (
	"html"
	"strings"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// Host is the mxfile's host attribute in files written here; diagrams.net
// puts its own there when it saves.
const Host = "Processkarta"

// kindAttr is the attribute that names a cell's board kind. diagrams.net
// keeps such attributes of an <object> as the shape's data ("Edit Data"),
// so they survive editing there; the other board props go beside it with
// the same prefix (pk-variant, pk-rank, ...).
const kindAttr = "pk-kind"

// styles of the shapes, in the board's colours.
var styles = map[string]string{
	board.KindStep:     "rounded=1;arcSize=8;whiteSpace=wrap;html=1;strokeColor=#334155;",
	board.KindDecision: "rhombus;whiteSpace=wrap;html=1;fillColor=#fff7ed;strokeColor=#c2410c;",
	board.KindNote:     "shape=note;size=14;whiteSpace=wrap;html=1;strokeColor=#a16207;",
	board.KindFrame:    "rounded=0;whiteSpace=wrap;html=1;fillColor=none;dashed=1;strokeColor=#64748b;verticalAlign=top;align=left;spacingLeft=8;fontStyle=1;",
	board.KindGoal:     "rounded=1;arcSize=6;whiteSpace=wrap;html=1;fillColor=#ffffff;strokeColor=#1d4ed8;strokeWidth=2;verticalAlign=top;align=left;spacing=8;",
	"start":            "ellipse;aspect=fixed;whiteSpace=wrap;html=1;fillColor=#dcfce7;strokeColor=#15803d;verticalLabelPosition=bottom;verticalAlign=top;",
	"end":              "ellipse;aspect=fixed;whiteSpace=wrap;html=1;fillColor=#fee2e2;strokeColor=#b91c1c;strokeWidth=3;verticalLabelPosition=bottom;verticalAlign=top;",
	board.KindLink:     "html=1;rounded=0;endArrow=block;endFill=1;strokeColor=#334155;",
	"other":            "rounded=1;arcSize=6;whiteSpace=wrap;html=1;fillColor=#f0fdf4;strokeColor=#15803d;verticalAlign=top;align=left;spacing=8;",
}

// labelHTML is text as a diagrams.net HTML label.
func labelHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

// Encode writes the board as a diagrams.net file with one page: a swimlane
// per lane (the steps, decisions and events of a lane inside it), every
// other object at its board coordinates, arrows as edges with their labels.
// Props that have no shape in diagrams.net (an event's variant, a goal's
// rank, an action's due date) are kept as the shapes' data.
func Encode(st *board.State) []byte {
	objs := st.SortedObjects()
	lanes := interchange.Lanes(st)
	laneY := map[string]float64{}
	for i, l := range lanes {
		laneY[l.ID] = float64(i) * board.LaneHeight
	}
	width := board.LaneWidth
	for _, o := range objs {
		if b, ok := interchange.BoardBox(o); ok && o.Props["lane"] != nil {
			width = max(width, b.X+b.W+40)
		}
	}

	w := interchange.NewWriter()
	w.Start("mxfile", interchange.A("host", Host), interchange.A("type", "device"))
	w.Start("diagram", interchange.A("id", st.Info.ID), interchange.Attr{Name: "name", Value: pageName(st.Info.Title), Keep: true})
	w.Start("mxGraphModel", interchange.A("grid", "1"), interchange.A("gridSize", "10"), interchange.A("guides", "1"),
		interchange.A("tooltips", "1"), interchange.A("connect", "1"), interchange.A("arrows", "1"), interchange.A("fold", "1"),
		interchange.A("page", "0"), interchange.A("pageScale", "1"), interchange.A("math", "0"), interchange.A("shadow", "0"))
	w.Start("root")
	w.Empty("mxCell", interchange.A("id", "0"))
	w.Empty("mxCell", interchange.A("id", "1"), interchange.A("parent", "0"))

	cell := func(o *board.Object, label, style, parent string, b interchange.Box, edge bool, extra ...interchange.Attr) {
		attrs := []interchange.Attr{interchange.A("id", o.ID), {Name: "label", Value: label, Keep: true}, interchange.A(kindAttr, o.Kind)}
		w.Start("object", append(attrs, extra...)...)
		c := []interchange.Attr{interchange.A("style", style), interchange.A("parent", parent)}
		if edge {
			c = append(c, interchange.A("edge", "1"), interchange.A("source", o.Text("from")), interchange.A("target", o.Text("to")))
		} else {
			c = append(c, interchange.A("vertex", "1"))
		}
		w.Start("mxCell", c...)
		if edge {
			w.Empty("mxGeometry", interchange.A("relative", "1"), interchange.A("as", "geometry"))
		} else {
			w.Empty("mxGeometry", interchange.N("x", b.X), interchange.N("y", b.Y), interchange.N("width", b.W), interchange.N("height", b.H), interchange.A("as", "geometry"))
		}
		w.End()
		w.End()
	}
	for i, l := range lanes {
		color := l.Text("color")
		if color == "" {
			color = interchange.LaneColors[i%len(interchange.LaneColors)]
		}
		style := "swimlane;horizontal=0;startSize=40;html=1;whiteSpace=wrap;fontStyle=1;strokeColor=#94a3b8;fillColor=" + color + ";swimlaneFillColor=" + color + ";"
		cell(l, labelHTML(l.Text("title")), style, "1", interchange.Box{X: 0, Y: laneY[l.ID], W: width, H: board.LaneHeight}, false)
	}
	// Nodes, in lanes where they have one (with coordinates relative to
	// it, as diagrams.net keeps children of a container).
	for _, o := range objs {
		b, ok := interchange.BoardBox(o)
		if !ok || o.Kind == board.KindLane || o.Kind == board.KindLink {
			continue
		}
		parent := "1"
		if y, ok := laneY[o.Text("lane")]; ok {
			parent = o.Text("lane")
			b.Y -= y
		}
		style := styles[o.Kind]
		label := labelHTML(o.Text("text"))
		var extra []interchange.Attr
		switch o.Kind {
		case board.KindEvent:
			style = styles[o.Text("variant")]
			extra = append(extra, interchange.A("pk-variant", o.Text("variant")))
		case board.KindStep, board.KindNote:
			if c := o.Text("color"); c != "" {
				style += "fillColor=" + c + ";"
			} else if o.Kind == board.KindStep {
				style += "fillColor=#ffffff;"
			} else {
				style += "fillColor=#fef08a;"
			}
		case board.KindFrame:
			label = labelHTML(o.Text("title"))
		case board.KindDecision:
		default:
			// Goal areas, actions and kinds to come: the title in bold and
			// the description below; every prop kept as data.
			if style == "" {
				style = styles["other"]
			}
			label = "<b>" + labelHTML(o.Text("title")) + "</b>"
			if d := o.Text("description"); d != "" {
				label += "<br>" + labelHTML(d)
			}
			for _, k := range board.KindProps(o.Kind) {
				if k == "x" || k == "y" || k == "w" || k == "h" || k == "z" {
					continue
				}
				switch v := o.Props[k].(type) {
				case string:
					extra = append(extra, interchange.A("pk-"+k, v))
				case float64:
					extra = append(extra, interchange.N("pk-"+k, v))
				}
			}
		}
		cell(o, label, style, parent, b, false, extra...)
	}
	for _, o := range objs {
		if o.Kind == board.KindLink {
			cell(o, labelHTML(o.Text("label")), styles[board.KindLink], "1", interchange.Box{}, true)
		}
	}
	return w.Bytes()
}

// pageName is the page's name: the board's title, or a default.
func pageName(title string) string {
	if t := strings.TrimSpace(title); t != "" {
		return t
	}
	return "Processkarta"
}
