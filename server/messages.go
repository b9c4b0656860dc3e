package server

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// Close codes of the protocol.
const (
	closeNormal       = 1000
	closeGoingAway    = 1001
	closeTooBig       = 1009
	closeUnauthorized = 4401
	closeForbidden    = 4403
	closeNoBoard      = 4404
	closeLagging      = 4408
	closeTooMany      = 4429
)

// clientMsg is any message a client sends; Type says which fields count.
type clientMsg struct {
	Type      string          `json:"type"`
	ID        string          `json:"id,omitempty"`
	Ops       json.RawMessage `json:"ops,omitempty"`
	Settings  json.RawMessage `json:"settings,omitempty"`
	Target    string          `json:"target,omitempty"`
	Delta     int             `json:"delta,omitempty"`
	Cursor    *cursor         `json:"cursor,omitempty"`
	Selection []string        `json:"selection,omitempty"`
	Editing   *string         `json:"editing,omitempty"`
	View      *view           `json:"view,omitempty"`
	// A participants request (extension): the entries of these ids, or of
	// everyone.
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

const maxSelection = 500

// maxRosterIDs bounds the ids one participants request may name.
const maxRosterIDs = 1000

// decodeClientMsg reads one client frame strictly. A frame that is not a
// JSON object with a known type is a bad_message error; a known message
// with bad fields is rejected by id.
func decodeClientMsg(b []byte) (*clientMsg, *board.Error) {
	var m clientMsg
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		// Try to find the id so the client can match the reject.
		var loose struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if json.Unmarshal(b, &loose) == nil && loose.ID != "" && isKnownType(loose.Type) {
			m.Type, m.ID = loose.Type, loose.ID
			return &m, board.Errorf(board.EInvalid, "bad %s message: %s", loose.Type, jsonErrText(err))
		}
		return nil, board.Errorf(board.EBadMessage, "not a protocol message: %s", jsonErrText(err))
	}
	if d.More() {
		return nil, board.Errorf(board.EBadMessage, "one JSON object per frame")
	}
	if !isKnownType(m.Type) {
		return nil, board.Errorf(board.EBadMessage, "unknown message type %q", m.Type)
	}
	if m.Type != "presence" && m.Type != "ping" && (m.ID == "" || len(m.ID) > 64) {
		return nil, board.Errorf(board.EBadMessage, "a %s message needs an id of 1 to 64 characters", m.Type)
	}
	switch m.Type {
	case "ops":
		if len(m.Ops) == 0 {
			return &m, board.Errorf(board.EInvalid, "ops missing")
		}
	case "settings":
		if len(m.Settings) == 0 || m.Settings[0] != '{' {
			return &m, board.Errorf(board.EInvalid, "settings must be an object")
		}
	case "vote":
		if !board.ValidID(m.Target) {
			return &m, board.Errorf(board.EInvalid, "target must be an object id")
		}
		if m.Delta != 1 && m.Delta != -1 {
			return &m, board.Errorf(board.EInvalid, "delta must be 1 or -1")
		}
	case "participants":
		if m.All == (len(m.IDs) > 0) {
			return &m, board.Errorf(board.EInvalid, "a participants request names ids or asks for all, not both")
		}
		if len(m.IDs) > maxRosterIDs {
			return &m, board.Errorf(board.EInvalid, "a participants request names at most %d ids", maxRosterIDs)
		}
		for _, id := range m.IDs {
			if !board.ValidID(id) {
				return &m, board.Errorf(board.EInvalid, "ids must be participant ids")
			}
		}
	case "presence":
		if c := m.Cursor; c != nil && (math.Abs(c.X) > board.MaxCoord || math.Abs(c.Y) > board.MaxCoord) {
			return nil, board.Errorf(board.EBadMessage, "cursor out of range")
		}
		if len(m.Selection) > maxSelection {
			return nil, board.Errorf(board.EBadMessage, "selection too long")
		}
		for _, id := range m.Selection {
			if !board.ValidID(id) {
				return nil, board.Errorf(board.EBadMessage, "selection holds a bad id")
			}
		}
		if m.Editing != nil && !board.ValidID(*m.Editing) {
			return nil, board.Errorf(board.EBadMessage, "editing must be an object id or null")
		}
		if v := m.View; v != nil && (math.Abs(v.X) > board.MaxCoord || math.Abs(v.Y) > board.MaxCoord || !(v.Zoom >= 0.05 && v.Zoom <= 20) ||
			v.W < 0 || v.W > 2*board.MaxCoord || v.H < 0 || v.H > 2*board.MaxCoord) {
			return nil, board.Errorf(board.EBadMessage, "view out of range")
		}
		if m.Selection == nil {
			m.Selection = []string{}
		}
	}
	return &m, nil
}

