package board

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Settings are the facilitator's controls of a board.
type Settings struct {
	Phase  string `json:"phase"`
	Locked bool   `json:"locked"`
	Timer  Timer  `json:"timer"`
	Voting Voting `json:"voting"`
	Focus  *Focus `json:"focus"`
	// Follow, while set, makes every client show what that facilitator
	// sees (follow me); see facilitation.go.
	Follow *Follow `json:"follow"`
	// Private, while true, is a private round: the notes participants
	// create reach only them and the facilitators until it ends.
	Private bool `json:"private"`
	// JoinClosed closes the board to new participants ("Stäng för nya
	// deltagare"): joins are refused with EJoinClosed; people already on
	// the board stay.
	JoinClosed bool `json:"joinClosed"`
}

// Timer counts down to EndsAt (unix milliseconds, the server's clock); a nil
// EndsAt means stopped. Seconds is the length it was set to. A patch with
// Start set starts it now for Seconds.
type Timer struct {
	EndsAt  *int64 `json:"endsAt"`
	Seconds int    `json:"seconds"`
	Start   bool   `json:"start,omitempty"`
}

// Voting is a dot-voting session.
type Voting struct {
	Open      bool     `json:"open"`
	Dots      int      `json:"dots"`
	Kinds     []string `json:"kinds"`
	Anonymous bool     `json:"anonymous"`
	Hidden    bool     `json:"hidden"`
	// Clear, in a patch, takes every dot off the board ("Rensa röster");
	// it is never stored.
	Clear bool `json:"clear,omitempty"`
}

// Focus asks every client to move its view (summon). At is when it was set,
// so a client can tell a new summon from an old one.
type Focus struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Zoom float64 `json:"zoom"`
	At   int64   `json:"at"`
}

func (s Settings) clone() Settings {
	c := s
	c.Voting.Kinds = slices.Clone(s.Voting.Kinds)
	if s.Timer.EndsAt != nil {
		e := *s.Timer.EndsAt
		c.Timer.EndsAt = &e
	}
	if s.Focus != nil {
		f := *s.Focus
		c.Focus = &f
	}
	if s.Follow != nil {
		f := *s.Follow
		c.Follow = &f
	}
	return c
}

