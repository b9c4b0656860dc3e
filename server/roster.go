package server

import (
	"slices"

	"github.com/processkarta/processkarta/board"
)

// Who is on a board, as the server tells its clients. The welcome carries
// the whole list; after it, participants messages carry only what changed
// (docs/protocol.md, "Participants after the welcome"), so that N people
// joining cost each client O(N) bytes rather than O(N²). A client that
// connects with participants=full gets whole lists instead, as protocol 1
// first had it.

// rosterCache holds a board's participants in list order, each encoded
// once offline and once online, so that a welcome's list is copied rather
// than encoded for every connection. The room drops it whenever a change
// touches the participants; r.mu guards it.
type rosterCache struct {
	ids []string
	enc map[string][2][]byte // offline, online
}

func newRosterCache(st *board.State) *rosterCache {
	list := participantList(st, nil)
	rc := &rosterCache{ids: make([]string, len(list)), enc: make(map[string][2][]byte, len(list))}
	for i, p := range list {
		rc.ids[i] = p.ID
		off := encode(p)
		p.Online = true
		rc.enc[p.ID] = [2][]byte{off, encode(p)}
	}
	return rc
}

// appendList appends the JSON array of the participants, with who of them
// is online.
func (rc *rosterCache) appendList(b []byte, online map[string]bool) []byte {
	b = append(b, '[')
	for i, id := range rc.ids {
		if i > 0 {
			b = append(b, ',')
		}
		e := rc.enc[id]
		if online[id] {
			b = append(b, e[1]...)
		} else {
			b = append(b, e[0]...)
		}
	}
	return append(b, ']')
}

// listLen is about the bytes appendList writes.
func (rc *rosterCache) listLen() int {
	n := 2 + len(rc.ids)
	for _, e := range rc.enc {
		n += len(e[1])
	}
	return n
}

// roster returns the room's roster cache, building it if a change dropped
// it. r.mu is held.
func (r *room) roster() *rosterCache {
	if r.rosterC == nil {
		r.rosterC = newRosterCache(r.state)
	}
	return r.rosterC
}

// touchesParticipants reports whether a change alters who is on the board
// or their roles.
func touchesParticipants(c *board.Change) bool {
	switch c.Type {
	case board.ChangeJoin, board.ChangeParticipant, board.ChangeRemove, board.ChangeErase:
		return true
	}
	return false
}

// changedParticipants is who a change to the participants concerns: the
// one who joined or whose role changed, and those removed or erased.
func changedParticipants(c *board.Change) []string {
	var ids []string
	if c.Participant != nil {
		ids = append(ids, c.Participant.ID)
	}
	ids = append(ids, c.RemovedIDs()...)
	ids = append(ids, c.Erased...)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// participantsDelta is the participants message about ids, as they are in
// st: those still on the board with their whole entry and whether they are
// online, the others under removed. It carries seq when a sequenced change
// caused it, none for someone coming online or going offline.
func participantsDelta(st *board.State, seq uint64, ids []string, online map[string]bool) participantsMsg {
	m := participantsMsg{Type: "participants", Seq: seq, Delta: true, Participants: []participantOut{}}
	for _, id := range ids {
		if p := st.Participants[id]; p != nil {
			m.Participants = append(m.Participants, participantOut{*p, online[id]})
		} else {
			m.Removed = append(m.Removed, id)
		}
	}
	return m
}

// onlineChanged lists, sorted, who came online or went offline between
// two online sets.
func onlineChanged(before, after map[string]bool) []string {
	var ids []string
	for id := range after {
		if !before[id] {
			ids = append(ids, id)
		}
	}
	for id := range before {
		if !after[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
