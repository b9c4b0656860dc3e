// This file is long because it keeps the REST handlers of the version 1
// API side by side, one short handler each; later additions live in files
// of their own (strategy, accounts, interchange, privacy).

package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

func now() int64 { return time.Now().UnixMilli() }

// principal is who a request acts as on one board: an organizer (the key,
// or an account whose scope holds the board), or a participant by token.
type principal struct {
	organizer   bool
	by          *caller // the organizer
	participant *board.Participant
}

func (p principal) facilitator() bool {
	return p.organizer || (p.participant != nil && p.participant.Role == board.RoleFacilitator)
}

// viewer is the participant whose view of votes a principal gets; the
// organizer sees what facilitators see.
func (p principal) viewer() *board.Participant {
	if p.participant != nil {
		return p.participant
	}
	return &board.Participant{Role: board.RoleFacilitator}
}

// resolve finds who the request is on st: the organizer key, a token of
// the board, or a signed-in account. An account whose scope does not hold
// the board gets missing, as if the board did not exist.
func (s *Server) resolve(r *http.Request, st *board.State, missing error) (principal, error) {
	b := bearer(r)
	if s.isOrganizer(b) {
		return principal{organizer: true, by: &caller{key: true}}, nil
	}
	if b != "" {
		if id, ok := st.Tokens[board.HashToken(b)]; ok {
			if p := st.Participants[id]; p != nil {
				return principal{participant: p}, nil
			}
		}
	}
	c, err := s.caller(r)
	if err != nil {
		return principal{}, err
	}
	if c == nil {
		return principal{}, board.Errorf(board.EUnauthorized, "this needs a token of this board, the organizer key or a signed-in account")
	}
	ok, err := s.allowsCode(r.Context(), c, st.Info.Municipality)
	if err != nil {
		return principal{}, err
	}
	if !ok {
		return principal{}, missing
	}
	return principal{organizer: true, by: c}, nil
}

type boardHandler func(w http.ResponseWriter, r *http.Request, st *board.State, who principal)

// boardAuth loads the board named in the path and checks the bearer
// against it; with facilitator, only facilitators and the organizer pass.
func (s *Server) boardAuth(facilitator bool, h boardHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, err := s.store.Load(r.Context(), chi.URLParam(r, "id"))
		if err != nil {
			if board.ErrorCode(err) == board.ENotFound {
				err = board.Errorf(board.ENotFound, "no such board")
			}
			s.writeError(w, r, err)
			return
		}
		who, err := s.resolve(r, st, board.Errorf(board.ENotFound, "no such board"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if facilitator && !who.facilitator() {
			s.writeError(w, r, board.Errorf(board.EForbidden, "only a facilitator or the organizer may do this"))
			return
		}
		h(w, r, st, who)
	}
}

func (s *Server) listSCB(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, board.SCBMunicipalities())
}