// PrepareSettings merges a partial settings object (JSON) from p into the
// current settings and returns the change, or an error if p may not or the
// result is invalid.
func (s *State) PrepareSettings(p *Participant, batch string, patch json.RawMessage, now int64) (*Change, error) {
	if p == nil || p.Role != RoleFacilitator {
		return nil, Errorf(EForbidden, "only a facilitator changes settings")
	}
	next := s.Settings.clone()
	next.Timer.Start = false
	next.Voting.Clear = false
	d := json.NewDecoder(bytes.NewReader(patch))
	d.DisallowUnknownFields()
	if err := d.Decode(&next); err != nil {
		return nil, Errorf(EInvalid, "settings: %s", JSONProblem(err))
	}
	if d.More() {
		return nil, Errorf(EInvalid, "settings: one object expected")
	}
	named := patchNames(patch)
	if named.focus && next.Focus != nil {
		// Only a new summon is stamped, so that a client can tell it
		// from the one it followed already (summon once).
		next.Focus.At = now
	}
	if next.Voting.Open && !s.Settings.Voting.Open && !named.hidden {
		// A vote opens hidden unless the facilitator says otherwise, so
		// that early counts do not steer the rest.
		next.Voting.Hidden = true
	}
	if err := s.checkSettings(&next, now); err != nil {
		return nil, err
	}
	c := s.next(ChangeSettings, now, p.ID, batch)
	c.Settings = &next
	if err := s.prepareFacilitation(c, named); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *State) checkSettings(n *Settings, now int64) error {
	phases := TemplatePhases(s.Info.Template)
	if !slices.Contains(phases, n.Phase) {
		return Errorf(EInvalid, "phase must be one of %v", phases)
	}
	if n.Timer.Seconds < 0 || n.Timer.Seconds > 24*3600 {
		return Errorf(EInvalid, "timer seconds must be within 0 and 86400")
	}
	if n.Timer.Start {
		if n.Timer.Seconds <= 0 {
			return Errorf(EInvalid, "a timer needs seconds to start")
		}
		e := now + int64(n.Timer.Seconds)*1000
		n.Timer.EndsAt, n.Timer.Start = &e, false
	}
	if n.Timer.EndsAt != nil && (*n.Timer.EndsAt < 0 || *n.Timer.EndsAt > now+48*3600*1000) {
		return Errorf(EInvalid, "timer endsAt is out of range")
	}
	v := &n.Voting
	if v.Dots < 0 || v.Dots > MaxDots {
		return Errorf(EInvalid, "voting dots must be within 0 and %d", MaxDots)
	}
	if v.Open && v.Dots == 0 {
		return Errorf(EInvalid, "an open vote needs at least one dot")
	}
	if len(v.Kinds) > len(Kinds) {
		return Errorf(EInvalid, "voting kinds: too many")
	}
	for _, k := range v.Kinds {
		if !ValidKind(k) || k == KindLink {
			return Errorf(EInvalid, "voting kinds: %q cannot be voted on", k)
		}
	}
	if v.Open && len(v.Kinds) == 0 {
		return Errorf(EInvalid, "an open vote needs the kinds to vote on")
	}
	if f := n.Focus; f != nil {
		for _, c := range []float64{f.X, f.Y} {
			if c < -MaxCoord || c > MaxCoord {
				return Errorf(EInvalid, "focus must lie within ±1000000")
			}
		}
		if f.Zoom < 0.05 || f.Zoom > 20 {
			return Errorf(EInvalid, "focus zoom must be within 0.05 and 20")
		}
	}
	return nil
}

// DotsUsed returns how many dots the voter has placed in this session.
func (s *State) DotsUsed(voter string) int {
	n := 0
	for _, c := range s.Votes[voter] {
		n += c
	}
	return n
}

// PrepareVote validates a vote by p: voting open, the board not locked for
// p, the target votable, and the budget not exceeded.
func (s *State) PrepareVote(p *Participant, batch, target string, delta int, now int64) (*Change, error) {
	if p == nil || p.Role == RoleObserver {
		return nil, Errorf(EForbidden, "observers cannot vote")
	}
	if !p.CanEdit(s.Settings.Locked) {
		return nil, Errorf(ELocked, "the board is locked by the facilitator")
	}
	v := s.Settings.Voting
	if !v.Open {
		return nil, Errorf(EVotingClosed, "no vote is open")
	}
	if delta != 1 && delta != -1 {
		return nil, Errorf(EInvalid, "delta must be 1 or -1")
	}
	o := s.Objects[target]
	if o == nil || !o.VisibleTo(p) {
		return nil, Errorf(ENotFound, "no object %s", target)
	}
	if o.PrivateTo != "" {
		return nil, Errorf(EInvalid, "a private note can be voted on once the notes are shown")
	}
	if !slices.Contains(v.Kinds, o.Kind) {
		return nil, Errorf(EInvalid, "%s cannot be voted on in this vote", article(o.Kind))
	}
	if delta == 1 && s.DotsUsed(p.ID) >= v.Dots {
		return nil, Errorf(ENoDots, "all %d dots are placed", v.Dots)
	}
	if delta == -1 && s.Votes[p.ID][target] == 0 {
		return nil, Errorf(EInvalid, "no dot of yours is on that object")
	}
	c := s.next(ChangeVote, now, p.ID, batch)
	c.Vote = &Vote{Voter: p.ID, Target: target, Delta: delta}
	return c, nil
}

