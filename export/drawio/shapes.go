package drawio

import (
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// Shapes by their style's shape name.
var (
	decisionShapes = map[string]bool{"rhombus": true, "mxgraph.bpmn.gateway2": true, "mxgraph.bpmn.gateway": true, "mxgraph.flowchart.decision": true}
	eventShapes    = map[string]bool{
		"ellipse": true, "doubleEllipse": true, "mxgraph.bpmn.event": true, "mxgraph.flowchart.start_1": true,
		"mxgraph.flowchart.start_2": true, "mxgraph.flowchart.terminator": true,
	}
	noteShapes = map[string]bool{"note": true, "text": true, "edgeLabel": true, "mxgraph.flowchart.annotation_1": true, "mxgraph.flowchart.annotation_2": true, "callout": true}
	dataShapes = map[string]bool{"mxgraph.bpmn.data": true, "datastore": true, "mxgraph.flowchart.database": true, "cylinder": true, "cylinder3": true, "mxgraph.bpmn.data2": true}
)

// build turns a page's cells into the diagram.
func build(d *interchange.Diagram, cells []*cell) error {
	byID := make(map[string]*cell, len(cells))
	for _, c := range cells {
		if c.id == "" {
			d.Warnings.Add("cells without an id were left out", "")
			continue
		}
		if _, dup := byID[c.id]; dup {
			d.Warnings.Add("cells whose id was used before were left out", "#"+c.id)
			continue
		}
		byID[c.id] = c
	}
	for _, c := range cells {
		if p := byID[c.parent]; p != nil && p != c {
			p.children = append(p.children, c)
		}
	}
	abs := func(c *cell) *interchange.Box { return absBox(c, byID) }

	// Lanes: swimlanes that hold no swimlanes. Those that do are pools;
	// with several pools, a lane's title says its pool.
	swimlane := func(c *cell) bool {
		return c.vertex && (c.shape == "swimlane" || c.style["swimlane"] == "1" || c.data[kindAttr] == board.KindLane)
	}
	pools := 0
	isPool := map[*cell]bool{}
	for _, c := range cells {
		if swimlane(c) {
			for _, k := range c.children {
				if swimlane(k) {
					isPool[c] = true
				}
			}
			if isPool[c] {
				pools++
			}
		}
	}
	laneOf := map[*cell]string{} // a cell's nearest lane
	var lane func(c *cell, depth int) string
	lane = func(c *cell, depth int) string {
		if v, ok := laneOf[c]; ok || depth > interchange.MaxDepth {
			return v
		}
		p := byID[c.parent]
		v := ""
		switch {
		case p == nil || p == c:
		case swimlane(p) && !isPool[p]:
			v = p.id
		default:
			v = lane(p, depth+1)
		}
		laneOf[c] = v
		return v
	}
	for _, c := range cells {
		if !swimlane(c) || isPool[c] {
			continue
		}
		title := text(c)
		if p := byID[c.parent]; pools > 1 && p != nil && isPool[p] {
			if pt := strings.Join(strings.Fields(text(p)), " "); pt != "" && strings.TrimSpace(title) != "" {
				title = pt + " – " + title
			} else if pt != "" {
				title = pt
			}
		}
		color := c.style["swimlaneFillColor"]
		if !strings.HasPrefix(color, "#") {
			color = c.style["fillColor"]
		}
		header := 23.0 // diagrams.net's default startSize
		if v, err := strconv.ParseFloat(c.style["startSize"], 64); err == nil && v >= 0 && v < 1e6 {
			header = v
		}
		d.Lanes = append(d.Lanes, &interchange.Lane{Key: c.id, Title: title, Color: color, Box: abs(c), Header: header})
	}

	// How many arrows go in and out of each cell, for events without a
	// drawn kind.
	in, out := map[string]int{}, map[string]int{}
	for _, c := range cells {
		if c.edge {
			out[c.source]++
			in[c.target]++
		}
	}
	for _, c := range cells {
		if !c.vertex || swimlane(c) || byID[c.id] != c {
			continue
		}
		if p := byID[c.parent]; p != nil && p.edge {
			continue // an edge's label, read with the edge
		}
		if c.shape == "group" {
			continue // only holds other cells
		}
		s := &interchange.Shape{Key: c.id, Text: text(c), Color: c.style["fillColor"], Lane: lane(c, 0), Box: abs(c)}
		if !classify(d, c, s, in[c.id], out[c.id]) {
			continue
		}
		d.Shapes = append(d.Shapes, s)
	}
	for _, c := range cells {
		if !c.edge || byID[c.id] != c {
			continue
		}
		label := text(c)
		for _, k := range c.children {
			if k.vertex {
				if t := text(k); t != "" {
					label = strings.TrimSpace(label + " " + t)
				}
			}
		}
		if c.source == "" || c.target == "" {
			d.Warnings.Add("arrows that are not connected at both ends were left out", interchange.Name(label, c.id))
			continue
		}
		d.Links = append(d.Links, &interchange.Link{Key: c.id, From: c.source, To: c.target, Label: label})
	}
	return nil
}

// absBox is a cell's box on the page: children of shapes are placed
// relative to them.
func absBox(c *cell, byID map[string]*cell) *interchange.Box {
	if c.abs != nil || c.geo == nil {
		return c.abs
	}
	b := *c.geo
	seen := map[*cell]bool{c: true}
	for p := byID[c.parent]; p != nil && p.vertex && p.geo != nil && !seen[p]; p = byID[p.parent] {
		seen[p] = true
		b.X += p.geo.X
		b.Y += p.geo.Y
	}
	c.abs = &b
	return c.abs
}

// text is a cell's label as plain text.
func text(c *cell) string {
	if c.style["html"] == "1" {
		return interchange.HTMLText(c.label)
	}
	return c.label
}

// classify gives a shape its board kind; false leaves it out.
func classify(d *interchange.Diagram, c *cell, s *interchange.Shape, in, out int) bool {
	if k := c.data[kindAttr]; k != "" {
		return marked(d, c, s, k)
	}
	name := c.shape
	switch {
	case name == "image" || c.style["image"] != "" && !decisionShapes[name] && !eventShapes[name]:
		d.Warnings.Add("pictures have no counterpart on a board and were left out", interchange.Name(s.Text, c.id))
		return false
	case dataShapes[name]:
		d.Warnings.Add("data objects and data stores have no counterpart on a board and were left out", interchange.Name(s.Text, c.id))
		return false
	case decisionShapes[name] || c.style["perimeter"] == "rhombusPerimeter" || name == "mxgraph.bpmn.shape" && strings.HasSuffix(c.style["symbol"], "Gw"):
		s.Kind = board.KindDecision
	case eventShapes[name] || c.style["perimeter"] == "ellipsePerimeter" || name == "mxgraph.bpmn.shape" && c.style["outline"] != "":
		s.Kind = board.KindEvent
		switch outline := c.style["outline"]; {
		case outline == "standard":
			s.Variant = "start"
		case outline == "end":
			s.Variant = "end"
		case outline != "":
			s.Kind = board.KindStep
			d.Warnings.Add("intermediate and boundary events became steps (a board has only start and end events)", interchange.Name(s.Text, c.id))
		case in == 0:
			s.Variant = "start"
		case out == 0:
			s.Variant = "end"
		default:
			s.Variant = "start"
			if w, _ := strconv.ParseFloat(c.style["strokeWidth"], 64); w >= 3 || name == "doubleEllipse" {
				s.Variant = "end"
			}
		}
		s.Color = ""
	case noteShapes[name]:
		if strings.TrimSpace(s.Text) == "" {
			return false
		}
		s.Kind = board.KindNote
		s.Lane = ""
	default:
		if strings.TrimSpace(s.Text) == "" && in == 0 && out == 0 {
			d.Warnings.Add("shapes with neither text nor arrows were left out", "#"+c.id)
			return false
		}
		s.Kind = board.KindStep
	}
	return true
}

// marked reads a shape this server wrote, whose kind and further props are
// its data.
func marked(d *interchange.Diagram, c *cell, s *interchange.Shape, kind string) bool {
	if !board.ValidKind(kind) || kind == board.KindLink || kind == board.KindLane {
		d.Warnings.Add("shapes of kinds this server does not know were left out", kind)
		return false
	}
	s.Kind = kind
	allowed := map[string]bool{}
	for _, k := range board.KindProps(kind) {
		allowed[k] = true
	}
	props := map[string]any{}
	for k, v := range c.data {
		name, ok := strings.CutPrefix(k, "pk-")
		if !ok || !allowed[name] || name == "x" || name == "y" || name == "w" || name == "h" || name == "lane" {
			continue
		}
		if interchange.NumericProp(name) {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			props[name] = f
		} else {
			props[name] = v
		}
	}
	if t, ok := props["title"].(string); ok {
		s.Text = t
		delete(props, "title")
	}
	if v, ok := props["variant"].(string); ok {
		s.Variant = v
		delete(props, "variant")
	}
	if kind == board.KindEvent && s.Variant == "" {
		s.Variant = "start"
	}
	if kind != board.KindStep && kind != board.KindNote {
		s.Color = ""
	}
	if kind == board.KindNote || kind == board.KindFrame || kind == board.KindGoal || kind == interchange.KindAction {
		s.Lane = ""
	}
	s.Props = props
	return true
}
