package server

import (
	"context"
	"slices"
	"time"

	"github.com/processkarta/processkarta/board"
)

// previousBoard loads the board a new board of municipality continues.
func (s *Server) previousBoard(ctx context.Context, id, municipality string) (*board.State, error) {
	if !board.ValidID(id) {
		return nil, board.Errorf(board.EInvalid, "from must be the id of a board")
	}
	prev, err := s.store.Load(ctx, id)
	if board.ErrorCode(err) == board.ENotFound {
		return nil, board.Errorf(board.ENotFound, "no board %q to continue", id)
	}
	if err != nil {
		return nil, err
	}
	if prev.Info.Municipality != municipality {
		return nil, board.Errorf(board.EInvalid, "from must be a board of the same municipality")
	}
	return prev, nil
}

// revision is one strategy revision with its boards and their summaries,
// read without loading any board.
type revision struct {
	strategy *board.Strategy
	boards   []*board.Info // creation order
	sums     map[string]*board.Summary
	exports  []*board.Export
}

// loadRevision reads strategy st's boards, summaries and exports; infos
// are the boards of its municipality (or more).
func (s *Server) loadRevision(ctx context.Context, st *board.Strategy, infos []*board.Info) (*revision, error) {
	revs, err := s.loadRevisions(ctx, []*board.Strategy{st}, infos)
	if err != nil {
		return nil, err
	}
	return revs[0], nil
}

// loadRevisions reads many strategies' boards, summaries (in one call to
// the store) and exports; infos hold at least their boards.
func (s *Server) loadRevisions(ctx context.Context, sts []*board.Strategy, infos []*board.Info) ([]*revision, error) {
	revs := make([]*revision, len(sts))
	byID := make(map[string]*revision, len(sts))
	for i, st := range sts {
		revs[i] = &revision{strategy: st, sums: map[string]*board.Summary{}}
		byID[st.ID] = revs[i]
	}
	var ids []string
	for _, i := range infos {
		if rev := byID[i.Strategy]; rev != nil && i.Strategy != "" {
			rev.boards = append(rev.boards, i)
			ids = append(ids, i.ID)
		}
	}
	sums, err := s.store.Summaries(ctx, ids)
	if err != nil {
		return nil, err
	}
	all := make(map[string]*board.Summary, len(sums))
	for _, sum := range sums {
		all[sum.Board] = sum
	}
	for _, rev := range revs {
		for _, b := range rev.boards {
			if sum := all[b.ID]; sum != nil {
				rev.sums[b.ID] = sum
			}
		}
		if rev.exports, err = s.store.Exports(ctx, rev.strategy.ID); err != nil {
			return nil, err
		}
	}
	return revs, nil
}

// goalsBoard is the latest board of the revision that has goal areas: its
// ranking is the revision's.
func (rev *revision) goalsBoard() *board.Info {
	for i := len(rev.boards) - 1; i >= 0; i-- {
		if sum := rev.sums[rev.boards[i].ID]; sum != nil && len(sum.Goals) > 0 {
			return rev.boards[i]
		}
	}
	return nil
}

// current reports whether board b's actions are the revision's own: no
// later board of the revision continues it (a continuation carries its
// actions on, and the revision lists them once, as they are there).
func (rev *revision) current(b *board.Info) bool {
	for _, o := range rev.boards {
		if o.From == b.ID {
			return false
		}
	}
	return true
}

type revisionGoal struct {
	board.GoalArea
	Board string `json:"board"`
}

type revisionAction struct {
	board.Action
	Board      string `json:"board"`
	BoardTitle string `json:"boardTitle"`
	// GoalTitle is the title of the action's goal on its own board, so
	// that actions of several boards group under the revision's goals.
	GoalTitle string `json:"goalTitle,omitempty"`
}

type revisionBoard struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	Template  string      `json:"template"`
	From      *string     `json:"from"`
	CreatedAt time.Time   `json:"createdAt"`
	ActiveAt  time.Time   `json:"activeAt"`
	People    int         `json:"people"`
	Goals     int         `json:"goals"`
	Actions   int         `json:"actions"`
	Counts    statusTally `json:"actionsByStatus"`
}

