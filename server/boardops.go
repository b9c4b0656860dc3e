package server

import (
	"encoding/json"
	"net/http"

	"github.com/processkarta/processkarta/board"
)

// organizerParticipant is who the organizer is when it changes a board
// over REST (the revision page): a facilitator that is not a participant
// of the board. Its changes carry this id as their author.
var organizerParticipant = board.Participant{ID: "organizer", Name: "Organisatör", Role: board.RoleFacilitator}

// postOps applies a batch of ops over REST, as the websocket's ops message
// does: POST /api/boards/{id}/ops {id?, ops}. Every client of the board
// gets the change live. Answers 200 {seq, ops} with the ops as applied
// (cascades spelled out).
func (s *Server) postOps(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	var in struct {
		ID  string          `json:"id"`
		Ops json.RawMessage `json:"ops"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ops, err := board.DecodeOps(in.Ops)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.ID) > 64 || !board.ValidText(in.ID, 64) {
		s.writeError(w, r, board.Errorf(board.EInvalid, "id must be at most 64 characters"))
		return
	}
	c, err := s.commitAs(r.Context(), st.Info.ID, who, func(st *board.State, by *board.Participant) (*board.Change, error) {
		if by == nil {
			p := organizerParticipant
			by = &p
		}
		return st.PrepareOps(by, in.ID, ops, now())
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A cascade may reach someone else's private link (private.go).
	writeJSON(w, http.StatusOK, map[string]any{"seq": c.Seq, "ops": board.VisibleOps(c.Ops, who.viewer())})
}
