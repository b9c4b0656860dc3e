package board

import "slices"

// A private round (Settings.Private) lets each participant write notes that
// only they and the facilitators see, so that nobody anchors on what the
// politicians wrote first. The server enforces it:
//
//   - A note a participant (not a facilitator) creates while the round runs
//     is private to them: Object.PrivateTo is their id. So is a link to
//     such a note; a link cannot join two people's private notes.
//   - Every op on a private object carries Op.PrivateTo, so that the
//     change can be routed from the op alone, in a live feed and in a
//     catch-up from the log alike, on every node.
//   - To anyone else a private object does not exist: edits, links and
//     votes naming it are refused as for an unknown id.
//   - Ending the round (Private true → false) lists every private object
//     still on the board in Change.Revealed and makes it public, all in one
//     change.

// VisibleTo reports whether participant p may see o. A nil p (nobody in
// particular: an export, a catch-up for the board) sees only what is
// public.
func (o *Object) VisibleTo(p *Participant) bool {
	return o.PrivateTo == "" || p != nil && (p.Role == RoleFacilitator || p.ID == o.PrivateTo)
}

// OpVisibleTo reports whether participant p may receive op.
func (op *Op) VisibleTo(p *Participant) bool {
	return op.PrivateTo == "" || p != nil && (p.Role == RoleFacilitator || p.ID == op.PrivateTo)
}

// VisibleOps returns the ops of a batch that p may receive: all of them
// (the same slice) unless some are private to someone else.
func VisibleOps(ops []Op, p *Participant) []Op {
	keep := 0
	for i := range ops {
		if ops[i].VisibleTo(p) {
			keep++
		}
	}
	if keep == len(ops) {
		return ops
	}
	out := make([]Op, 0, keep)
	for i := range ops {
		if ops[i].VisibleTo(p) {
			out = append(out, ops[i])
		}
	}
	return out
}

// HasPrivateOps reports whether any op of a batch is private.
func HasPrivateOps(ops []Op) bool {
	for i := range ops {
		if ops[i].PrivateTo != "" {
			return true
		}
	}
	return false
}

// VisibleObjects returns the objects p may see, ordered by id.
func (s *State) VisibleObjects(p *Participant) []*Object {
	all := s.SortedObjects()
	return slices.DeleteFunc(all, func(o *Object) bool { return !o.VisibleTo(p) })
}

// HasPrivate reports whether any object on the board is private.
func (s *State) HasPrivate() bool {
	for _, o := range s.Objects {
		if o.PrivateTo != "" {
			return true
		}
	}
	return false
}

// Public returns a copy of s that shares its objects and holds only the
// public ones: what a PDF made during a private round may show, since
// everyone with a token of the board may read it.
func (s *State) Public() *State {
	if s == nil || !s.HasPrivate() {
		return s
	}
	c := *s
	c.Objects = make(map[string]*Object, len(s.Objects))
	for id, o := range s.Objects {
		if o.PrivateTo == "" {
			c.Objects[id] = o
		}
	}
	return &c
}

// privateIDs lists the private objects, ordered by id.
func (s *State) privateIDs() []string {
	var out []string
	for id, o := range s.Objects {
		if o.PrivateTo != "" {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// privateOwner returns whose private object o is, as the batch makes or
// changes it: a participant's new note in a private round is theirs, and a
// link is private to the owner of a private end.
func (ov *overlay) privateOwner(o *Object, created bool) (string, error) {
	switch o.Kind {
	case KindNote:
		if !created {
			return o.PrivateTo, nil
		}
		if ov.s.Settings.Private && ov.by != nil && ov.by.Role != RoleFacilitator {
			return ov.by.ID, nil
		}
	case KindLink:
		var owner string
		for _, end := range []string{o.Text("from"), o.Text("to")} {
			if e := ov.get(end); e != nil && e.PrivateTo != "" {
				if owner != "" && owner != e.PrivateTo {
					return "", Errorf(EInvalid, "two people's private notes cannot be linked until the notes are shown")
				}
				owner = e.PrivateTo
			}
		}
		return owner, nil
	}
	return "", nil
}
