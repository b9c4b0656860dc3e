package server

import (
	"net/http"

	"github.com/processkarta/processkarta/board"
)

// The export endpoints come with the export package.

func (s *Server) createExport(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	s.writeError(w, r, board.Errorf(board.EUnavailable, "PDF export is not built yet"))
}

func (s *Server) exportAuth(h http.HandlerFunc) http.HandlerFunc { return h }

func (s *Server) getExport(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, board.Errorf(board.ENotFound, "no such export"))
}

func (s *Server) getExportPDF(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, board.Errorf(board.ENotFound, "no such export"))
}
