// Package interchange holds what the BPMN 2.0 and diagrams.net converters
// share: a hardened XML reader, the neutral form of a diagram read from a
// foreign file (Diagram), its conversion into board objects that fit the
// board's lane bands (Convert), and the replay of those objects onto a new
// board (Map.Build). It knows the board domain and nothing of HTTP.
package interchange

import "github.com/processkarta/processkarta/board"

// Box is a rectangle in a file's own coordinates: x, y the top left corner.
type Box struct{ X, Y, W, H float64 }

func (b Box) cx() float64 { return b.X + b.W/2 }
func (b Box) cy() float64 { return b.Y + b.H/2 }

func (b Box) contains(x, y float64) bool {
	return x >= b.X && x <= b.X+b.W && y >= b.Y && y <= b.Y+b.H
}

// Diagram is a process map as read from a foreign file, before it meets the
// board's geometry. Keys are the file's own element ids.
type Diagram struct {
	Title  string
	Lanes  []*Lane
	Shapes []*Shape
	Links  []*Link
	// Exact says the coordinates are the board's own (a file this server
	// wrote and nobody has moved things in since), so no fitting is needed.
	Exact    bool
	Warnings Warnings
}

// Lane is a swimlane: an administration, a role, a department.
type Lane struct {
	Key    string
	Title  string
	Color  string // a fill colour as the file gives it, if any
	Box    *Box   // nil when the file has no layout for it
	Header float64
}

// Shape is anything with a place on the map that becomes one board object.
type Shape struct {
	Key     string
	Kind    string // a board kind: step, decision, event, note, frame, goal, action
	Variant string // for events: start or end
	Text    string // the label: text of steps, decisions, events, notes; title of frames, goals, actions
	Color   string
	Lane    string // the key of its lane, if the file says so
	Box     *Box   // nil when the file has no layout for it
	// Props are further props of the kind, kept from a file this server
	// wrote (a goal's rank, an action's due date). With Placed, they hold
	// board coordinates and Box is ignored.
	Props  map[string]any
	Placed bool
}

// Link is an arrow between two shapes.
type Link struct {
	From, To string
	Label    string
	Key      string // for messages
}

// Map is a diagram turned into board objects, in an order in which they
// can be created (lanes, then nodes, then links), with what had no
// counterpart on a board.
type Map struct {
	Title    string
	Objects  []*board.Object
	Warnings []string
}

// numericProps are the props whose values are numbers; every other prop is
// text. Files carry them as strings.
var numericProps = map[string]bool{"order": true, "rank": true, "x": true, "y": true, "w": true, "h": true}

// NumericProp reports whether prop holds a number.
func NumericProp(prop string) bool { return numericProps[prop] }

// refProps are props that name another object by id.
var refProps = map[string]bool{"lane": true, "from": true, "to": true, "goal": true}
