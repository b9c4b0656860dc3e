package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Commit prepares a change against the cached board and stores it with one
// script call that fails if another node changed the board meanwhile; then
// it catches up and prepares again. Commits of this node that wait for the
// board meanwhile go to Redis together (groupcommit.go).
func (s *Store) Commit(ctx context.Context, boardID string, prepare func(*board.State) (*board.Change, error)) (*board.Change, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	req := &commitReq{prepare: prepare, unanswered: d.unanswered.Load()}
	d.pendMu.Lock()
	d.pending = append(d.pending, req)
	d.pendMu.Unlock()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	if req.done {
		return req.c, req.err // a commit before this one took it along
	}
	d.pendMu.Lock()
	batch := d.pending
	d.pending = nil
	d.pendMu.Unlock()
	if err := ctx.Err(); err != nil {
		// This caller gave up; the others keep their turn.
		others := slices.DeleteFunc(batch, func(r *commitReq) bool { return r == req })
		d.pendMu.Lock()
		d.pending = append(others, d.pending...)
		d.pendMu.Unlock()
		return nil, board.Errorf(board.EUnavailable, "gave up waiting for the board: %v", err)
	}
	if len(batch) == 1 || s.cfg.waitReplicas > 0 {
		// One at a time: every commit waits for replicas on its own
		// connection (topology.go).
		for _, r := range batch {
			r.c, r.err = s.commitOne(ctx, b, r)
			r.done = true
		}
		return req.c, req.err
	}
	s.commitBatch(ctx, b, batch)
	return req.c, req.err
}

// commitOne commits one change; commitMu is held.
func (s *Store) commitOne(ctx context.Context, b *storekit.Board[boardData], r *commitReq) (*board.Change, error) {
	boardID, prepare, d := b.ID, r.prepare, &b.Data
	// The timeout that tells an unreachable Redis starts only now: waiting
	// behind this node's other commits to the board is not Redis' fault,
	// and a burst of votes queues up here. The caller's deadline still holds.
	if err := ctx.Err(); err != nil {
		return nil, board.Errorf(board.EUnavailable, "gave up waiting for the board: %v", err)
	}
	if err := r.refused(d); err != nil {
		return nil, err
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	if !b.Loaded() {
		if err := s.sync(ctx, b); err != nil {
			return nil, err
		}
	}
	keys := commitKeys(boardID)
	for attempt := 1; ; attempt++ {
		var (
			c        *board.Change
			perr     error
			args     []any
			werr     error
			expected uint64
			loaded   bool
		)
		b.Read(func(st *board.State) {
			if loaded = st != nil; !loaded {
				return
			}
			if c, perr = prepare(st); perr != nil || c == nil {
				return
			}
			if perr = st.Follows(c); perr != nil {
				return
			}
			expected = st.Seq
			args, werr = s.commitArgs(boardID, st, c)
		})
		if !loaded {
			return nil, board.Errorf(board.EUnavailable, "board %s was unloaded meanwhile", boardID)
		}
		if perr != nil || c == nil {
			return nil, perr
		}
		if werr != nil {
			return nil, werr
		}
		if c.Type == board.ChangeErase {
			var err error
			if args, err = s.appendScrubs(ctx, args, boardID, c.Erased); err != nil {
				return nil, err
			}
		}
		res, err := s.commitRun(ctx, keys, args)
		if err != nil {
			noteUnanswered(d, err)
			return nil, wrap(err)
		}
		status, _ := res[0].(string)
		switch status {
		case "OK":
			b.Advance(c)
			if c.Type == board.ChangeErase {
				s.schedulePurge()
			}
			return c, nil
		case "NOBOARD":
			return nil, board.Errorf(board.ENotFound, "no board %s", boardID)
		case "STALE":
			if attempt >= s.cfg.attempts {
				return nil, board.Errorf(board.EUnavailable, "board %s is too busy: gave up after %d attempts", boardID, attempt)
			}
			if !s.applyMissed(b, expected, res) {
				if err := s.sync(ctx, b); err != nil {
					return nil, err
				}
			}
			if attempt >= 3 {
				// Another node keeps winning: step aside for a random
				// moment so that the nodes' attempts spread out.
				time.Sleep(time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(time.Millisecond))))
			}
		default:
			return nil, fmt.Errorf("redisstore: commit script answered %v", res)
		}
	}
}

