package board

import (
	"slices"
	"time"
)

// ChangeErase removes participants and erases their names: the change of a
// participant's own erasure, a facilitator's, and the retention job's.
// Stores that keep a change log rewrite every logged change that names an
// erased participant (see Change.Scrub) in the same atomic write, and make
// the old bytes leave their data files soon after (see Store).
const ChangeErase = "erase"

// ErasedName replaces the name and the administration of an erased
// participant wherever a stored change still refers to them.
const ErasedName = "Borttagen deltagare"

// PrepareErase returns the change that removes the participants ids from
// the board and erases their names, or nil if none of them is on the
// board any longer. by is nil for the organizer and the retention job,
// who may erase anyone; a participant may erase themself, and a
// facilitator anyone, but the last facilitator only once another
// facilitator is left (else EConflict), so that a workshop is never left
// without one by a participant's click.
func (s *State) PrepareErase(by *Participant, ids []string, now int64) (*Change, error) {
	var erased []string
	for _, id := range ids {
		if s.Participants[id] != nil && !slices.Contains(erased, id) {
			erased = append(erased, id)
		}
	}
	if by != nil {
		for _, id := range erased {
			if id != by.ID && by.Role != RoleFacilitator {
				return nil, Errorf(EForbidden, "only a facilitator erases other participants")
			}
		}
		left := 0
		for id, p := range s.Participants {
			if p.Role == RoleFacilitator && !slices.Contains(erased, id) {
				left++
			}
		}
		if left == 0 {
			return nil, Errorf(EConflict, "the board's last facilitator cannot be erased: make someone else facilitator first, or ask the organizer")
		}
	}
	if len(erased) == 0 {
		return nil, nil
	}
	slices.Sort(erased)
	c := s.next(ChangeErase, now, by.idOrNone(), "")
	c.Erased = erased
	return c, nil
}

// applyErase removes the erased participants, their tokens and their dots.
func (s *State) applyErase(c *Change) {
	for _, id := range c.Erased {
		delete(s.Participants, id)
		delete(s.Votes, id)
		for h, pid := range s.Tokens {
			if pid == id {
				delete(s.Tokens, h)
			}
		}
	}
}

// Scrub replaces the name and the administration of every participant in
// erased that c carries (a join or a role change) with ErasedName, and
// reports whether it changed c. Stores call it on every logged change
// when they store an erase change. The change's other fields carry ids
// only.
func (c *Change) Scrub(erased map[string]bool) bool {
	p := c.Participant
	if p == nil || !erased[p.ID] || (p.Name == ErasedName && p.Administration == ErasedName) {
		return false
	}
	cp := *p
	cp.Name, cp.Administration = ErasedName, ErasedName
	c.Participant = &cp
	return true
}

// LastChangeOr returns the time of a change (unix milliseconds), or
// created if the board has had no change.
func LastChangeOr(at int64, created time.Time) time.Time {
	if at <= 0 {
		return created
	}
	return time.UnixMilli(at).UTC()
}