func isKnownType(t string) bool {
	return t == "ops" || t == "settings" || t == "vote" || t == "presence" || t == "ping" || t == "participants"
}

// Server messages.

type boardInfoMsg struct {
	ID           string  `json:"id"`
	Title        string  `json:"title"`
	Municipality string  `json:"municipality"`
	Strategy     *string `json:"strategy"`
	Template     string  `json:"template"`
	JoinCode     string  `json:"joinCode,omitempty"`
	// From is the board this one continues, if any.
	From *fromMsg `json:"from,omitempty"`
}

// fromMsg names the board a board continues (a workshop series).
type fromMsg struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func fromOf(i board.Info) *fromMsg {
	if i.From == "" {
		return nil
	}
	return &fromMsg{ID: i.From, Title: i.FromTitle}
}

// welcomeMsg is the welcome but for its objects (left out in a catch-up;
// an empty board's are []) and participants, which welcomeBytes appends
// from the room's caches.
type welcomeMsg struct {
	Type     string            `json:"type"`
	Protocol int               `json:"protocol"`
	You      board.Participant `json:"you"`
	Board    boardInfoMsg      `json:"board"`
	Seq      uint64            `json:"seq"`
	Now      int64             `json:"now"`
	Settings board.Settings    `json:"settings"`
	Votes    board.VotesView   `json:"votes"`
	// ParticipantCount and ParticipantsPartial (extensions) say that the
	// list holds only some of the board's participants (roster.go).
	ParticipantCount    int  `json:"participantCount"`
	ParticipantsPartial bool `json:"participantsPartial,omitempty"`
}

type ackMsg struct {
	Type string     `json:"type"`
	ID   string     `json:"id"`
	Seq  uint64     `json:"seq"`
	At   int64      `json:"at"`
	Ops  []board.Op `json:"ops,omitempty"`
}

type rejectMsg struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Retry   bool   `json:"retry,omitempty"`
}

type opsMsg struct {
	Type   string     `json:"type"`
	Seq    uint64     `json:"seq"`
	Author string     `json:"author"`
	At     int64      `json:"at"`
	Ops    []board.Op `json:"ops"`
}

type settingsMsg struct {
	Type     string         `json:"type"`
	Seq      uint64         `json:"seq"`
	Settings board.Settings `json:"settings"`
	// Revealed holds the notes an ended private round shows to everyone.
	Revealed []*board.Object `json:"revealed,omitempty"`
}

type votesMsg struct {
	Type  string          `json:"type"`
	Seq   uint64          `json:"seq"`
	Votes board.VotesView `json:"votes"`
}

type participantsMsg struct {
	Type string `json:"type"`
	Seq  uint64 `json:"seq,omitempty"`
	// Delta (extension) marks a message that holds only who changed:
	// Participants are the entries to add or replace, Removed the ids no
	// longer on the board, Online and Offline the ids whose online state
	// alone changed. Without it, Participants is the whole list.
	Delta        bool             `json:"delta,omitempty"`
	Participants []participantOut `json:"participants"`
	Removed      []string         `json:"removed,omitempty"`
	Online       []string         `json:"online,omitempty"`
	Offline      []string         `json:"offline,omitempty"`
}

type presenceMsg struct {
	Type  string  `json:"type"`
	Peers []*peer `json:"peers"`
}

// pongMsg answers a client's ping: browsers cannot see websocket pings, so
// a client's own heartbeat needs an answer it can see.
type pongMsg struct {
	Type string `json:"type"`
}

