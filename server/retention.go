package server

import (
	"context"
	"time"

	"github.com/processkarta/processkarta/board"
)

// Retention: a board with no change for Config.RetentionDays has its join
// code revoked and every participant erased (board.ChangeErase, which
// also scrubs the change log), and its exports that may name people are
// deleted. The sweep runs every RetentionEvery on one node at a time: it
// takes the store's lease first (SET NX PX on Redis; the embedded store
// has one node). A second node that sweeps the same board anyway does no
// harm: the erasure is prepared against the current state, so it finds
// nobody left to erase.

// DefaultRetentionEvery is how often the retention sweep runs.
const DefaultRetentionEvery = time.Hour

// retentionLease names the lease that keeps the sweep on one node.
const retentionLease = "retention"

// anonymiseAt returns when the board i will be anonymised, or nil if no
// retention period is set.
func (s *Server) anonymiseAt(i *board.Info) *time.Time {
	if s.cfg.RetentionDays <= 0 {
		return nil
	}
	at := i.LastChange.Add(time.Duration(s.cfg.RetentionDays) * 24 * time.Hour).UTC()
	return &at
}

// retention sweeps until ctx ends.
func (s *Server) retention(ctx context.Context) {
	every := s.cfg.RetentionEvery
	if every <= 0 {
		every = DefaultRetentionEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// The lease lasts a little less than the interval, so the next
		// sweep may run on any node.
		if ok, err := s.store.Lease(ctx, retentionLease, every*9/10); err == nil && ok {
			if n, err := s.Sweep(ctx, time.Now()); err != nil {
				s.log.Warn("retention sweep", "err", err, "anonymised", n)
			} else if n > 0 {
				s.log.Info("retention sweep", "anonymised", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep anonymises the boards idle for the retention period at time now
// and returns how many it anonymised. It does nothing without a retention
// period. The server runs it by itself; it is exported for tests and
// tools.
func (s *Server) Sweep(ctx context.Context, now time.Time) (int, error) {
	if s.cfg.RetentionDays <= 0 {
		return 0, nil
	}
	infos, err := s.store.Boards(ctx, "")
	if err != nil {
		return 0, err
	}
	n := 0
	var firstErr error
	for _, i := range infos {
		if now.Before(*s.anonymiseAt(i)) {
			continue
		}
		did, err := s.anonymise(ctx, i)
		if err != nil && board.ErrorCode(err) != board.ENotFound {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if did {
			n++
		}
	}
	return n, firstErr
}

// anonymise revokes a board's join code, erases everyone on it and deletes
// its exports that may name them. It reports whether there was anything
// to do.
func (s *Server) anonymise(ctx context.Context, i *board.Info) (bool, error) {
	did := false
	if i.JoinCode != "" {
		if err := s.store.SetJoinCode(ctx, i.ID, ""); err != nil {
			return false, err
		}
		did = true
	}
	c, err := s.store.Commit(ctx, i.ID, func(st *board.State) (*board.Change, error) {
		ids := make([]string, 0, len(st.Participants))
		for id := range st.Participants {
			ids = append(ids, id)
		}
		return st.PrepareErase(nil, ids, now())
	})
	if err != nil {
		return did, err
	}
	if c != nil {
		did = true
	}
	if k, err := s.deleteNamedExports(ctx, i.ID); err != nil {
		return did, err
	} else if k > 0 {
		did = true
	}
	return did, nil
}
