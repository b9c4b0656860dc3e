package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/processkarta/processkarta/board"
)

// audit records an organizer action: a structured log event ("audit")
// and an entry in the store's audit log, which admins list. Who did it is
// the request's caller (account id or "organizer-key") or, for a
// facilitator's token, the participant id; never a name. A failure to
// store the entry is logged, and the action stands.
func (s *Server) audit(r *http.Request, e *board.AuditEvent) {
	if e.Account == "" && e.Participant == "" {
		if c := callerOf(r); c != nil {
			e.Account = c.actor()
		} else if c, _ := s.caller(r); c != nil {
			e.Account = c.actor()
		}
	}
	s.record(r.Context(), e)
}

// auditAs records an action done as who on a board.
func (s *Server) auditAs(r *http.Request, who principal, e *board.AuditEvent) {
	switch {
	case who.by != nil:
		e.Account = who.by.actor()
	case who.participant != nil:
		e.Participant = who.participant.ID
	}
	s.audit(r, e)
}

func (s *Server) record(ctx context.Context, e *board.AuditEvent) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	s.log.Info("audit", "action", e.Action, "account", e.Account, "participant", e.Participant,
		"municipality", e.Municipality, "board", e.Board, "target", e.Target, "detail", e.Detail)
	if err := s.store.AddAudit(context.WithoutCancel(ctx), e); err != nil {
		s.log.Error("audit event not stored", "action", e.Action, "err", err)
	}
}

// listAudit answers the newest audit events: GET /api/audit?limit=N
// (default 200, at most 1000).
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	limit := 200
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, board.Errorf(board.EInvalid, "limit must be a number from 1 to 1000"))
			return
		}
		limit = n
	}
	es, err := s.store.Audit(r.Context(), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, es)
}
