package board

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Object kinds.
const (
	KindLane     = "lane"
	KindStep     = "step"
	KindDecision = "decision"
	KindEvent    = "event"
	KindNote     = "note"
	KindLink     = "link"
	KindGoal     = "goal"
	KindFrame    = "frame"
	KindAction   = "action"
)

// Statuses of an action, in the order they are worked through.
const (
	StatusPlanned = "planned"
	StatusOngoing = "ongoing"
	StatusDone    = "done"
)

// Statuses lists the statuses of an action in order.
var Statuses = []string{StatusPlanned, StatusOngoing, StatusDone}

// Object is one thing on a board. Props hold the kind's properties; a value
// is a string or a float64, as JSON decodes them.
type Object struct {
	ID        string
	Kind      string
	Props     map[string]any
	CreatedBy string
	CreatedAt int64 // unix milliseconds
	UpdatedAt int64
	// PrivateTo, when set, is the participant whose private note this is
	// (or a link to one): only they and the facilitators see it, until the
	// private round ends. See private.go.
	PrivateTo string
}

// reserved names may not be used as props because the JSON form puts props
// beside them.
var reserved = map[string]bool{"id": true, "kind": true, "createdBy": true, "createdAt": true, "updatedAt": true, "privateTo": true}

// MarshalJSON writes the object flat: id, kind, props, then the server-kept
// fields.
func (o *Object) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(o.Props)+5)
	for k, v := range o.Props {
		m[k] = v
	}
	m["id"], m["kind"] = o.ID, o.Kind
	m["createdBy"], m["createdAt"], m["updatedAt"] = o.CreatedBy, o.CreatedAt, o.UpdatedAt
	if o.PrivateTo != "" {
		m["privateTo"] = o.PrivateTo
	}
	return MarshalJSON(m)
}

// UnmarshalJSON reads the flat form written by MarshalJSON.
func (o *Object) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*o = Object{Props: map[string]any{}}
	for k, v := range m {
		switch k {
		case "id":
			o.ID, _ = v.(string)
		case "kind":
			o.Kind, _ = v.(string)
		case "createdBy":
			o.CreatedBy, _ = v.(string)
		case "privateTo":
			o.PrivateTo, _ = v.(string)
		case "createdAt":
			f, _ := v.(float64)
			o.CreatedAt = int64(f)
		case "updatedAt":
			f, _ := v.(float64)
			o.UpdatedAt = int64(f)
		default:
			o.Props[k] = v
		}
	}
	return nil
}

// Clone returns a deep copy of o.
func (o *Object) Clone() *Object {
	c := *o
	c.Props = make(map[string]any, len(o.Props))
	for k, v := range o.Props {
		c.Props[k] = v
	}
	return &c
}

// Text returns a string prop, or "".
func (o *Object) Text(name string) string { s, _ := o.Props[name].(string); return s }

// Num returns a number prop, or 0.
func (o *Object) Num(name string) float64 { f, _ := o.Props[name].(float64); return f }

type propType int

const (
	tString  propType = iota // text with a length limit
	tCoord                   // a finite number within ±MaxCoord
	tSize                    // a positive number up to MaxCoord
	tNumber                  // any finite number within ±MaxCoord (order, rank)
	tColor                   // #rrggbb
	tLaneRef                 // the id of a lane on the board
	tNodeRef                 // the id of an object on the board that is not a link
	tVariant                 // start or end
	tZ                       // a fractional index string
	tGoalRef                 // the id of a goal on the board
	tDate                    // a real calendar date YYYY-MM-DD
	tStatus                  // planned, ongoing or done
)

type propSpec struct {
	typ propType
	max int // for tString
}

var propSpecs = map[string]propSpec{
	"title":       {tString, MaxTitleLen},
	"text":        {tString, MaxTextLen},
	"description": {tString, MaxTextLen},
	"target":      {tString, MaxTextLen},
	"indicator":   {tString, MaxTextLen},
	"owner":       {tString, MaxTitleLen},
	"label":       {tString, MaxTitleLen},
	"order":       {tNumber, 0},
	"rank":        {tNumber, 0},
	"x":           {tCoord, 0},
	"y":           {tCoord, 0},
	"w":           {tSize, 0},
	"h":           {tSize, 0},
	"color":       {tColor, 0},
	"lane":        {tLaneRef, 0},
	"from":        {tNodeRef, 0},
	"to":          {tNodeRef, 0},
	"variant":     {tVariant, 0},
	"z":           {tZ, 0},
	"goal":        {tGoalRef, 0},
	"responsible": {tString, MaxTitleLen},
	"due":         {tDate, 0},
	"status":      {tStatus, 0},
}

