package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// deleteBoard deletes a board with everything of it: organizer only. The
// store takes the bytes off the disk within board.PurgeWithin; every
// socket on the board closes with 4404.
func (s *Server) deleteBoard(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	if !who.organizer {
		s.writeError(w, r, board.Errorf(board.EForbidden, "only the organizer deletes a board"))
		return
	}
	if err := s.store.DeleteBoard(r.Context(), st.Info.ID); err != nil {
		if board.ErrorCode(err) == board.ENotFound {
			err = board.Errorf(board.ENotFound, "no such board")
		}
		s.writeError(w, r, err)
		return
	}
	s.hub.boardDeleted(st.Info.ID)
	s.auditAs(r, who, &board.AuditEvent{Action: board.AuditBoardDeleted, Municipality: st.Info.Municipality, Board: st.Info.ID})
	w.WriteHeader(http.StatusNoContent)
}

// eraseMe erases the caller's own participant: DELETE
// /api/boards/{id}/participants/me with the participant's token.
func (s *Server) eraseMe(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	if who.participant == nil {
		s.writeError(w, r, board.Errorf(board.EInvalid, "the organizer key is no participant: name one in the path"))
		return
	}
	s.erase(w, r, st, who, who.participant.ID)
}

// erase removes participant pid and erases their name everywhere the
// board keeps it (see board.ChangeErase), then deletes the board's
// exports that may name people.
//
// Exports are deleted rather than rendered again without the name: an
// export is the board as it was at one seq, kept byte for byte (its
// SHA-256 is published with it), and the store no longer holds that
// state, so a new rendering would put today's board under yesterday's
// date. Anonymous exports (the default) name nobody and are kept.
func (s *Server) erase(w http.ResponseWriter, r *http.Request, st *board.State, who principal, pid string) {
	c, err := s.commitAs(r.Context(), st.Info.ID, who, func(st *board.State, by *board.Participant) (*board.Change, error) {
		return st.PrepareErase(by, []string{pid}, now())
	})
	if err == nil && c == nil {
		err = board.Errorf(board.ENotFound, "no such participant")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.deleteNamedExports(r.Context(), st.Info.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.auditAs(r, who, &board.AuditEvent{Action: board.AuditParticipantErased, Municipality: st.Info.Municipality, Board: st.Info.ID, Target: pid})
	w.WriteHeader(http.StatusNoContent)
}

// deleteNamedExports deletes the board's exports that may name people.
func (s *Server) deleteNamedExports(ctx context.Context, boardID string) (int, error) {
	return s.store.DeleteExports(ctx, boardID, func(e *board.Export) bool { return !e.Anonymous })
}

// removeOrErase serves DELETE /api/boards/{id}/participants/{pid}: with
// ?erase=true the participant is erased, else only removed.
func (s *Server) removeOrErase(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	switch r.URL.Query().Get("erase") {
	case "true", "1":
		s.erase(w, r, st, who, chi.URLParam(r, "pid"))
	case "", "false", "0":
		s.removeParticipant(w, r, st, who)
	default:
		s.writeError(w, r, board.Errorf(board.EInvalid, "erase must be true or false"))
	}
}

// boardDeleted closes every socket of a deleted board on this node with
// 4404 and forgets its room.
func (h *Hub) boardDeleted(boardID string) {
	h.mu.Lock()
	r := h.rooms[boardID]
	if r != nil {
		h.drop(r)
	}
	h.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case <-r.ready:
	default:
		return // its start fails with not found
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		c.kill(closeNoBoard, "the board was deleted")
	}
}

// scrubRecent erases names from the changes the room keeps for catch-up,
// as the store did in its log. r.mu is held.
func (r *room) scrubRecent(erased []string) {
	gone := make(map[string]bool, len(erased))
	for _, id := range erased {
		gone[id] = true
	}
	for i, c := range r.recent {
		if c.Participant != nil && gone[c.Participant.ID] {
			// Changes are shared with other rooms' readers: copy, never
			// modify in place.
			cp := *c
			cp.Scrub(gone)
			r.recent[i] = &cp
		}
	}
}
