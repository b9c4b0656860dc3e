package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export"
)

// exportWait is how long an export request waits for a free renderer.
const exportWait = 20 * time.Second

func (s *Server) createExport(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	var in struct {
		Names bool `json:"names"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	lang, err := exportLang(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.exportsPerBoard.take(st.Info.ID, 1) {
		s.security(r, "rate_limited", "what", "export", "board", st.Info.ID)
		s.writeError(w, r, board.Errorf(board.ERateLimited, "this board has had %g PDFs made in the last minute; wait a moment", s.cfg.Caps.ExportsPerMinute))
		return
	}
	m, strategy, err := s.boardOwners(r.Context(), st)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var facilitators []string
	for _, p := range participantList(st, nil) {
		if p.Role == board.RoleFacilitator {
			facilitators = append(facilitators, p.Name)
		}
	}
	if v := st.Settings.Voting; v.Open && v.Hidden {
		// Any token of the board may download the PDF, and a hidden tally
		// reaches nobody but facilitators until voting closes.
		st = st.Clone()
		st.Votes = map[string]map[string]int{}
	}
	date := time.Now()
	pdf, err := s.render(r.Context(), st, export.Options{Lang: lang, Names: in.Names, Municipality: *m, Strategy: strategy,
		Facilitator: strings.Join(facilitators, ", "), Date: date})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum := sha256.Sum256(pdf)
	name, ascii := export.FileName(*m, strategy, st.Info.Title, date)
	e := &board.Export{ID: newID(), Board: st.Info.ID, Municipality: m.Code, Strategy: st.Info.Strategy, Title: st.Info.Title,
		FileName: name, FileNameASCII: ascii, Seq: st.Seq, Lang: lang, CreatedAt: date.UTC(), Bytes: len(pdf), SHA256: hex.EncodeToString(sum[:]), Anonymous: !in.Names, Report: true}
	if err := s.store.SaveExport(r.Context(), e, pdf); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.pruneExports(r.Context(), e.Board)
	s.auditAs(r, who, &board.AuditEvent{Action: board.AuditBoardExported, Municipality: e.Municipality, Board: e.Board, Target: e.ID})
	writeJSON(w, http.StatusCreated, e)
}

// pruneExports keeps a board's newest Caps.ExportsKept PDFs and deletes
// the older ones. The new export is stored whatever happens here: a
// failure is logged, and the next export prunes again.
func (s *Server) pruneExports(ctx context.Context, boardID string) {
	// The first pass deletes nothing: it lists the board's exports.
	var all []*board.Export
	if _, err := s.store.DeleteExports(ctx, boardID, func(e *board.Export) bool { all = append(all, e); return false }); err != nil {
		s.log.Warn("exports: listing a board's exports to prune them", "board", boardID, "err", err)
		return
	}
	keep := s.cfg.Caps.ExportsKept
	if len(all) <= keep {
		return
	}
	slices.SortFunc(all, func(a, b *board.Export) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	old := map[string]bool{}
	for _, e := range all[keep:] {
		old[e.ID] = true
	}
	n, err := s.store.DeleteExports(ctx, boardID, func(e *board.Export) bool { return old[e.ID] })
	if err != nil {
		s.log.Warn("exports: deleting a board's oldest exports", "board", boardID, "err", err)
		return
	}
	s.log.Info("exports: deleted the oldest", "board", boardID, "deleted", n, "kept", keep)
}

// render bounds concurrent renders: a PDF takes a core for a while.
func (s *Server) render(ctx context.Context, st *board.State, opt export.Options) ([]byte, error) {
	return s.renderWith(ctx, func() ([]byte, error) { return export.Render(st, opt) })
}

// renderWith runs render once a renderer is free.
func (s *Server) renderWith(ctx context.Context, render func() ([]byte, error)) ([]byte, error) {
	t := time.NewTimer(exportWait)
	defer t.Stop()
	select {
	case s.exports <- struct{}{}:
	case <-t.C:
		return nil, board.Errorf(board.ERateLimited, "too many exports at once; try again in a moment")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.exports }()
	return render()
}

// exportAuth lets through the organizer key, any token of the export's
// board, and accounts whose scope holds the export's municipality; other
// accounts get 404, as if the export did not exist.
func (s *Server) exportAuth(h func(http.ResponseWriter, *http.Request, *board.Export)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := s.store.Export(r.Context(), chi.URLParam(r, "id"))
		if err != nil {
			if board.ErrorCode(err) == board.ENotFound {
				err = board.Errorf(board.ENotFound, "no such export")
			}
			s.writeError(w, r, err)
			return
		}
		b := bearer(r)
		if s.isOrganizer(b) {
			h(w, r, e)
			return
		}
		if b != "" && e.Board != "" {
			if st, err := s.store.Load(r.Context(), e.Board); err == nil {
				if id, ok := st.Tokens[board.HashToken(b)]; ok && st.Participants[id] != nil {
					h(w, r, e)
					return
				}
			}
		}
		c, err := s.caller(r)
		if err == nil && c == nil {
			err = board.Errorf(board.EUnauthorized, "this needs a token of the export's board, the organizer key or a signed-in account")
		}
		if err == nil {
			err = s.scopeMunicipality(r.Context(), c, e.Municipality)
			if board.ErrorCode(err) == board.ENotFound {
				err = board.Errorf(board.ENotFound, "no such export")
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, withCaller(r, c), e)
	}
}

func (s *Server) getExport(w http.ResponseWriter, r *http.Request, e *board.Export) {
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) getExportPDF(w http.ResponseWriter, r *http.Request, e *board.Export) {
	pdf, err := s.store.ExportPDF(r.Context(), e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Content-Disposition", contentDisposition(e.FileName, e.FileNameASCII))
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+e.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	w.Write(pdf)
}

// contentDisposition names the file in UTF-8 (RFC 6266) with an ASCII
// fallback for old clients.
func contentDisposition(name, ascii string) string {
	ascii = strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, ascii)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

// boardOwners returns the municipality and the strategy (nil if none) a
// board belongs to, which name every file made of it.
func (s *Server) boardOwners(ctx context.Context, st *board.State) (*board.Municipality, *board.Strategy, error) {
	m, err := s.municipality(ctx, st.Info.Municipality)
	if err != nil {
		return nil, nil, err
	}
	if st.Info.Strategy == "" {
		return m, nil, nil
	}
	strategy, err := s.store.Strategy(ctx, st.Info.Strategy)
	if err != nil {
		return nil, nil, err
	}
	return m, strategy, nil
}

// exportLang reads the language an export is asked for: sv (the default)
// or en.
func exportLang(r *http.Request) (string, error) {
	switch lang := r.URL.Query().Get("lang"); lang {
	case "", "sv":
		return "sv", nil
	case "en":
		return lang, nil
	}
	return "", board.Errorf(board.EInvalid, "lang must be sv or en")
}
