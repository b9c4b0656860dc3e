package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Commit prepares a change against the cached board and stores it with one
// script call that fails if another node changed the board meanwhile; then
// it catches up and prepares again.
func (s *Store) Commit(ctx context.Context, boardID string, prepare func(*board.State) (*board.Change, error)) (*board.Change, error) {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	unanswered := d.unanswered.Load()
	d.commitMu.Lock()
	defer d.commitMu.Unlock()
	// The timeout that tells an unreachable Redis starts only now: waiting
	// behind this node's other commits to the board is not Redis' fault,
	// and a burst of votes queues up here. The caller's deadline still holds.
	if err := ctx.Err(); err != nil {
		return nil, board.Errorf(board.EUnavailable, "gave up waiting for the board: %v", err)
	}
	// But if Redis left a commit ahead of this one unanswered meanwhile,
	// it is stalled or gone: refuse now rather than wait a whole timeout
	// again, so that every edit queued during a stall is answered within
	// about one timeout. Nothing of this change was sent, so nothing of it
	// is stored.
	if d.unanswered.Load() != unanswered {
		return nil, board.Errorf(board.EUnavailable, "the database (Redis) did not answer in time; try again in a moment")
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
	keys := []string{bkey(boardID, "seq"), bkey(boardID, "info"), bkey(boardID, "objects"), bkey(boardID, "participants"),
		bkey(boardID, "tokens"), bkey(boardID, "votes"), bkey(boardID, "settings"), bkey(boardID, "log"), summaryKey(boardID)}
	for attempt := 1; ; attempt++ {
		var (
			c        *board.Change
			perr     error
			w        *storekit.Writes
			sum      []byte
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
			// Work out the records the change writes on a copy of just
			// those records: the cache changes only once Redis has it.
			t := storekit.Touch(st, c)
			part := t.Partial(st)
			part.Apply(c)
			if w, werr = t.Writes(part); werr == nil {
				sum, werr = t.Summary(st, part)
			}
		})
		if !loaded {
			return nil, board.Errorf(board.EUnavailable, "board %s was unloaded meanwhile", boardID)
		}
		if perr != nil || c == nil {
			return nil, perr
		}
		if werr != nil {
			return nil, wrap(werr)
		}
		log, err := board.MarshalJSON(c)
		if err != nil {
			return nil, wrap(err)
		}
		args := []any{expected, log, s.cfg.logBound, channelOf(boardID)}
		args = appendWrites(args, w)
		if c.Type == board.ChangeErase {
			if args, err = s.appendScrubs(ctx, args, boardID, c.Erased); err != nil {
				return nil, err
			}
		}
		if sum != nil {
			args = append(args, "m", "", sum)
		}
		res, err := s.commitRun(ctx, keys, args)
		if err != nil {
			var be *board.Error
			if !errors.As(err, &be) {
				// Redis itself did not answer (a *board.Error is an answer,
				// such as too few replicas confirming).
				d.unanswered.Add(1)
			}
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