type kindSpec struct {
	props    map[string]bool // allowed props; the value says required
	position bool            // has x and y
}

func kind(required []string, optional ...string) kindSpec {
	k := kindSpec{props: map[string]bool{"z": false}}
	for _, p := range required {
		k.props[p] = true
	}
	for _, p := range optional {
		k.props[p] = false
	}
	_, k.position = k.props["x"]
	return k
}

var kindSpecs = map[string]kindSpec{
	KindLane:     kind([]string{"title"}, "order", "color"),
	KindStep:     kind([]string{"x", "y"}, "text", "lane", "w", "h", "color"),
	KindDecision: kind([]string{"x", "y"}, "text", "lane", "w", "h"),
	KindEvent:    kind([]string{"x", "y", "variant"}, "text", "lane"),
	KindNote:     kind([]string{"x", "y"}, "text", "color", "w", "h"),
	KindLink:     kind([]string{"from", "to"}, "label"),
	KindGoal:     kind([]string{"title"}, "description", "target", "indicator", "owner", "rank", "x", "y", "w", "h"),
	KindFrame:    kind([]string{"x", "y", "w", "h"}, "title"),
	KindAction:   kind([]string{"title", "x", "y"}, "description", "goal", "owner", "responsible", "due", "status", "w", "h"),
}

// Kinds lists the object kinds in a stable order.
var Kinds = []string{KindLane, KindStep, KindDecision, KindEvent, KindNote, KindLink, KindGoal, KindFrame, KindAction}

// ValidKind reports whether k is an object kind.
func ValidKind(k string) bool { _, ok := kindSpecs[k]; return ok }

// KindProps returns the names of the props allowed for kind, sorted.
func KindProps(kind string) []string {
	var names []string
	for n := range kindSpecs[kind].props {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ValidID reports whether id is a UUID in its canonical form: 36
// characters, lower-case. Ids are compared as strings, so an id that
// differs only in case would otherwise name a second object.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c >= 'A' && c <= 'Z' {
			return false
		}
	}
	_, err := uuid.Parse(id)
	return err == nil
}

func validColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for i := 1; i < 7; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ValidDate reports whether s is a real calendar date written YYYY-MM-DD,
// in the years 1900 to 2199.
func ValidDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	d, err := time.Parse(time.DateOnly, s)
	return err == nil && d.Year() >= 1900 && d.Year() < 2200
}

func validZ(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkValue validates one prop value on its own; references are checked
// against the board by the caller. It returns the value to store.
func checkValue(name string, v any) (any, error) {
	spec, ok := propSpecs[name]
	if !ok {
		return nil, Errorf(EInvalid, "unknown prop %q", name)
	}
	bad := func(what string) error { return Errorf(EInvalid, "prop %q must be %s", name, what) }
	switch spec.typ {
	case tString:
		s, ok := v.(string)
		if !ok {
			return nil, bad("text of at most " + strconv.Itoa(spec.max) + " characters")
		}
		if p := TextProblem(s, spec.max); p != "" {
			return nil, Errorf(EInvalid, "prop %q %s", name, p)
		}
		return s, nil
	case tCoord, tNumber, tSize:
		f, ok := v.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < -MaxCoord || f > MaxCoord {
			return nil, bad("a number within ±1000000")
		}
		if spec.typ == tSize && f <= 0 {
			return nil, bad("a positive number")
		}
		return f, nil
	case tColor:
		s, ok := v.(string)
		if !ok || !validColor(s) {
			return nil, bad("a color #rrggbb")
		}
		return strings.ToLower(s), nil
	case tLaneRef, tNodeRef, tGoalRef:
		s, ok := v.(string)
		if !ok || !ValidID(s) {
			return nil, bad("an object id (a lower-case UUID)")
		}
		return s, nil
	case tVariant:
		s, ok := v.(string)
		if !ok || (s != "start" && s != "end") {
			return nil, bad(`"start" or "end"`)
		}
		return s, nil
	case tDate:
		s, ok := v.(string)
		if !ok || !ValidDate(s) {
			return nil, bad("a real date written YYYY-MM-DD")
		}
		return s, nil
	case tStatus:
		s, ok := v.(string)
		if !ok || !slices.Contains(Statuses, s) {
			return nil, bad(`"planned", "ongoing" or "done"`)
		}
		return s, nil
	case tZ:
		s, ok := v.(string)
		if !ok || !validZ(s) {
			return nil, bad("a fractional index of 1 to 64 letters and digits")
		}
		return s, nil
	}
	return nil, bad("valid")
}

// article puts "a" or "an" before a kind, for messages.
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}
