package boltstore

// CachedForTest reports whether a board is in the store's cache.
func (s *Store) CachedForTest(boardID string) bool {
	return s.live.Lookup(boardID) != nil
}