// refused is the error for a commit queued behind one that Redis left
// unanswered meanwhile: Redis is stalled or gone, so refuse now rather than
// wait a whole timeout again, so that every edit queued during a stall is
// answered within about one timeout. Nothing of this change was sent, so
// nothing of it is stored.
func (r *commitReq) refused(d *boardData) error {
	if d.unanswered.Load() != r.unanswered {
		return board.Errorf(board.EUnavailable, "the database (Redis) did not answer in time; try again in a moment")
	}
	return nil
}

// noteUnanswered counts a commit Redis did not answer (a *board.Error is an
// answer, such as too few replicas confirming).
func noteUnanswered(d *boardData, err error) {
	var be *board.Error
	if !errors.As(err, &be) {
		d.unanswered.Add(1)
	}
}

// commitKeys are the keys the commit script touches.
func commitKeys(boardID string) []string {
	return []string{bkey(boardID, "seq"), bkey(boardID, "info"), bkey(boardID, "objects"), bkey(boardID, "participants"),
		bkey(boardID, "tokens"), bkey(boardID, "votes"), bkey(boardID, "settings"), bkey(boardID, "log"), summaryKey(boardID)}
}

// commitArgs are the commit script's arguments for change c to st: the
// records it writes, worked out on a copy of just those records (the
// cache changes only once Redis has it), and the summary if it changes.
func (s *Store) commitArgs(boardID string, st *board.State, c *board.Change) ([]any, error) {
	t := storekit.Touch(st, c)
	part := t.Partial(st)
	part.Apply(c)
	w, err := t.Writes(part)
	if err != nil {
		return nil, wrap(err)
	}
	sum, err := t.Summary(st, part)
	if err != nil {
		return nil, wrap(err)
	}
	log, err := board.MarshalJSON(c)
	if err != nil {
		return nil, wrap(err)
	}
	args := []any{st.Seq, log, s.cfg.logBound, channelOf(boardID)}
	args = appendWrites(args, w)
	if sum != nil {
		args = append(args, "m", "", sum)
	}
	return args, nil
}

// applyMissed applies the changes a STALE answer of the commit script
// carries. It reports whether the cache is then current.
func (s *Store) applyMissed(b *storekit.Board[boardData], expected uint64, res []any) bool {
	if len(res) < 3 {
		return false
	}
	cur, _ := res[1].(int64)
	entries, _ := res[2].([]any)
	for _, e := range entries {
		// An entry is [id, [field, value]].
		pair, _ := e.([]any)
		if len(pair) != 2 {
			return false
		}
		fields, _ := pair[1].([]any)
		if len(fields) != 2 {
			return false
		}
		c, err := decodeChange(fields[1])
		if err != nil || b.Advance(c) == storekit.Gap {
			return false
		}
	}
	seq, _ := b.Seq()
	return cur >= 0 && seq == uint64(cur)
}

func appendWrites(args []any, w *storekit.Writes) []any {
	hash := func(set, del string, m map[string][]byte) {
		for k, v := range m {
			if v == nil {
				args = append(args, del, k, "")
			} else {
				args = append(args, set, k, v)
			}
		}
	}
	hash("o", "O", w.Objects)
	hash("p", "P", w.Participants)
	hash("v", "V", w.Votes)
	for h, id := range w.Tokens {
		if id == "" {
			args = append(args, "T", h, "")
		} else {
			args = append(args, "t", h, id)
		}
	}
	if w.Settings != nil {
		args = append(args, "s", "", w.Settings)
	}
	return args
}
