package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// Group commit. A node commits a board's changes one after another
// (commitMu), each a round trip to Redis. When many people edit one board,
// their commits queue behind each other, and under load each round trip
// waits for the CPU too: at 100 edits a second on a busy node the queue
// became the whole latency. So the commit whose turn it is takes every
// commit waiting behind it, prepares each against the board as the ones
// before it leave it, and sends all their scripts in one pipeline. Redis
// runs them in order; each still checks the seq it expects, so nothing
// changes for other nodes. Whatever does not go through (another node got
// in between, an erasure, an error) is committed one at a time as before.

// commitReq is one caller's commit, waiting for its turn; commitMu guards
// c, err and done once it is queued.
type commitReq struct {
	prepare func(*board.State) (*board.Change, error)
	// unanswered is the board's count of unanswered commits when this
	// one was queued (commit.go, refused).
	unanswered uint64
	c          *board.Change
	err        error
	done       bool
}

// staged is a change prepared for a pipelined commit.
type staged struct {
	r    *commitReq
	c    *board.Change
	args []any
}

// commitBatch commits the requests in order, most in one round trip.
// commitMu is held.
func (s *Store) commitBatch(ctx context.Context, b *storekit.Board[boardData], batch []*commitReq) {
	rest := batch // those still to commit one at a time
	defer func() {
		for _, r := range rest {
			if !r.done {
				r.c, r.err = s.commitOne(ctx, b, r)
				r.done = true
			}
		}
	}()
	octx, cancel, err := s.op(ctx)
	if err != nil {
		return
	}
	defer cancel()
	if !b.Loaded() {
		if s.sync(octx, b) != nil {
			return
		}
	}
	var work *board.State
	b.Read(func(st *board.State) {
		if st != nil {
			work = st.Clone()
		}
	})
	if work == nil {
		return
	}
	var stage []staged
	var prevLog []byte // the JSON of the change staged before
	for i, r := range batch {
		if err := r.refused(&b.Data); err != nil {
			r.err, r.done = err, true
			continue
		}
		c, perr := r.prepare(work)
		if perr == nil && c != nil {
			perr = work.Follows(c)
		}
		if perr != nil || c == nil {
			r.c, r.err, r.done = nil, perr, true
			continue
		}
		if c.Type == board.ChangeErase {
			rest = batch[i:] // it reads Redis first: on its own
			break
		}
		args, err := s.commitArgs(b.ID, work, c)
		if err != nil {
			r.err, r.done = err, true
			continue
		}
		if prevLog != nil {
			// Only right after its predecessor (scripts.go).
			sum := sha1.Sum(prevLog)
			args = slices.Insert(args, 4, any("a"), any(""), any(hex.EncodeToString(sum[:])))
		}
		prevLog = args[1].([]byte)
		work.Apply(c)
		stage = append(stage, staged{r: r, c: c, args: args})
		rest = batch[i+1:]
	}
	if len(stage) == 0 {
		return
	}
	keys := commitKeys(b.ID)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(stage))
	for i, st := range stage {
		cmds[i] = commitScript.EvalSha(octx, pipe, keys, st.args...)
	}
	_, _ = pipe.Exec(octx) // each command's own error is read below
	for i, cmd := range cmds {
		res, err := cmd.Slice()
		var reply redis.Error
		if err != nil && !errors.As(err, &reply) {
			noteUnanswered(&b.Data, err) // no answer at all, not an error reply
		}
		if st, _ := status(res); err != nil || st != "OK" {
			// Those after it expected its seq: all again, one at a time.
			redo := make([]*commitReq, 0, len(stage)-i+len(rest))
			for _, st := range stage[i:] {
				redo = append(redo, st.r)
			}
			rest = append(redo, rest...)
			return
		}
		b.Advance(stage[i].c)
		stage[i].r.c, stage[i].r.done = stage[i].c, true
		if len(stage) > 1 {
			s.grouped.Add(1)
		}
	}
}

// status is the first value of a commit script's answer.
func status(res []any) (string, bool) {
	if len(res) == 0 {
		return "", false
	}
	s, ok := res[0].(string)
	return s, ok
}
