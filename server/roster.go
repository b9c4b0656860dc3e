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
	return rc.appendEntries(b, rc.ids, online)
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

// A large board's welcome does not list everyone. With a thousand people
// on a board, a list in every welcome is 165 KB each, 165 MB read by those
// connecting at once between them, and most of it is never looked at:
// what a participant's screen needs is the names of the few people whose
// cursors, edits and summons it shows. Above Limits.WelcomeRoster
// participants (200 unless set), a participant's welcome lists themselves
// and the facilitators, with participantCount and participantsPartial;
// the client asks for other entries when it needs them (a participants
// request: ids, or all for the participants panel). Facilitators, who
// manage people, and clients that asked for participants=full get the
// whole list as before. docs/protocol.md, "Large boards".

// partialFor reports whether p's welcome lists only some of the
// participants. r.mu is held.
func (r *room) partialFor(c *conn, p *board.Participant) bool {
	limit := r.hub.limits.WelcomeRoster
	return limit >= 0 && !c.fullRoster && p.Role != board.RoleFacilitator && len(r.state.Participants) > limit
}

// partialIDs is who a partial list holds: p and the facilitators, in
// list order.
func (rc *rosterCache) partialIDs(st *board.State, p *board.Participant) []string {
	var ids []string
	for _, id := range rc.ids {
		if q := st.Participants[id]; q != nil && (id == p.ID || q.Role == board.RoleFacilitator) {
			ids = append(ids, id)
		}
	}
	return ids
}

// appendEntries appends the JSON array of the entries of ids, with who
// of them is online.
func (rc *rosterCache) appendEntries(b []byte, ids []string, online map[string]bool) []byte {
	b = append(b, '[')
	for i, id := range ids {
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

// Participants requests a connection may make: five a second, ten at
// once; asking for everyone counts as five (one a second).
const (
	rosterAsksPerSecond = 5
	rosterAskBurst      = 10
)

// answerRoster sends c the entries it asked for, as a participants delta
// without a seq: everyone's, or those of ids that are on the board (ids
// that are not are left out).
func (r *room) answerRoster(c *conn, ids []string, all bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	online := r.onlineSet()
	m := participantsMsg{Type: "participants", Delta: true, Participants: []participantOut{}}
	if all {
		m.Participants = participantList(r.state, online)
	} else {
		for _, id := range ids {
			if p := r.state.Participants[id]; p != nil {
				m.Participants = append(m.Participants, participantOut{*p, online[id]})
			}
		}
	}
	c.enqueue(encode(m))
}
