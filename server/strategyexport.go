package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
)

// createStrategyExport renders the revision report, one PDF for the whole
// strategy revision, stores it and lists it with the strategy's exports.
func (s *Server) createStrategyExport(w http.ResponseWriter, r *http.Request) {
	lang, err := exportLang(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.ContentLength != 0 {
		var in struct{}
		if err := decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	rev, m, err := s.revisionByPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := rev.out(m)
	doc := &export.Revision{Municipality: *m, Strategy: *rev.strategy, People: out.Participation.People,
		ByPosition: out.Participation.ByPosition, ByAdmin: out.Participation.ByAdministration}
	for _, g := range out.Goals {
		doc.Goals = append(doc.Goals, g.GoalArea)
	}
	for _, a := range out.Actions {
		doc.Actions = append(doc.Actions, export.RevisionAction{Action: a.Action, GoalTitle: a.GoalTitle, Workshop: a.BoardTitle})
	}
	for _, b := range out.Boards {
		st, err := s.store.Load(r.Context(), b.ID)
		if board.ErrorCode(err) == board.ENotFound {
			continue
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		st = publicView(st)
		doc.Workshops = append(doc.Workshops, export.Workshop{State: st, Date: b.ActiveAt, People: b.People, From: st.Info.FromTitle})
	}
	date := time.Now()
	pdf, err := s.renderWith(r.Context(), func() ([]byte, error) { return export.RenderRevision(doc, lang, date) })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum := sha256.Sum256(pdf)
	title := "Revisionsrapport"
	if lang == "en" {
		title = "Revision report"
	}
	name, ascii := export.FileName(*m, rev.strategy, title, date)
	e := &board.Export{ID: newID(), Municipality: m.Code, Strategy: rev.strategy.ID, Title: title,
		FileName: name, FileNameASCII: ascii, Lang: lang, CreatedAt: date.UTC(), Bytes: len(pdf), SHA256: hex.EncodeToString(sum[:]), Report: true}
	if err := s.store.SaveExport(r.Context(), e, pdf); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, &board.AuditEvent{Action: board.AuditStrategyExported, Municipality: e.Municipality, Target: e.ID})
	writeJSON(w, http.StatusCreated, e)
}

// publicView is a board as a report made for the strategy may show it:
// without notes of a private round still running, nor the tally of a vote
// still hidden.
func publicView(st *board.State) *board.State {
	st = st.Clone()
	for id, o := range st.Objects {
		if !o.VisibleTo(nil) {
			delete(st.Objects, id)
		}
	}
	if v := st.Settings.Voting; v.Open && v.Hidden {
		st.Votes = map[string]map[string]int{}
	}
	return st
}