// VotesView is the tally as one participant may see it.
type VotesView struct {
	Open     bool           `json:"open"`
	Hidden   bool           `json:"hidden"`
	Dots     int            `json:"dots"`
	Kinds    []string       `json:"kinds"`
	Mine     map[string]int `json:"mine"`
	DotsLeft int            `json:"dotsLeft"`
	// Tallies and ByPosition are nil while hidden from this participant.
	Tallies    map[string]int            `json:"tallies"`
	ByPosition map[string]map[string]int `json:"byPosition"`
	// Voters counts the participants who placed at least one dot; only
	// facilitators get it, and not in an anonymous vote.
	Voters *int `json:"voters,omitempty"`
}

// TalliesVisible reports whether participant p may see the tallies now.
func (s *State) TalliesVisible(p *Participant) bool {
	if p != nil && p.Role == RoleFacilitator {
		return true
	}
	return !(s.Settings.Voting.Hidden && s.Settings.Voting.Open)
}

// MinAnonymousVoters is the fewest voters a count by position may be made
// of in an anonymous vote: a position with one politician would otherwise
// show that politician's dots.
const MinAnonymousVoters = 3

// Tallies returns dots per object, and per object split by position. It
// reveals no individual's votes: in an anonymous vote, a position's count
// on an object made of fewer than MinAnonymousVoters voters is left out,
// for everyone, in every message, answer and export.
func (s *State) Tallies() (map[string]int, map[string]map[string]int) {
	t := map[string]int{}
	bp := map[string]map[string]int{}
	voters := map[string]map[string]int{} // target → position → voters
	for voter, m := range s.Votes {
		pos := PositionOther
		if p := s.Participants[voter]; p != nil {
			pos = p.Position
		}
		for target, n := range m {
			t[target] += n
			if bp[target] == nil {
				bp[target] = map[string]int{}
				voters[target] = map[string]int{}
			}
			bp[target][pos] += n
			voters[target][pos]++
		}
	}
	if s.Settings.Voting.Anonymous {
		for target, byPos := range bp {
			for pos := range byPos {
				if voters[target][pos] < MinAnonymousVoters {
					delete(byPos, pos)
				}
			}
			if len(byPos) == 0 {
				delete(bp, target)
			}
		}
	}
	return t, bp
}

// VotesFor returns the votes view for participant p.
func (s *State) VotesFor(p *Participant) VotesView { return s.VotesViewer()(p) }

// VotesViewer returns a function that gives each participant's votes view
// of the current state, counting the tallies once for all of them: one vote
// is sent to every client of a board.
func (s *State) VotesViewer() func(p *Participant) VotesView {
	var tallies map[string]int
	var byPos map[string]map[string]int
	return func(p *Participant) VotesView {
		if tallies == nil && s.TalliesVisible(p) {
			tallies, byPos = s.Tallies()
		}
		return s.votesView(p, tallies, byPos)
	}
}

func (s *State) votesView(p *Participant, tallies map[string]int, byPos map[string]map[string]int) VotesView {
	v := s.Settings.Voting
	view := VotesView{Open: v.Open, Hidden: v.Hidden, Dots: v.Dots, Kinds: slices.Clone(v.Kinds), Mine: map[string]int{}}
	if view.Kinds == nil {
		view.Kinds = []string{}
	}
	if p != nil {
		for t, n := range s.Votes[p.ID] {
			view.Mine[t] = n
		}
		view.DotsLeft = max(0, v.Dots-s.DotsUsed(p.ID))
	}
	if s.TalliesVisible(p) {
		view.Tallies, view.ByPosition = tallies, byPos
	}
	if p != nil && p.Role == RoleFacilitator && !v.Anonymous {
		n := len(s.Votes)
		view.Voters = &n
	}
	return view
}

// PrepareJoin returns the change that adds a participant with a token hash.
func (s *State) PrepareJoin(p *Participant, tokenHash string, now int64) (*Change, error) {
	if err := CheckParticipant(p); err != nil {
		return nil, err
	}
	if s.Settings.JoinClosed {
		return nil, Errorf(EJoinClosed, "the facilitator has closed this board to new participants")
	}
	if len(s.Participants) >= MaxParticipants {
		return nil, Errorf(ETooLarge, "a board holds at most %d participants", MaxParticipants)
	}
	if _, ok := s.Participants[p.ID]; ok {
		return nil, Errorf(EConflict, "participant %s exists already", p.ID)
	}
	pp := *p
	pp.JoinedAt = now
	c := s.next(ChangeJoin, now, p.ID, "")
	c.Participant, c.TokenHash = &pp, tokenHash
	return c, nil
}

