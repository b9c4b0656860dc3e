package server

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// strategyByPath reads the strategy named in the path.
func (s *Server) strategyByPath(r *http.Request) (*board.Strategy, error) {
	id := chi.URLParam(r, "id")
	st, err := s.store.Strategy(r.Context(), id)
	if board.ErrorCode(err) == board.ENotFound {
		err = board.Errorf(board.ENotFound, "no strategy %q", id)
	}
	return st, err
}

// revisionByPath reads the strategy named in the path with its boards'
// summaries and its exports.
func (s *Server) revisionByPath(r *http.Request) (*revision, *board.Municipality, error) {
	st, err := s.strategyByPath(r)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.municipality(r.Context(), st.Municipality)
	if err != nil {
		return nil, nil, err
	}
	infos, err := s.store.Boards(r.Context(), st.Municipality)
	if err != nil {
		return nil, nil, err
	}
	rev, err := s.loadRevision(r.Context(), st, infos)
	return rev, m, err
}

// wantsCSV reports whether the client asked for CSV rather than JSON.
func wantsCSV(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/csv") || r.URL.Query().Get("format") == "csv"
}

func (s *Server) getStrategy(w http.ResponseWriter, r *http.Request) {
	rev, m, err := s.revisionByPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := rev.out(m)
	if wantsCSV(r) {
		s.actionsCSV(w, out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// statusLabel is how the CSV writes a status, for Swedish planning tools.
var statusLabel = map[string]string{board.StatusPlanned: "Planerad", board.StatusOngoing: "Pågår", board.StatusDone: "Klar"}

// actionsCSV writes the revision's actions, one a row, in goal rank order.
func (s *Server) actionsCSV(w http.ResponseWriter, rev *revisionOut) {
	rank := map[string]string{}
	for i, g := range rev.Goals {
		rank[g.Title] = strconv.Itoa(i + 1)
	}
	rows := [][]string{{"Målområde", "Rang", "Åtgärd", "Beskrivning", "Ansvarig förvaltning", "Ansvarig", "Klart senast", "Status", "Workshop", "Åtgärdens id"}}
	for _, a := range rev.Actions {
		rows = append(rows, []string{a.GoalTitle, rank[a.GoalTitle], a.Title, a.Description, a.Owner, a.Responsible, a.Due,
			statusLabel[a.Status], a.BoardTitle, a.ID})
	}
	name := fmt.Sprintf("Åtgärder %s %s %s.csv", rev.MunicipalityName, rev.Title, rev.Revision)
	writeCSV(w, name, "atgarder.csv", rows)
}

// writeCSV answers with rows as RFC 4180 CSV in UTF-8 with a byte order
// mark, which spreadsheet programs need to read å, ä and ö. A cell that a
// spreadsheet would take for a formula is quoted with a leading
// apostrophe.
func writeCSV(w http.ResponseWriter, name, ascii string, rows [][]string) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", contentDisposition(name, ascii))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				row[i] = "'" + c
			}
		}
		cw.Write(row)
	}
	cw.Flush()
}

// strategyEvents streams, as server-sent events, a "change" event
// {board, seq} whenever a board of the strategy changes something its
// summary holds (goals, actions, participants), so that the revision page
// follows the workshops live. The stream ends when a board's subscription
// does; the client reconnects.
func (s *Server) strategyEvents(w http.ResponseWriter, r *http.Request) {
	st, err := s.strategyByPath(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	infos, err := s.store.Boards(r.Context(), st.Municipality)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	type event struct {
		Board string `json:"board"`
		Seq   uint64 `json:"seq"`
	}
	events := make(chan event, 64)
	ended := make(chan struct{}, 1)
	for _, i := range infos {
		if i.Strategy != st.ID {
			continue
		}
		state, ch, err := s.store.Subscribe(ctx, i.ID)
		if err != nil {
			continue // deleted meanwhile
		}
		go func(id string) {
			for c := range ch {
				relevant := board.AffectsSummary(state, c)
				state.Apply(c)
				if relevant {
					select {
					case events <- event{id, c.Seq}:
					default: // the page refetches anyway
					}
				}
			}
			select {
			case ended <- struct{}{}:
			default:
			}
		}(i.ID)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	fmt.Fprint(w, "retry: 2000\n\n")
	rc.Flush()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case e := <-events:
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "event: change\ndata: %s\n\n", b)
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		case <-ended:
			return
		case <-ctx.Done():
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
