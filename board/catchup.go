package board

// CatchUp is the one rule for bringing a reader who has seen a board up to
// seq since (a reconnecting client, or a store's Since) to the board's seq
// cur, from a change log whose oldest change at or before since+1 has seq
// first (0 when the log holds nothing there). It answers:
//
//   - current: the reader has everything; nothing to send;
//   - nil error and not current: the log holds since+1 to cur; send those;
//   - ETooOld: the reader needs the whole board, because it is ahead of the
//     board (the board was recreated, or it read another board) or the log
//     no longer reaches back to since+1.
//
// The stores (Since) and the server (its welcome after a reconnect) both
// decide with it, so they cannot disagree.
func CatchUp(since, cur, first uint64) (current bool, err error) {
	switch {
	case since > cur:
		return false, Errorf(ETooOld, "seq %d is ahead of the board (%d)", since, cur)
	case since == cur:
		return true, nil
	case first == 0 || first > since+1:
		return false, Errorf(ETooOld, "the log no longer holds the changes after %d", since)
	}
	return false, nil
}

// Follows reports whether c is the change after s: what a store checks
// before it stores a prepared change. Every Prepare function makes its
// change at s.Seq+1; anything else is a bug in the prepare function, which
// the store refuses rather than leave a gap or overwrite a change.
func (s *State) Follows(c *Change) error {
	if c.Seq != s.Seq+1 {
		return Errorf(EInternal, "a change prepared at seq %d for a board at seq %d", c.Seq, s.Seq)
	}
	return nil
}

// CheckNew checks a board before a store creates it: it needs an id. The
// stores answer an empty id alike, with EInvalid.
func CheckNew(st *State) error {
	if st.Info.ID == "" {
		return Errorf(EInvalid, "a board needs an id")
	}
	return nil
}