// PrepareRole returns the change that gives participant id a new role. Only
// a facilitator (by, or nil for the organizer) may.
func (s *State) PrepareRole(by *Participant, id, role string, now int64) (*Change, error) {
	if by != nil && by.Role != RoleFacilitator {
		return nil, Errorf(EForbidden, "only a facilitator changes roles")
	}
	p := s.Participants[id]
	if p == nil {
		return nil, Errorf(ENotFound, "no participant %s", id)
	}
	if role != RoleFacilitator && role != RoleParticipant && role != RoleObserver {
		return nil, Errorf(EInvalid, "role must be facilitator, participant or observer")
	}
	if role != RoleFacilitator {
		if err := s.checkLastFacilitator(id); err != nil {
			return nil, err
		}
	}
	pp := *p
	pp.Role = role
	c := s.next(ChangeParticipant, now, by.idOrNone(), "")
	c.Participant = &pp
	return c, nil
}

// PrepareRemove returns the change that removes participant id and revokes
// their tokens.
func (s *State) PrepareRemove(by *Participant, id string, now int64) (*Change, error) {
	if by != nil && by.Role != RoleFacilitator {
		return nil, Errorf(EForbidden, "only a facilitator removes participants")
	}
	if s.Participants[id] == nil {
		return nil, Errorf(ENotFound, "no participant %s", id)
	}
	if err := s.checkLastFacilitator(id); err != nil {
		return nil, err
	}
	c := s.next(ChangeRemove, now, by.idOrNone(), "")
	c.Removed = id
	return c, nil
}

// PrepareRemoveMany returns one change that removes every participant in
// ids and revokes their tokens: a facilitator clears a flood of fake joins
// at once. It refuses to leave the board without a facilitator.
func (s *State) PrepareRemoveMany(by *Participant, ids []string, now int64) (*Change, error) {
	if by != nil && by.Role != RoleFacilitator {
		return nil, Errorf(EForbidden, "only a facilitator removes participants")
	}
	if len(ids) == 0 {
		return nil, Errorf(EInvalid, "name at least one participant to remove")
	}
	if len(ids) > MaxParticipants {
		return nil, Errorf(ETooLarge, "at most %d participants at once", MaxParticipants)
	}
	seen := make(map[string]bool, len(ids))
	var uniq []string
	facilitators := 0
	for _, p := range s.Participants {
		if p.Role == RoleFacilitator {
			facilitators++
		}
	}
	for _, id := range ids {
		p := s.Participants[id]
		if p == nil {
			return nil, Errorf(ENotFound, "no participant %s", id)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		uniq = append(uniq, id)
		if p.Role == RoleFacilitator {
			facilitators--
		}
	}
	if facilitators == 0 {
		return nil, Errorf(EConflict, "the board would have no facilitator left")
	}
	c := &Change{Seq: s.Seq + 1, Type: ChangeRemove, At: now, Removed: uniq[0], RemovedMore: uniq[1:]}
	if by != nil {
		c.Author = by.ID
	}
	return c, nil
}

// CheckParticipant validates the fields a person gives when joining.
func CheckParticipant(p *Participant) error {
	if err := CheckText("name", p.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := CheckText("administration", p.Administration, MaxTitleLen, false); err != nil {
		return err
	}
	if !slices.Contains(Positions, p.Position) {
		return Errorf(EInvalid, "position must be one of official, manager, politician, other")
	}
	if p.Role != RoleFacilitator && p.Role != RoleParticipant && p.Role != RoleObserver {
		return Errorf(EInvalid, "role must be facilitator, participant or observer")
	}
	return nil
}
