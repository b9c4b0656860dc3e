package board

// Summary is what the revision page and the cluster overview need of one
// board: its goal areas and actions, and how many people took part, by
// position and administration. Counts only, never names. Stores keep it
// beside the board and rewrite it with every change that touches it, so
// that a revision of many boards is summed up without loading them.
type Summary struct {
	Board string `json:"board"`
	// Seq is the board's seq when the summary was last rewritten.
	Seq uint64 `json:"seq"`
	// ActiveAt is the time (unix milliseconds) of the last change to the
	// goals, actions or participants; the board's creation before any.
	ActiveAt         int64          `json:"activeAt"`
	Goals            []GoalArea     `json:"goals"`
	Actions          []Action       `json:"actions"`
	People           int            `json:"people"`
	ByPosition       map[string]int `json:"byPosition"`
	ByAdministration map[string]int `json:"byAdministration"`
}

// GoalArea is a goal (målområde) as summaries list it.
type GoalArea struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Target      string   `json:"target,omitempty"`
	Indicator   string   `json:"indicator,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	Rank        *float64 `json:"rank,omitempty"`
}

// Action is an action (åtgärd) as summaries list it. Status is always one
// of Statuses: an action without one is planned.
type Action struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Goal        string `json:"goal,omitempty"`
	Owner       string `json:"owner,omitempty"`
	Responsible string `json:"responsible,omitempty"`
	Due         string `json:"due,omitempty"`
	Status      string `json:"status"`
}

// Summarize returns the summary of st as of its seq; activeAt is the time
// to record as its last relevant change.
func Summarize(st *State, activeAt int64) *Summary {
	sum := &Summary{Board: st.Info.ID, Seq: st.Seq, ActiveAt: activeAt, Goals: []GoalArea{}, Actions: []Action{},
		ByPosition: map[string]int{}, ByAdministration: map[string]int{}}
	goals, actions := goalsAndActions(st)
	for _, g := range goals {
		ga := GoalArea{ID: g.ID, Title: g.Text("title"), Description: g.Text("description"), Target: g.Text("target"),
			Indicator: g.Text("indicator"), Owner: g.Text("owner")}
		if r, ok := g.Props["rank"].(float64); ok {
			ga.Rank = &r
		}
		sum.Goals = append(sum.Goals, ga)
	}
	for _, a := range actions {
		status := a.Text("status")
		if status == "" {
			status = StatusPlanned
		}
		sum.Actions = append(sum.Actions, Action{ID: a.ID, Title: a.Text("title"), Description: a.Text("description"),
			Goal: a.Text("goal"), Owner: a.Text("owner"), Responsible: a.Text("responsible"), Due: a.Text("due"), Status: status})
	}
	for _, p := range st.Participants {
		if p.Role == RoleObserver {
			continue // a projector screen, not a person taking part
		}
		sum.People++
		sum.ByPosition[p.Position]++
		sum.ByAdministration[p.Administration]++
	}
	return sum
}

// summaryProps are the props a summary holds: changing any other (a move,
// a resize, the stacking order) leaves it as it was.
var summaryProps = map[string]bool{"title": true, "description": true, "target": true, "indicator": true,
	"owner": true, "rank": true, "goal": true, "responsible": true, "due": true, "status": true}

// AffectsSummary reports whether change c, applied to before, may change
// the board's summary. Stores rewrite the summary only then, so that moves
// and votes cost nothing more.
func AffectsSummary(before *State, c *Change) bool {
	switch c.Type {
	case ChangeVote, ChangeSettings:
		return false
	case ChangeOps:
		for i := range c.Ops {
			op := &c.Ops[i]
			kind := op.Kind
			if op.Op != OpCreate {
				o := before.Objects[op.ID]
				if o == nil {
					// Created earlier in this batch: its create op
					// already counted.
					continue
				}
				kind = o.Kind
			}
			if kind != KindGoal && kind != KindAction {
				continue
			}
			if op.Op != OpUpdate {
				return true
			}
			for name := range op.Props {
				if summaryProps[name] {
					return true
				}
			}
		}
		return false
	}
	// Joins, removals, role changes and whatever comes later: the
	// participation counts may move.
	return true
}
