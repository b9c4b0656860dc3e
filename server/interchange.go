package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
	"github.com/processkarta/processkarta/export/bpmn"
	"github.com/processkarta/processkarta/export/drawio"
)

// getBPMN answers the board as BPMN 2.0 with diagram interchange.
func (s *Server) getBPMN(w http.ResponseWriter, r *http.Request, st *board.State, _ principal) {
	s.sendMapFile(w, r, st, bpmn.Encode(st), "application/xml; charset=utf-8", ".bpmn")
}

// getDrawio answers the board as a diagrams.net file.
func (s *Server) getDrawio(w http.ResponseWriter, r *http.Request, st *board.State, _ principal) {
	s.sendMapFile(w, r, st, drawio.Encode(st), "application/xml; charset=utf-8", ".drawio")
}

// sendMapFile sends an exported map as a download named like the board's
// PDFs, with its own extension.
func (s *Server) sendMapFile(w http.ResponseWriter, r *http.Request, st *board.State, body []byte, ctype, ext string) {
	m, err := s.municipality(r.Context(), st.Info.Municipality)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var strategy *board.Strategy
	if st.Info.Strategy != "" {
		if strategy, err = s.store.Strategy(r.Context(), st.Info.Strategy); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	name, ascii := export.FileName(*m, strategy, st.Info.Title, time.Now())
	name, ascii = strings.TrimSuffix(name, ".pdf")+ext, strings.TrimSuffix(ascii, ".pdf")+ext
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Content-Disposition", contentDisposition(name, ascii))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
