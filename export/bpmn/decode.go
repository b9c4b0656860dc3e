package bpmn

import (
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// What becomes what. Every task type is a step and every gateway type a
// decision; events other than start and end (the board has only those)
// become steps, with a warning.
var (
	taskTypes = map[string]bool{
		"task": true, "userTask": true, "serviceTask": true, "sendTask": true, "receiveTask": true,
		"manualTask": true, "businessRuleTask": true, "scriptTask": true, "callActivity": true,
	}
	gatewayTypes = map[string]bool{
		"exclusiveGateway": true, "inclusiveGateway": true, "parallelGateway": true,
		"complexGateway": true, "eventBasedGateway": true, "gateway": true,
	}
	subProcessTypes = map[string]bool{"subProcess": true, "transaction": true, "adHocSubProcess": true}
	midEventTypes   = map[string]bool{"intermediateCatchEvent": true, "intermediateThrowEvent": true, "boundaryEvent": true, "implicitThrowEvent": true}
	dataTypes       = map[string]bool{
		"dataObject": true, "dataObjectReference": true, "dataStoreReference": true, "dataStore": true,
		"dataInput": true, "dataOutput": true, "ioSpecification": true, "inputSet": true, "outputSet": true,
	}
	// silent are parts of a process that carry nothing drawn: execution
	// settings the board has no use for, and what the importer reads
	// elsewhere.
	silent = map[string]bool{
		"laneSet": true, "property": true, "correlationSubscription": true, "supports": true,
		"auditing": true, "monitoring": true, "resourceRole": true, "performer": true, "humanPerformer": true, "potentialOwner": true,
	}
)

// laneHeaderDI is the width of a lane's title column in BPMN modellers.
const laneHeaderDI = 30.0

type decoder struct {
	d      *interchange.Diagram
	byID   map[string]*interchange.Node
	bounds map[string]*interchange.Box // DI bounds by BPMN element id
	lanes  map[string]string           // flow node id to the key of its lane
	cats   map[string]string           // category value id to its value
}

// Decode reads a BPMN 2.0 file into a diagram: lanes (of every pool),
// tasks of every type as steps, gateways of every type as decisions, start
// and end events, other events as steps, sub-processes as steps (without
// their contents), sequence flows and message flows as arrows, text
// annotations as notes with their associations, groups as frames, and from
// files written here also goal areas, actions and their arrows. What has no
// counterpart is named in the diagram's warnings.
func Decode(data []byte) (*interchange.Diagram, error) {
	root, err := interchange.ParseXML(data, "the BPMN file")
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "definitions" || root.Name.Space != NSModel {
		return nil, root.Errorf("this is not a BPMN 2.0 file: its root element must be <definitions> in the namespace %s", NSModel)
	}
	dec := &decoder{
		d:      &interchange.Diagram{Exact: root.Get("exporter") == Exporter},
		byID:   map[string]*interchange.Node{},
		bounds: map[string]*interchange.Box{},
		lanes:  map[string]string{},
		cats:   map[string]string{},
	}
	dec.index(root)
	var participants, processes []*interchange.Node
	var collab *interchange.Node
	for _, c := range root.Children {
		if c.Name.Space != NSModel {
			continue
		}
		switch c.Name.Local {
		case "collaboration":
			if collab == nil {
				collab = c
			}
		case "process":
			processes = append(processes, c)
		}
	}
	if collab != nil {
		for _, p := range collab.Children {
			if p.Name.Local == "participant" && p.Name.Space == NSModel {
				participants = append(participants, p)
			}
		}
	}
	if len(processes) == 0 && len(participants) == 0 {
		return nil, root.Errorf("the file has no process and no pool to import")
	}
	dec.d.Title = dec.title(root, participants, processes)

	// Processes in the order of their pools, then those in no pool.
	done := map[*interchange.Node]bool{}
	several := len(participants) > 1
	for _, p := range participants {
		proc := dec.byID[p.Get("processRef")]
		if proc != nil && (proc.Name.Local != "process" || done[proc]) {
			proc = nil
		}
		prefix := ""
		if several {
			prefix = strings.TrimSpace(p.Get("name"))
		}
		if proc == nil || !hasLanes(proc) {
			if several {
				// A pool without lanes is one lane, so that several pools
				// stay apart on the board.
				box := dec.bounds[p.Get("id")]
				dec.d.Lanes = append(dec.d.Lanes, &interchange.Lane{Key: p.Get("id"), Title: p.Get("name"), Box: box, Header: laneHeaderDI})
			}
		}
		if proc != nil {
			done[proc] = true
			laneKey := ""
			if several && !hasLanes(proc) {
				laneKey = p.Get("id")
			}
			dec.process(proc, prefix, laneKey)
		}
	}
	for _, proc := range processes {
		if !done[proc] {
			dec.process(proc, "", "")
		}
	}
	if collab != nil {
		for _, f := range collab.Children {
			if f.Name.Local == "messageFlow" && f.Name.Space == NSModel {
				dec.d.Warnings.Add("message flows between pools became ordinary arrows", interchange.Name(f.Get("name"), f.Get("id")))
				dec.d.Links = append(dec.d.Links, &interchange.Link{Key: f.Get("id"), From: f.Get("sourceRef"), To: f.Get("targetRef"), Label: f.Get("name")})
			}
		}
	}
	for _, s := range dec.d.Shapes {
		if s.Lane == "" {
			s.Lane = dec.lanes[s.Key]
		}
	}
	return dec.d, nil
}

// index finds every element with an id, the DI bounds of every shape and
// the values of categories (the titles of groups).
func (dec *decoder) index(n *interchange.Node) {
	if id := n.Get("id"); id != "" && n.Name.Space == NSModel {
		if _, dup := dec.byID[id]; !dup {
			dec.byID[id] = n
		}
	}
	switch {
	case n.Name.Local == "BPMNShape" && n.Name.Space == NSDI:
		if b := n.Child("Bounds"); b != nil {
			if box, ok := readBounds(b); ok {
				if _, dup := dec.bounds[n.Get("bpmnElement")]; !dup {
					dec.bounds[n.Get("bpmnElement")] = box
				}
			}
		}
	case n.Name.Local == "categoryValue" && n.Name.Space == NSModel:
		dec.cats[n.Get("id")] = n.Get("value")
	}
	for _, c := range n.Children {
		dec.index(c)
	}
}

func readBounds(b *interchange.Node) (*interchange.Box, bool) {
	var v [4]float64
	for i, k := range []string{"x", "y", "width", "height"} {
		f, err := strconv.ParseFloat(strings.TrimSpace(b.Get(k)), 64)
		if err != nil || f != f || f > 1e9 || f < -1e9 {
			return nil, false
		}
		v[i] = f
	}
	if v[2] < 0 || v[3] < 0 {
		return nil, false
	}
	return &interchange.Box{X: v[0], Y: v[1], W: v[2], H: v[3]}, true
}

func hasLanes(proc *interchange.Node) bool {
	for _, c := range proc.Children {
		if c.Name.Local == "laneSet" && c.Name.Space == NSModel {
			for _, l := range c.Children {
				if l.Name.Local == "lane" {
					return true
				}
			}
		}
	}
	return false
}

// title is the board's title: the one pool's name, else the process's,
// else the file's.
func (dec *decoder) title(root *interchange.Node, participants, processes []*interchange.Node) string {
	if len(participants) == 1 && strings.TrimSpace(participants[0].Get("name")) != "" {
		return participants[0].Get("name")
	}
	for _, p := range processes {
		if strings.TrimSpace(p.Get("name")) != "" {
			return p.Get("name")
		}
	}
	if n := root.Get("name"); strings.TrimSpace(n) != "" {
		return n
	}
	for _, p := range participants {
		if strings.TrimSpace(p.Get("name")) != "" {
			return p.Get("name")
		}
	}
	return ""
}

// process reads one process's lanes and elements. prefix (a pool's name)
// goes before its lanes' titles when the file has several pools; laneKey is
// the lane of a pool without lanes of its own.
func (dec *decoder) process(proc *interchange.Node, prefix, laneKey string) {
	for _, c := range proc.Children {
		if c.Name.Local == "laneSet" && c.Name.Space == NSModel {
			dec.laneSet(c, prefix, "")
		}
	}
	for _, c := range proc.Children {
		if c.Name.Space != NSModel {
			continue
		}
		dec.element(c, laneKey)
	}
}

// laneSet reads lanes; of nested lanes, the innermost become the board's
// lanes (with the outer lane's name when they have none).
func (dec *decoder) laneSet(set *interchange.Node, prefix, parent string) {
	for _, l := range set.Children {
		if l.Name.Local != "lane" || l.Name.Space != NSModel {
			continue
		}
		name := strings.TrimSpace(l.Get("name"))
		if name == "" {
			name = parent
		}
		var child *interchange.Node
		for _, c := range l.Children {
			if c.Name.Local == "childLaneSet" && c.Name.Space == NSModel && len(c.Children) > 0 {
				child = c
			}
		}
		if child != nil {
			dec.laneSet(child, prefix, name)
			// Nodes the outer lane names but no inner lane does stay in
			// the first inner lane that lies around them, found by place.
			continue
		}
		title := name
		if prefix != "" {
			title = prefix + " – " + name
		}
		key := l.Get("id")
		dec.d.Lanes = append(dec.d.Lanes, &interchange.Lane{Key: key, Title: title, Box: dec.bounds[key], Header: laneHeaderDI})
		for _, r := range l.Children {
			if r.Name.Local == "flowNodeRef" {
				if id := strings.TrimSpace(r.Text); id != "" {
					if _, seen := dec.lanes[id]; !seen {
						dec.lanes[id] = key
					}
				}
			}
		}
	}
}

// element reads one element of a process.
func (dec *decoder) element(c *interchange.Node, laneKey string) {
	local, id := c.Local(), c.Get("id")
	name := c.Get("name")
	shape := func(kind string) *interchange.Shape {
		s := &interchange.Shape{Key: id, Kind: kind, Text: name, Lane: laneKey, Box: dec.bounds[id]}
		dec.d.Shapes = append(dec.d.Shapes, s)
		return s
	}
	switch {
	case taskTypes[local]:
		shape(board.KindStep)
	case gatewayTypes[local]:
		shape(board.KindDecision)
		if local != "exclusiveGateway" {
			dec.d.Warnings.Add("gateways other than exclusive ones became ordinary decisions ("+local+")", interchange.Name(name, id))
		}
	case local == "startEvent":
		shape(board.KindEvent).Variant = "start"
	case local == "endEvent":
		shape(board.KindEvent).Variant = "end"
	case midEventTypes[local]:
		shape(board.KindStep)
		dec.d.Warnings.Add("intermediate and boundary events became steps (a board has only start and end events)", interchange.Name(name, id))
	case subProcessTypes[local]:
		shape(board.KindStep)
		if n := countFlowElements(c); n > 0 {
			dec.d.Warnings.Add("sub-processes became single steps; what was inside them was left out", interchange.Name(name, id)+" ("+strconv.Itoa(n)+" elements)")
		}
	case local == "sequenceFlow":
		dec.d.Links = append(dec.d.Links, &interchange.Link{Key: id, From: c.Get("sourceRef"), To: c.Get("targetRef"), Label: name})
	case local == "association":
		dec.d.Links = append(dec.d.Links, &interchange.Link{Key: id, From: c.Get("sourceRef"), To: c.Get("targetRef")})
	case local == "textAnnotation":
		s := shape(board.KindNote)
		if t := c.Child("text"); t != nil {
			s.Text = t.Text
		}
		s.Lane = ""
	case local == "group":
		s := shape(board.KindFrame)
		s.Text = dec.cats[c.Get("categoryValueRef")]
		s.Lane = ""
	case dataTypes[local]:
		if local != "ioSpecification" && local != "inputSet" && local != "outputSet" {
			dec.d.Warnings.Add("data objects and data stores have no counterpart on a board and were left out", interchange.Name(name, id))
		}
	case local == "extensionElements":
		dec.extensions(c)
	case local == "documentation":
		if strings.TrimSpace(c.Text) != "" {
			dec.d.Warnings.Add("documentation texts were left out", "")
		}
	case silent[local]:
	default:
		dec.d.Warnings.Add("elements with no counterpart on a board were left out", "<"+local+"> "+interchange.Name(name, id))
	}
}

// countFlowElements counts what a sub-process holds.
func countFlowElements(n *interchange.Node) int {
	k := 0
	for _, c := range n.Children {
		if c.Name.Space != NSModel || c.Local() == "incoming" || c.Local() == "outgoing" || c.Local() == "extensionElements" ||
			c.Local() == "documentation" || strings.HasSuffix(c.Local(), "EventDefinition") || c.Local() == "multiInstanceLoopCharacteristics" ||
			c.Local() == "standardLoopCharacteristics" {
			continue
		}
		k++
		if subProcessTypes[c.Local()] {
			k += countFlowElements(c)
		}
	}
	return k
}

// extensions reads the goal areas, actions and arrows a file written here
// keeps in its process's extensionElements; other tools' extensions are
// execution settings the board has no use for.
func (dec *decoder) extensions(ext *interchange.Node) {
	for _, e := range ext.Children {
		if e.Name.Space != NSBoard {
			dec.d.Warnings.Add("settings of other tools (extension elements) were left out", e.Name.Local)
			continue
		}
		if e.Name.Local != "object" {
			continue
		}
		kind, id := e.Get("kind"), e.Get("id")
		props := map[string]any{}
		for _, p := range e.Children {
			if p.Name.Space != NSBoard {
				continue
			}
			if interchange.NumericProp(p.Local()) {
				f, err := strconv.ParseFloat(strings.TrimSpace(p.Text), 64)
				if err != nil {
					dec.d.Warnings.Add("numbers that could not be read were left out", p.Tag())
					continue
				}
				props[p.Local()] = f
			} else {
				props[p.Local()] = p.Text
			}
		}
		if kind == board.KindLink {
			label, _ := props["label"].(string)
			from, _ := props["from"].(string)
			to, _ := props["to"].(string)
			dec.d.Links = append(dec.d.Links, &interchange.Link{Key: id, From: from, To: to, Label: label})
			continue
		}
		if !board.ValidKind(kind) || kind == board.KindLane {
			dec.d.Warnings.Add("objects of kinds this server does not know were left out", kind)
			continue
		}
		allowed := map[string]bool{}
		for _, k := range board.KindProps(kind) {
			allowed[k] = true
		}
		for k := range props {
			if !allowed[k] {
				delete(props, k)
			}
		}
		title, _ := props["title"].(string)
		delete(props, "title")
		dec.d.Shapes = append(dec.d.Shapes, &interchange.Shape{Key: id, Kind: kind, Text: title, Props: props, Placed: true})
	}
}