type joinCodeMsg struct {
	Type     string `json:"type"`
	JoinCode string `json:"joinCode"`
}

type errorMsg struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// encode writes a server message without HTML escaping, like writeJSON.
func encode(v any) []byte {
	b, err := board.MarshalJSON(v)
	if err != nil {
		panic("server: encoding a message: " + err.Error())
	}
	return b
}

func participantList(st *board.State, online map[string]bool) []participantOut {
	out := make([]participantOut, 0, len(st.Participants))
	for _, p := range st.Participants {
		out = append(out, participantOut{*p, online[p.ID]})
	}
	slices.SortFunc(out, func(a, b participantOut) int {
		if a.JoinedAt != b.JoinedAt {
			if a.JoinedAt < b.JoinedAt {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// fanout turns one change into each connection's messages, encoding what is
// the same for everyone once.
type fanout struct {
	st     *board.State
	c      *board.Change
	shared []byte // ops, settings or participants, the same for all
	// fullList is the whole participants list after a change to it, for
	// connections that asked for whole lists; built when one needs it.
	fullList []byte
	votes    func(*board.Participant) board.VotesView
	// byViewer holds ops messages of a batch with private ops, one per
	// kind of viewer (see private.go); nil when the batch has none.
	byViewer map[string][]byte
}

func newFanout(st *board.State, c *board.Change) *fanout {
	f := &fanout{st: st, c: c}
	switch c.Type {
	case board.ChangeOps:
		f.shared = encode(opsMsg{Type: "ops", Seq: c.Seq, Author: c.Author, At: c.At, Ops: c.Ops})
		if board.HasPrivateOps(c.Ops) {
			f.byViewer = map[string][]byte{}
		}
	case board.ChangeSettings:
		// The change's own settings: in a catch-up the state is newer.
		f.shared = encode(settingsMsg{Type: "settings", Seq: c.Seq, Settings: *c.Settings, Revealed: revealed(st, c)})
		f.votes = st.VotesViewer()
	case board.ChangeVote, board.ChangeErase:
		f.votes = st.VotesViewer()
	}
	return f
}

func (f *fanout) ack(viewer *board.Participant) []byte {
	a := ackMsg{Type: "ack", ID: f.c.Batch, Seq: f.c.Seq, At: f.c.At}
	if f.c.Type == board.ChangeOps {
		// A cascade may reach someone else's private link.
		a.Ops = board.VisibleOps(f.c.Ops, viewer)
	}
	return encode(a)
}

// messages returns what conn receives for the change; mine is true for the
// connection (or, in a catch-up, the participant) that made it.
func (f *fanout) messages(conn *conn, mine bool) [][]byte {
	c := f.c
	var out [][]byte
	if mine && c.Batch != "" {
		out = append(out, f.ack(conn.viewer(f.st)))
		if c.Type == board.ChangeOps {
			return out
		}
	}
	switch c.Type {
	case board.ChangeOps:
		out = append(out, f.opsFor(conn.viewer(f.st)))
	case board.ChangeSettings:
		out = append(out, f.shared)
		out = append(out, encode(votesMsg{Type: "votes", Seq: c.Seq, Votes: f.votes(conn.viewer(f.st))}))
	case board.ChangeVote:
		out = append(out, encode(votesMsg{Type: "votes", Seq: c.Seq, Votes: f.votes(conn.viewer(f.st))}))
	case board.ChangeErase:
		// The erased people's dots are gone with them.
		out = append(out, encode(votesMsg{Type: "votes", Seq: c.Seq, Votes: f.votes(conn.viewer(f.st))}))
		fallthrough
	case board.ChangeJoin, board.ChangeParticipant, board.ChangeRemove:
		if conn.fullRoster {
			if f.fullList == nil {
				f.fullList = encode(participantsMsg{Type: "participants", Seq: c.Seq, Participants: participantList(f.st, conn.room.onlineSet())})
			}
			out = append(out, f.fullList)
			break
		}
		if f.shared == nil {
			f.shared = encode(participantsDelta(f.st, c.Seq, changedParticipants(c), conn.room.onlineSet()))
		}
		out = append(out, f.shared)
	}
	return out
}
