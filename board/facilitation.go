package board

import "encoding/json"

// Follow names the facilitator whose view every client shows (follow me).
// The followed person sends that view with their presence.
type Follow struct {
	Participant string `json:"participant"`
}

// named says which settings a patch names, where the rules depend on
// whether a field was given rather than on its value.
type named struct {
	focus  bool // a new summon (focus set, not null)
	follow bool
	hidden bool // voting.hidden given
	clear  bool // voting.clear true
}

// patchNames reads which fields a settings patch names. The patch has been
// decoded strictly already; this only looks.
func patchNames(patch json.RawMessage) named {
	var p struct {
		Focus  json.RawMessage `json:"focus"`
		Follow json.RawMessage `json:"follow"`
		Voting *struct {
			Hidden json.RawMessage `json:"hidden"`
			Clear  bool            `json:"clear"`
		} `json:"voting"`
	}
	_ = json.Unmarshal(patch, &p)
	n := named{
		focus:  len(p.Focus) > 0 && string(p.Focus) != "null",
		follow: len(p.Follow) > 0,
	}
	if p.Voting != nil {
		n.hidden = len(p.Voting.Hidden) > 0
		n.clear = p.Voting.Clear
	}
	return n
}

// prepareFacilitation completes a settings change with what follows from
// it beyond the settings themselves: who is followed, votes cleared, and
// the private notes an ended private round reveals.
func (s *State) prepareFacilitation(c *Change, n named) error {
	next := c.Settings
	if f := next.Follow; n.follow && f != nil {
		p := s.Participants[f.Participant]
		if p == nil || p.Role != RoleFacilitator {
			return Errorf(EInvalid, "follow: %q is not a facilitator of this board", f.Participant)
		}
	}
	if n.clear {
		next.Voting.Clear = false
		c.ClearVotes = true
	}
	if s.Settings.Private && !next.Private {
		c.Revealed = s.privateIDs()
	}
	return nil
}

// facilitators counts the board's facilitators.
func (s *State) facilitators() int {
	n := 0
	for _, p := range s.Participants {
		if p.Role == RoleFacilitator {
			n++
		}
	}
	return n
}

// checkLastFacilitator refuses a change that would leave the board without
// a facilitator: the last one cannot lose the role, nor be removed.
func (s *State) checkLastFacilitator(id string) error {
	if p := s.Participants[id]; p != nil && p.Role == RoleFacilitator && s.facilitators() == 1 {
		return Errorf(EConflict, "the board's last facilitator cannot lose that role; make someone else facilitator first")
	}
	return nil
}
