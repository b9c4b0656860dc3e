package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// snapshot reads a whole board atomically.
func (s *Store) snapshot(ctx context.Context, id string) (*board.State, error) {
	res, err := snapshotScript.Run(ctx, s.rdb, boardKeys(id)).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no board %s", id)
	}
	if err != nil {
		return nil, wrap(err)
	}
	if len(res) != 8 {
		return nil, fmt.Errorf("redisstore: snapshot of %s: %d values", id, len(res))
	}
	str := func(v any) string { s, _ := v.(string); return s }
	pairs := func(v any) map[string]string {
		l, _ := v.([]any)
		m := make(map[string]string, len(l)/2)
		for i := 0; i+1 < len(l); i += 2 {
			m[str(l[i])] = str(l[i+1])
		}
		return m
	}
	bytesOf := func(m map[string]string) map[string][]byte {
		out := make(map[string][]byte, len(m))
		for k, v := range m {
			out[k] = []byte(v)
		}
		return out
	}
	seq, err := strconv.ParseUint(str(res[2]), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("redisstore: seq of %s: %w", id, err)
	}
	st, err := storekit.Decode(&storekit.Records{
		Seq:          seq,
		Info:         []byte(str(res[0])),
		Settings:     []byte(str(res[3])),
		Objects:      bytesOf(pairs(res[4])),
		Participants: bytesOf(pairs(res[5])),
		Tokens:       pairs(res[6]),
		Votes:        bytesOf(pairs(res[7])),
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: board %s: %w", id, err)
	}
	st.Info.JoinCode = str(res[1])
	return st, nil
}

// sync makes the cached board current: it loads it if needed, subscribes
// its channel, and reads what the cache misses from the stream.
func (s *Store) sync(ctx context.Context, b *storekit.Board[boardData]) error {
	d := &b.Data
	d.syncMu.Lock()
	defer d.syncMu.Unlock()
	if !b.Loaded() {
		st, err := s.snapshot(ctx, b.ID)
		if err != nil {
			return err
		}
		b.Replace(st)
		// Changes published before the subscription is confirmed are
		// read from the stream by catchUp below.
		if err := s.listenTo(ctx, b); err != nil {
			// Forget the subscription too: the entry may be dropped now.
			s.unlisten(b)
			b.Unload()
			return err
		}
	}
	return s.catchUp(ctx, b)
}

// catchUp brings a loaded board to the seq stored in Redis. The caller
// holds syncMu.
func (s *Store) catchUp(ctx context.Context, b *storekit.Board[boardData]) error {
	// The cached seq is read first: pub/sub may advance the cache at any
	// time, but never past what Redis had when it was read, so a stored
	// seq read afterwards that is lower means Redis lost changes.
	have, loaded := b.Seq()
	if !loaded {
		return nil
	}
	vals, err := s.rdb.MGet(ctx, bkey(b.ID, "seq"), bkey(b.ID, "joincode")).Result()
	if err != nil {
		return wrap(err)
	}
	raw, ok := vals[0].(string)
	if !ok {
		return board.Errorf(board.ENotFound, "no board %s", b.ID)
	}
	cur, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("redisstore: seq of %s: %w", b.ID, err)
	}
	if code, ok := vals[1].(string); ok {
		b.SetJoinCode(code)
	}
	var msgs []redis.XMessage
	if cur > have {
		if msgs, err = s.rdb.XRange(ctx, bkey(b.ID, "log"), fmt.Sprintf("%d-0", have+1), "+").Result(); err != nil {
			return wrap(err)
		}
	}
	var first uint64
	if len(msgs) > 0 {
		first, _ = seqOfID(msgs[0].ID)
	}
	if current, err := board.CatchUp(have, cur, first); current {
		return nil
	} else if err != nil {
		// Redis is behind the cache (it lost changes: it ran without
		// fsync, or was replaced), or the stream no longer reaches back to
		// the cache: Redis' state is the truth.
		return s.reload(ctx, b)
	}
	for _, m := range msgs {
		c, err := decodeChange(m.Values["c"])
		if err != nil {
			return err
		}
		if b.Advance(c) == storekit.Gap {
			return s.reload(ctx, b)
		}
	}
	return nil
}