func (s *Server) createMunicipality(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code    string `json:"code"`
		Name    string `json:"name"`
		Cluster string `json:"cluster"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ref, ok := board.LookupSCB(in.Code)
	if !ok {
		s.writeError(w, r, board.Errorf(board.EInvalid, "code must be one of SCB's 290 four-digit municipality codes"))
		return
	}
	if in.Name == "" {
		in.Name = ref.Name
	}
	if err := board.CheckText("name", in.Name, board.MaxTitleLen, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := board.CheckText("cluster", in.Cluster, board.MaxTitleLen, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	m := &board.Municipality{Code: in.Code, Name: in.Name, County: ref.County, Cluster: in.Cluster, CreatedAt: time.Now().UTC()}
	if !callerOf(r).allows(m) {
		// An account adds only municipalities its scope will hold.
		s.writeError(w, r, notFound("municipality", m.Code))
		return
	}
	if err := s.store.CreateMunicipality(r.Context(), m); err != nil {
		if board.ErrorCode(err) == board.EConflict {
			err = board.Errorf(board.EConflict, "municipality %s exists already", in.Code)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) listMunicipalities(w http.ResponseWriter, r *http.Request) {
	ms, err := s.store.Municipalities(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c := callerOf(r)
	out := ms[:0:0]
	for _, m := range ms {
		if c.allows(m) {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) municipality(ctx context.Context, code string) (*board.Municipality, error) {
	m, err := s.store.Municipality(ctx, code)
	if board.ErrorCode(err) == board.ENotFound {
		err = board.Errorf(board.ENotFound, "no municipality %q", code)
	}
	return m, err
}

func (s *Server) getMunicipality(w http.ResponseWriter, r *http.Request) {
	m, err := s.municipality(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) createStrategy(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string `json:"title"`
		Revision string `json:"revision"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := board.CheckText("title", in.Title, board.MaxTitleLen, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := board.CheckText("revision", in.Revision, 50, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.municipality(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := &board.Strategy{ID: newID(), Municipality: m.Code, Title: in.Title, Revision: in.Revision, CreatedAt: time.Now().UTC()}
	if err := s.store.CreateStrategy(r.Context(), st); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

type strategyOut struct {
	*board.Strategy
	Exports []*board.Export `json:"exports"`
}

func (s *Server) listStrategies(w http.ResponseWriter, r *http.Request) {
	m, err := s.municipality(r.Context(), chi.URLParam(r, "code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sts, err := s.store.Strategies(r.Context(), m.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]strategyOut, 0, len(sts))
	for _, st := range sts {
		ex, err := s.store.Exports(r.Context(), st.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out = append(out, strategyOut{st, nonNil(ex)})
	}
	writeJSON(w, http.StatusOK, out)
}

type newParticipant struct {
	Name           string `json:"name"`
	Administration string `json:"administration"`
	Position       string `json:"position"`
}

type boardCreated struct {
	ID               string  `json:"id"`
	Title            string  `json:"title"`
	Municipality     string  `json:"municipality"`
	Strategy         *string `json:"strategy"`
	Template         string  `json:"template"`
	JoinCode         string  `json:"joinCode"`
	FacilitatorToken string  `json:"facilitatorToken"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// checkBoardInfo validates a new board's title, municipality and strategy.
func (s *Server) checkBoardInfo(ctx context.Context, info *board.Info) error {
	if err := board.CheckText("title", info.Title, board.MaxTitleLen, true); err != nil {
		return err
	}
	if _, err := s.municipality(ctx, info.Municipality); err != nil {
		return err
	}
	if info.Strategy != "" {
		st, err := s.store.Strategy(ctx, info.Strategy)
		if board.ErrorCode(err) == board.ENotFound {
			return board.Errorf(board.ENotFound, "no strategy %q", info.Strategy)
		}
		if err != nil {
			return err
		}
		if st.Municipality != info.Municipality {
			return board.Errorf(board.EInvalid, "the strategy belongs to another municipality")
		}
	}
	return nil
}

// storeNewBoard adds a facilitator to st, stores it under a fresh join
// code and returns what the creator needs.
func (s *Server) storeNewBoard(ctx context.Context, st *board.State, fac newParticipant) (*boardCreated, error) {
	if fac.Name == "" {
		fac.Name = "Processledare"
	}
	if fac.Position == "" {
		fac.Position = board.PositionOfficial
	}
	p := &board.Participant{ID: newID(), Name: fac.Name, Administration: fac.Administration, Position: fac.Position, Role: board.RoleFacilitator, JoinedAt: now()}
	if err := board.CheckParticipant(p); err != nil {
		return nil, err
	}
	token := board.NewToken()
	st.Participants[p.ID] = p
	st.Tokens[board.HashToken(token)] = p.ID
	var err error
	for range 5 {
		st.Info.JoinCode = board.NewJoinCode()
		if err = s.store.CreateBoard(ctx, st); board.ErrorCode(err) != board.EConflict {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	i := st.Info
	return &boardCreated{ID: i.ID, Title: i.Title, Municipality: i.Municipality, Strategy: optional(i.Strategy),
		Template: i.Template, JoinCode: i.JoinCode, FacilitatorToken: token}, nil
}

func (s *Server) createBoard(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title        string          `json:"title"`
		Municipality string          `json:"municipality"`
		Strategy     string          `json:"strategy"`
		Template     string          `json:"template"`
		From         string          `json:"from"`
		Facilitator  *newParticipant `json:"facilitator"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Template == "" {
		in.Template = board.TemplateBlank
	}
	var prev *board.State
	if in.From != "" {
		var err error
		if prev, err = s.previousBoard(r.Context(), in.From, in.Municipality); err != nil {
			s.writeError(w, r, err)
			return
		}
		if in.Strategy == "" {
			in.Strategy = prev.Info.Strategy // the next workshop of the same revision
		}
	}
	info := board.Info{ID: newID(), Title: in.Title, Municipality: in.Municipality, Strategy: in.Strategy, Template: in.Template, CreatedAt: time.Now().UTC()}
	if !board.ValidTemplate(in.Template) {
		s.writeError(w, r, board.Errorf(board.EInvalid, "template must be blank, process-map or goal-workshop"))
		return
	}
	s.createFrom(w, r, info, in.Facilitator, func(info board.Info) (*board.State, error) {
		st, err := board.NewBoard(info, now())
		if err == nil && prev != nil {
			err = board.Continue(st, prev, now())
		}
		return st, err
	})
}

// createFrom checks a new board's info, builds its initial state, stores
// it with a facilitator and answers 201 with what the creator needs.
func (s *Server) createFrom(w http.ResponseWriter, r *http.Request, info board.Info, fac *newParticipant, build func(board.Info) (*board.State, error)) {
	if err := s.scopeMunicipality(r.Context(), callerOf(r), info.Municipality); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkBoardInfo(r.Context(), &info); err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := build(info)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var f newParticipant
	if fac != nil {
		f = *fac
	}
	out, err := s.storeNewBoard(r.Context(), st, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, &board.AuditEvent{Action: board.AuditBoardCreated, Municipality: info.Municipality, Board: out.ID})
	writeJSON(w, http.StatusCreated, out)
}

type boardListItem struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Municipality  string    `json:"municipality"`
	Strategy      *string   `json:"strategy"`
	StrategyTitle *string   `json:"strategyTitle"`
	Revision      *string   `json:"revision"`
	Template      string    `json:"template"`
	JoinCode      string    `json:"joinCode"`
	CreatedAt     time.Time `json:"createdAt"`
	Phase         string    `json:"phase"`
	Participants  int       `json:"participants"`
	LastChangeAt  time.Time `json:"lastChangeAt"`
	From          *string   `json:"from"`
	// AnonymiseAt is when the retention job will anonymise the board
	// (null when no retention period is set or it is anonymised already).
	AnonymiseAt *time.Time `json:"anonymiseAt"`
	// Anonymised: its join code is revoked and nobody's name is left.
	Anonymised bool `json:"anonymised"`
}

// listBoards lists boards with what an organizer picks one by: the
// strategy's title and revision, the phase, how many people joined and when
// the board last changed.
func (s *Server) listBoards(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("municipality")
	ctx := r.Context()
	var allowed map[string]bool
	var err error
	if code != "" {
		err = s.scopeMunicipality(ctx, callerOf(r), code)
	} else {
		allowed, err = s.allowedCodes(ctx, callerOf(r))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	infos, err := s.store.Boards(ctx, code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	infos = slices.DeleteFunc(infos, func(i *board.Info) bool { return allowed != nil && !allowed[i.Municipality] })
	strategies := map[string]*board.Strategy{}
	out := make([]boardListItem, 0, len(infos))
	for _, i := range infos {
		item := boardListItem{ID: i.ID, Title: i.Title, Municipality: i.Municipality, Strategy: optional(i.Strategy),
			Template: i.Template, JoinCode: i.JoinCode, CreatedAt: i.CreatedAt, LastChangeAt: i.CreatedAt, From: optional(i.From)}
		if i.Strategy != "" {
			st, ok := strategies[i.Strategy]
			if !ok {
				if st, err = s.store.Strategy(ctx, i.Strategy); err != nil && board.ErrorCode(err) != board.ENotFound {
					s.writeError(w, r, err)
					return
				}
				strategies[i.Strategy] = st
			}
			if st != nil {
				item.StrategyTitle, item.Revision = &st.Title, &st.Revision
			}
		}
		st, err := s.store.Load(ctx, i.ID)
		if err != nil {
			if board.ErrorCode(err) == board.ENotFound { // deleted meanwhile
				continue
			}
			s.writeError(w, r, err)
			return
		}
		item.Phase, item.Participants = st.Settings.Phase, len(st.Participants)
		item.LastChangeAt = i.LastChange
		item.Anonymised = i.JoinCode == "" && len(st.Participants) == 0
		if at := s.anonymiseAt(i); at != nil && !item.Anonymised {
			item.AnonymiseAt = at
		}
		out = append(out, item)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	ip := s.clientKey(r)
	if s.joinRate.blocked(ip) {
		s.security(r, "join_refused", "reason", "wrong_codes")
		s.writeError(w, r, board.Errorf(board.ERateLimited, "too many wrong join codes; wait a minute"))
		return
	}
	var in struct {
		Code string `json:"code"`
		newParticipant
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := &board.Participant{ID: newID(), Name: strings.TrimSpace(in.Name), Administration: strings.TrimSpace(in.Administration),
		Position: in.Position, Role: board.RoleParticipant}
	if err := board.CheckParticipant(p); err != nil {
		s.writeError(w, r, err)
		return
	}
	code := board.NormalizeJoinCode(in.Code)
	if code == "" {
		s.joinRate.allow(ip)
		s.writeError(w, r, board.Errorf(board.EInvalid, "a join code is %d letters and digits", board.JoinCodeLen))
		return
	}
	id, err := s.store.BoardByJoinCode(r.Context(), code)
	if err != nil {
		if board.ErrorCode(err) == board.ENotFound {
			s.joinRate.allow(ip)
			s.security(r, "join_refused", "reason", "wrong_code")
			err = board.Errorf(board.ENotFound, "no board has that join code")
		}
		s.writeError(w, r, err)
		return
	}
	token := board.NewToken()
	hash := board.HashToken(token)
	var info board.Info
	charged := false
	c, err := s.store.Commit(r.Context(), id, func(st *board.State) (*board.Change, error) {
		info = st.Info
		if st.Settings.JoinClosed {
			return nil, board.Errorf(board.EJoinClosed, "the facilitator has closed this board to new participants")
		}
		// Successful joins count too, generously: a fake-name flood must
		// not fill a board, and a room of 60 people joining at once must
		// pass. (The closure may run again; the budget is charged once.)
		if !charged {
			charged = true
			if !s.joins.byAddr.take(ip, 1) {
				return nil, board.Errorf(board.ERateLimited, "too many joins from your address just now; wait a minute")
			}
			if !s.joins.byBoard.take(id, 1) {
				return nil, board.Errorf(board.ERateLimited, "too many people are joining this board just now; wait a minute")
			}
		}
		return st.PrepareJoin(p, hash, now())
	})
	if err != nil {
		switch board.ErrorCode(err) {
		case board.EJoinClosed:
			s.security(r, "join_refused", "reason", "closed", "board", id)
		case board.ERateLimited:
			s.security(r, "join_refused", "reason", "rate", "board", id)
		}
		s.writeError(w, r, err)
		return
	}
	s.log.Info("joined", "board", id, "participant", c.Participant.ID)
	writeJSON(w, http.StatusCreated, map[string]any{
		"board":       map[string]string{"id": info.ID, "title": info.Title},
		"participant": c.Participant,
		"token":       token,
	})
}

type participantOut struct {
	board.Participant
	Online bool `json:"online"`
}

// participantsOut lists a board's participants with who is online as this
// node knows it.
func (s *Server) participantsOut(st *board.State) []participantOut {
	return participantList(st, s.hub.online(st.Info.ID))
}

func (s *Server) getBoard(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	i := st.Info
	writeWithObjects(w, http.StatusOK, map[string]any{
		"id": i.ID, "title": i.Title, "municipality": i.Municipality, "strategy": optional(i.Strategy),
		"template": i.Template, "from": fromOf(i), "seq": st.Seq, "settings": st.Settings,
		"votes": st.VotesFor(who.viewer()), "participants": s.participantsOut(st),
	}, st.VisibleObjects(who.viewer()))
}

func (s *Server) rotateJoinCode(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	var err error
	for range 5 {
		code := board.NewJoinCode()
		if err = s.store.SetJoinCode(r.Context(), st.Info.ID, code); err == nil {
			s.hub.joinCodeChanged(r.Context(), st.Info.ID, code)
			writeJSON(w, http.StatusOK, map[string]string{"joinCode": code})
			return
		}
		if board.ErrorCode(err) != board.EConflict {
			break
		}
	}
	s.writeError(w, r, err)
}

// commitAs commits a change prepared by fn as who, re-resolving the
// participant on the state the change is made against.
func (s *Server) commitAs(ctx context.Context, boardID string, who principal, fn func(st *board.State, by *board.Participant) (*board.Change, error)) (*board.Change, error) {
	return s.store.Commit(ctx, boardID, func(st *board.State) (*board.Change, error) {
		var by *board.Participant
		if !who.organizer {
			by = st.Participants[who.participant.ID]
			if by == nil {
				return nil, board.Errorf(board.EUnauthorized, "your token was revoked")
			}
		}
		return fn(st, by)
	})
}

func (s *Server) removeParticipant(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	pid := chi.URLParam(r, "pid")
	_, err := s.commitAs(r.Context(), st.Info.ID, who, func(st *board.State, by *board.Participant) (*board.Change, error) {
		return st.PrepareRemove(by, pid, now())
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.security(r, "participants_removed", "board", st.Info.ID, "count", 1)
	w.WriteHeader(http.StatusNoContent)
}

// removeParticipants removes many participants in one change: the
// facilitator's answer to a flood of fake names. Body {"ids":[...]}.
func (s *Server) removeParticipants(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.commitAs(r.Context(), st.Info.ID, who, func(st *board.State, by *board.Participant) (*board.Change, error) {
		return st.PrepareRemoveMany(by, in.IDs, now())
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	removed := c.RemovedIDs()
	s.security(r, "participants_removed", "board", st.Info.ID, "count", len(removed))
	writeJSON(w, http.StatusOK, map[string]any{"removed": removed})
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request, st *board.State, who principal) {
	var in struct {
		Role string `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pid := chi.URLParam(r, "pid")
	c, err := s.commitAs(r.Context(), st.Info.ID, who, func(st *board.State, by *board.Participant) (*board.Change, error) {
		return st.PrepareRole(by, pid, in.Role, now())
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Participant)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
