package server

import (
	"github.com/processkarta/processkarta/board"
)

// The welcome is most of what a connection costs: the whole board and the
// whole participants list. Both are encoded once and copied into each
// welcome, so that a thousand people connecting at once build one copy of
// the board's JSON, not a thousand.

// objectsCache holds the board's objects encoded as of seq: all of them
// (for facilitators, and for everyone when nothing is private) and the
// public ones. r.mu guards it.
type objectsCache struct {
	seq        uint64
	hasPrivate bool
	all        []byte
	public     []byte // nil when nothing is private
}

// objectsJSON returns the JSON array of the objects p may see. r.mu is
// held.
func (r *room) objectsJSON(p *board.Participant) []byte {
	st := r.state
	oc := r.objectsC
	if oc == nil || oc.seq != st.Seq {
		oc = &objectsCache{seq: st.Seq, hasPrivate: st.HasPrivate(), all: encode(st.SortedObjects())}
		if oc.hasPrivate {
			oc.public = encode(st.VisibleObjects(nil))
		}
		r.objectsC = oc
	}
	if !oc.hasPrivate || p.Role == board.RoleFacilitator {
		return oc.all
	}
	for _, o := range st.Objects {
		if o.PrivateTo == p.ID {
			// Their own private notes too: theirs alone, not shared.
			return encode(st.VisibleObjects(p))
		}
	}
	return oc.public
}

// welcome queues the welcome and, after a reconnect, the missed changes,
// from the room's memory and fetched (read from the store beforehand).
// room.mu is held so that no change slips between them and the live feed;
// nothing here waits on the store.
func (s *Server) welcome(room *room, c *conn, p *board.Participant, hasSince bool, since uint64, fetched []*board.Change) {
	st := room.state
	var missed []*board.Change
	full := true
	// Seq 0 is the board as created, template objects and all, which no
	// change holds: only a full welcome gives it.
	if hasSince && since > 0 {
		var ok bool
		missed, ok = room.catchUp(since, fetched)
		// A catch-up longer than the send queue would drop the client
		// before it starts; the whole board is smaller then.
		full = !ok || 2*len(missed)+2 > c.queueMax || roleChangedSince(missed, p)
	}
	c.enqueue(room.welcomeBytes(p, full, room.partialFor(c, p)))
	if full {
		return
	}
	// Replayed changes show the state as of each seq for ops and settings;
	// votes and participants views can only be given as of now, which is
	// what a client wants anyway (and what the welcome's list shows, so
	// replayed participants deltas agree with it).
	for _, ch := range missed {
		f := newFanout(st, ch)
		for _, m := range f.messages(c, ch.Author == p.ID) {
			c.enqueue(m)
		}
	}
}

// welcomeBytes encodes p's welcome, with the objects when full and only
// some of the participants when partial (roster.go). The small
// part that is p's own is encoded; the objects and the participants list
// are copied from the room's caches. room.mu is held.
func (r *room) welcomeBytes(p *board.Participant, full, partial bool) []byte {
	st := r.state
	i := st.Info
	w := welcomeMsg{Type: "welcome", Protocol: 1, You: *p, Seq: st.Seq, Now: now(), ParticipantCount: len(st.Participants), ParticipantsPartial: partial,
		Board:    boardInfoMsg{ID: i.ID, Title: i.Title, Municipality: i.Municipality, Strategy: optional(i.Strategy), Template: i.Template, From: fromOf(i)},
		Settings: st.Settings, Votes: st.VotesFor(p)}
	if p.Role == board.RoleFacilitator {
		w.Board.JoinCode = i.JoinCode
	}
	head := encode(w)
	roster := r.roster()
	var objs []byte
	if full {
		objs = r.objectsJSON(p)
	}
	list := 256 // you and the facilitators
	if !partial {
		list = roster.listLen()
	}
	b := make([]byte, 0, len(head)+len(objs)+list+32)
	b = append(b, head[:len(head)-1]...) // all but the closing brace
	if full {
		b = append(b, `,"objects":`...)
		b = append(b, objs...)
	}
	b = append(b, `,"participants":`...)
	if partial {
		ids := roster.partialIDs(st, p)
		b = roster.appendEntries(b, ids, r.onlineOf(ids))
	} else {
		b = roster.appendList(b, r.onlineSet())
	}
	return append(b, '}')
}