func (s *Store) reload(ctx context.Context, b *storekit.Board[boardData]) error {
	st, err := s.snapshot(ctx, b.ID)
	if err != nil {
		return err
	}
	b.Replace(st)
	return nil
}

func decodeChange(v any) (*board.Change, error) {
	str, _ := v.(string)
	c := &board.Change{}
	if err := json.Unmarshal([]byte(str), c); err != nil || c.Seq == 0 {
		return nil, fmt.Errorf("redisstore: bad change %.80q: %v", str, err)
	}
	return c, nil
}

// listenTo subscribes the board's channel and waits for Redis to confirm.
func (s *Store) listenTo(ctx context.Context, b *storekit.Board[boardData]) error {
	d := &b.Data
	d.confMu.Lock()
	if d.confirmed == nil {
		d.confirmed = make(chan struct{})
	}
	confirmed := d.confirmed
	send := !d.subscribed
	d.subscribed = true
	d.confMu.Unlock()
	if send {
		s.psMu.Lock()
		// On error the channel stays recorded and is subscribed when the
		// connection comes back.
		err := s.ps.Subscribe(ctx, channelOf(b.ID))
		s.psMu.Unlock()
		if err != nil && s.isClosed() {
			return board.Errorf(board.EUnavailable, "the store is closed")
		}
	}
	select {
	case <-confirmed:
		return nil
	case <-ctx.Done():
		return board.Errorf(board.EUnavailable, "redis did not confirm the subscription of board %s", b.ID)
	}
}

// unlisten unsubscribes the board's channel if it was subscribed.
func (s *Store) unlisten(b *storekit.Board[boardData]) {
	d := &b.Data
	d.confMu.Lock()
	was := d.subscribed
	d.subscribed, d.confirmed = false, nil
	d.confMu.Unlock()
	if was {
		s.psMu.Lock()
		ctx, cancel := context.WithTimeout(s.bg, s.cfg.timeout)
		s.ps.Unsubscribe(ctx, channelOf(b.ID))
		cancel()
		s.psMu.Unlock()
	}
}

// Load returns a private copy of a board's current state.
func (s *Store) Load(ctx context.Context, boardID string) (*board.State, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if err := s.sync(ctx, b); err != nil {
		return nil, err
	}
	if st := b.Snapshot(); st != nil {
		return st, nil
	}
	return nil, board.Errorf(board.EUnavailable, "board %s was unloaded meanwhile", boardID)
}

// Subscribe returns the board's current state and a channel of every change
// after it, from every node.
func (s *Store) Subscribe(ctx context.Context, boardID string) (*board.State, <-chan *board.Change, error) {
	octx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer cancel()
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	if err := s.sync(octx, b); err != nil {
		return nil, nil, err
	}
	return b.Subscribe(ctx)
}

// Since returns the changes after seq, in order. ETooOld if the stream no
// longer holds all of them, and also if seq is ahead of the board (the
// caller needs a full state either way); empty if seq is current.
func (s *Store) Since(ctx context.Context, boardID string, seq uint64) ([]*board.Change, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	var cur *redis.StringCmd
	var rng *redis.XMessageSliceCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		cur = p.Get(ctx, bkey(boardID, "seq"))
		rng = p.XRange(ctx, bkey(boardID, "log"), fmt.Sprintf("%d-0", seq+1), "+")
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	if err != nil {
		return nil, wrap(err)
	}
	n, err := cur.Uint64()
	if err != nil {
		return nil, wrap(err)
	}
	msgs := rng.Val()
	var first uint64
	if len(msgs) > 0 {
		first, _ = seqOfID(msgs[0].ID)
	}
	if current, err := board.CatchUp(seq, n, first); err != nil {
		return nil, err
	} else if current {
		return []*board.Change{}, nil
	}
	out := make([]*board.Change, 0, len(msgs))
	for _, m := range msgs {
		c, err := decodeChange(m.Values["c"])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
