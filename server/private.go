package server

import (
	"slices"

	"github.com/processkarta/processkarta/board"
)

// A private round's notes reach only their author and the facilitators
// (board/private.go has the rules). This file routes what the server sends
// accordingly: batches, the notes an ended round reveals, and presence that
// names a private note.

// opsFor returns the ops message of the fanout's batch as viewer may
// receive it. Someone with nothing to see gets the batch's seq with no ops,
// so that their seq has no gap and tells nothing.
func (f *fanout) opsFor(viewer *board.Participant) []byte {
	if f.byViewer == nil || viewer.Role == board.RoleFacilitator {
		return f.shared
	}
	ops := board.VisibleOps(f.c.Ops, viewer)
	key := "" // everyone who sees only the public ops
	if board.HasPrivateOps(ops) {
		key = viewer.ID
	}
	if m, ok := f.byViewer[key]; ok {
		return m
	}
	if ops == nil {
		ops = []board.Op{}
	}
	m := encode(opsMsg{Type: "ops", Seq: f.c.Seq, Author: f.c.Author, At: f.c.At, Ops: ops})
	f.byViewer[key] = m
	return m
}

// revealed returns the objects a settings change reveals, as they are in
// st (now public); nil for any other change.
func revealed(st *board.State, c *board.Change) []*board.Object {
	var out []*board.Object
	for _, id := range c.Revealed {
		if o := st.Objects[id]; o != nil && o.PrivateTo == "" {
			out = append(out, o)
		}
	}
	return out
}

// presenceFor returns the presence message for peers as each connection
// may receive it: selections and edits of private notes go only to the
// facilitators. r.mu is held.
func (r *room) presenceFor(peers []*peer) func(c *conn) []byte {
	full := encode(presenceMsg{Type: "presence", Peers: peers})
	private := func(id string) bool {
		o := r.state.Objects[id]
		return o != nil && o.PrivateTo != ""
	}
	mentions := false
	for _, p := range peers {
		if slices.ContainsFunc(p.Selection, private) || p.Editing != nil && private(*p.Editing) {
			mentions = true
			break
		}
	}
	if !mentions {
		return func(*conn) []byte { return full }
	}
	public := make([]*peer, len(peers))
	for i, p := range peers {
		q := *p
		q.Selection = slices.DeleteFunc(slices.Clone(p.Selection), private)
		if q.Editing != nil && private(*q.Editing) {
			q.Editing = nil
		}
		public[i] = &q
	}
	pub := encode(presenceMsg{Type: "presence", Peers: public})
	return func(c *conn) []byte {
		if p := r.state.Participants[c.pid]; p != nil && p.Role == board.RoleFacilitator {
			return full
		}
		return pub
	}
}

// facilitatorChanged reports whether change c, about to be applied to st,
// makes someone a facilitator or takes the role away: what they may see of
// a private round changes, so their sockets start again with a full
// welcome.
func facilitatorChanged(st *board.State, c *board.Change) bool {
	if c.Type != board.ChangeParticipant || c.Participant == nil {
		return false
	}
	old := st.Participants[c.Participant.ID]
	return old != nil && (old.Role == board.RoleFacilitator) != (c.Participant.Role == board.RoleFacilitator)
}

// roleChangedSince reports whether the changes include one that made p a
// facilitator or took the role away; a catch-up cannot give or take back
// what that changes, a full welcome can.
func roleChangedSince(missed []*board.Change, p *board.Participant) bool {
	for _, c := range missed {
		if c.Type == board.ChangeParticipant && c.Participant != nil && c.Participant.ID == p.ID {
			return true
		}
	}
	return false
}