type participation struct {
	Workshops        int            `json:"workshops"`
	People           int            `json:"people"`
	ByPosition       map[string]int `json:"byPosition"`
	ByAdministration map[string]int `json:"byAdministration"`
}

type statusTally struct {
	Planned int `json:"planned"`
	Ongoing int `json:"ongoing"`
	Done    int `json:"done"`
}

func (t *statusTally) add(status string) {
	switch status {
	case board.StatusOngoing:
		t.Ongoing++
	case board.StatusDone:
		t.Done++
	default:
		t.Planned++
	}
}

// revisionOut is GET /api/strategies/{id}. Counts only, never names.
type revisionOut struct {
	ID               string           `json:"id"`
	Municipality     string           `json:"municipality"`
	MunicipalityName string           `json:"municipalityName"`
	Title            string           `json:"title"`
	Revision         string           `json:"revision"`
	CreatedAt        time.Time        `json:"createdAt"`
	Boards           []revisionBoard  `json:"boards"`
	GoalsFrom        *string          `json:"goalsFrom"`
	Goals            []revisionGoal   `json:"goals"`
	Actions          []revisionAction `json:"actions"`
	ActionsByStatus  statusTally      `json:"actionsByStatus"`
	Participation    participation    `json:"participation"`
	LastWorkshopAt   *time.Time       `json:"lastWorkshopAt"`
	Exports          []*board.Export  `json:"exports"`
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// out sums the revision up for the API.
func (rev *revision) out(m *board.Municipality) *revisionOut {
	st := rev.strategy
	o := &revisionOut{ID: st.ID, Municipality: st.Municipality, MunicipalityName: m.Name, Title: st.Title, Revision: st.Revision,
		CreatedAt: st.CreatedAt, Boards: []revisionBoard{}, Goals: []revisionGoal{}, Actions: []revisionAction{},
		Participation: participation{ByPosition: map[string]int{}, ByAdministration: map[string]int{}}, Exports: nonNil(rev.exports)}
	if gb := rev.goalsBoard(); gb != nil {
		o.GoalsFrom = &gb.ID
		for _, g := range rev.sums[gb.ID].Goals {
			o.Goals = append(o.Goals, revisionGoal{g, gb.ID})
		}
	}
	for _, b := range rev.boards {
		sum := rev.sums[b.ID]
		if sum == nil {
			continue // deleted meanwhile
		}
		rb := revisionBoard{ID: b.ID, Title: b.Title, Template: b.Template, From: optional(b.From), CreatedAt: b.CreatedAt,
			ActiveAt: msTime(max(sum.ActiveAt, b.CreatedAt.UnixMilli())), People: sum.People, Goals: len(sum.Goals), Actions: len(sum.Actions)}
		if o.LastWorkshopAt == nil || rb.ActiveAt.After(*o.LastWorkshopAt) {
			t := rb.ActiveAt
			o.LastWorkshopAt = &t
		}
		titles := map[string]string{}
		for _, g := range sum.Goals {
			titles[g.ID] = g.Title
		}
		for _, a := range sum.Actions {
			rb.Counts.add(a.Status)
		}
		if rev.current(b) {
			for _, a := range sum.Actions {
				o.Actions = append(o.Actions, revisionAction{a, b.ID, b.Title, titles[a.Goal]})
				o.ActionsByStatus.add(a.Status)
			}
		}
		p := &o.Participation
		p.Workshops++
		p.People += sum.People
		for k, n := range sum.ByPosition {
			p.ByPosition[k] += n
		}
		for k, n := range sum.ByAdministration {
			p.ByAdministration[k] += n
		}
		o.Boards = append(o.Boards, rb)
	}
	// Actions in the order of their goals' ranks, then as each board
	// lists them.
	order := map[string]int{}
	for i, g := range o.Goals {
		order[g.Title] = i
	}
	rank := func(a revisionAction) int {
		if i, ok := order[a.GoalTitle]; ok {
			return i
		}
		return len(o.Goals)
	}
	slices.SortStableFunc(o.Actions, func(a, b revisionAction) int { return rank(a) - rank(b) })
	return o
}
