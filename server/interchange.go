package server

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
	"github.com/processkarta/processkarta/export/bpmn"
	"github.com/processkarta/processkarta/export/drawio"
	"github.com/processkarta/processkarta/export/interchange"
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
	m, strategy, err := s.boardOwners(r.Context(), st)
	if err != nil {
		s.writeError(w, r, err)
		return
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

// importAny makes a new board from a file: a board document as JSON (see
// importBoard), or a BPMN 2.0 or diagrams.net file as XML.
func (s *Server) importAny(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/xml" || mt == "text/xml" {
		s.importMap(w, r)
		return
	}
	s.importBoard(w, r)
}

// importMap makes a new board from a BPMN 2.0 or diagrams.net file, with
// the query's municipality, title, strategy and page (of a file with
// several). Without a title the board is named as the file's pool or page
// is, else after the file (name, as the browser saw it). It answers like
// POST /api/boards, plus the warnings: what the file held that a board has
// no counterpart for.
func (s *Server) importMap(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := 0
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, board.Errorf(board.EInvalid, "page must be a page number from 1"))
			return
		}
		page = n
	}
	// The municipality and strategy are checked before the file is read.
	info := board.Info{ID: newID(), Title: "—", Municipality: q.Get("municipality"), Strategy: q.Get("strategy"),
		Template: board.TemplateProcessMap, CreatedAt: time.Now().UTC()}
	if err := s.checkBoardInfo(r.Context(), &info); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readFile(w, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, board.Errorf(board.ETooLarge, "the file is over %d MB", interchange.MaxBytes>>20))
			return
		}
		if board.ErrorCode(err) == board.ETooLarge {
			s.writeError(w, r, err)
			return
		}
		s.writeError(w, r, board.Errorf(board.EInvalid, "cannot read the file"))
		return
	}
	m, err := decodeMap(body, page)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	title := strings.TrimSpace(q.Get("title"))
	if title == "" {
		title = m.Title
	}
	if title == "" {
		title, _ = interchange.CleanText(strings.Join(strings.Fields(q.Get("name")), " "), board.MaxTitleLen)
	}
	if title == "" {
		title = "Importerad karta"
	}
	if err := board.CheckText("title", title, board.MaxTitleLen, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	info.Title = title
	st, err := m.Build(info, now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.storeNewBoard(r.Context(), st, newParticipant{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, struct {
		*boardCreated
		Warnings []string `json:"warnings"`
	}{out, nonNil(m.Warnings)})
}

// readFile reads an uploaded file of at most interchange.MaxBytes; one
// announced as larger is refused before any of it is read.
func readFile(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > interchange.MaxBytes {
		return nil, board.Errorf(board.ETooLarge, "the file is over %d MB", interchange.MaxBytes>>20)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, interchange.MaxBytes))
	return buf.Bytes(), err
}

// decodeMap reads a BPMN 2.0 or diagrams.net file, told apart by its root
// element, into board objects.
func decodeMap(body []byte, page int) (*interchange.Map, error) {
	root, err := interchange.RootName(body, "the file")
	if err != nil {
		return nil, err
	}
	var d *interchange.Diagram
	switch {
	case root.Local == "definitions" && root.Space == bpmn.NSModel:
		d, err = bpmn.Decode(body)
	case root.Local == "mxfile" || root.Local == "mxGraphModel":
		d, err = drawio.Decode(body, page)
	default:
		return nil, board.Errorf(board.EInvalid, "the file is neither BPMN 2.0 nor a diagrams.net file: its root element is <%s>", root.Local)
	}
	if err != nil {
		return nil, err
	}
	return interchange.Convert(d)
}
