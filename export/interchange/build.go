package interchange

import (
	"slices"

	"github.com/processkarta/processkarta/board"
)

// Build makes a new board from the map: the process-map template's phases
// and voting settings, and the map's objects instead of the template's.
// Every object goes through the board's own validation, one at a time; one
// that does not pass (and any arrow to it) is left out with a warning
// rather than failing the whole import.
func (m *Map) Build(info board.Info, now int64) (*board.State, error) {
	info.Template = board.TemplateProcessMap
	st, err := board.NewBoard(info, now)
	if err != nil {
		return nil, err
	}
	st.Objects = map[string]*board.Object{}
	importer := &board.Participant{ID: "import", Role: board.RoleFacilitator}
	var w Warnings
	// Lanes first and links last, and objects that name others (an
	// action its goal) after the rest, so that references resolve.
	rank := func(o *board.Object) int {
		switch {
		case o.Kind == board.KindLane:
			return 0
		case o.Kind == board.KindLink:
			return 3
		case o.Props["goal"] != nil:
			return 2
		}
		return 1
	}
	objs := slices.Clone(m.Objects)
	slices.SortStableFunc(objs, func(a, b *board.Object) int { return rank(a) - rank(b) })
	for _, o := range objs {
		c, err := st.PrepareOps(importer, "", []board.Op{{Op: board.OpCreate, ID: o.ID, Kind: o.Kind, Props: o.Props}}, now)
		if err != nil {
			if board.ErrorCode(err) == board.ETooLarge {
				return nil, err
			}
			w.Add("objects the board refused were left out ("+board.ErrorMessage(err)+")", Name(o.Text("text")+o.Text("title")+o.Text("label"), o.Kind))
			continue
		}
		st.Apply(c)
	}
	m.Warnings = append(m.Warnings, w.List()...)
	// A fresh board starts its history at zero.
	st.Seq = 0
	return st, nil
}
