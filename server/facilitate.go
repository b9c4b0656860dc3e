package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// facilitate gives the caller a facilitator token for a board, so that a
// board prepared at one desk can be run from any browser (the conference
// room's PC, a second laptop). Each call adds a facilitator; the start page
// reuses a token it already holds for the board.
func (s *Server) facilitate(w http.ResponseWriter, r *http.Request) {
	var in newParticipant
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	name, admin := strings.TrimSpace(in.Name), strings.TrimSpace(in.Administration)
	if name == "" {
		name = "Processledare"
	}
	if in.Position == "" {
		in.Position = board.PositionOther
	}
	p := &board.Participant{ID: newID(), Name: name, Administration: admin, Position: in.Position, Role: board.RoleFacilitator}
	if err := board.CheckParticipant(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	token := board.NewToken()
	hash := board.HashToken(token)
	c, err := s.store.Commit(r.Context(), chi.URLParam(r, "id"), func(st *board.State) (*board.Change, error) {
		return st.PrepareJoin(p, hash, now())
	})
	if err != nil {
		if board.ErrorCode(err) == board.ENotFound {
			err = board.Errorf(board.ENotFound, "no such board")
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "participant": c.Participant})
}
