package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// InitMeta stores value under key unless a value is there and returns the
// value in force.
func (s *Store) InitMeta(ctx context.Context, key, value string) (string, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return "", err
	}
	defer cancel()
	v, err := initMetaScript.Run(ctx, s.rdb, []string{kMeta}, key, value).Text()
	return v, wrap(err)
}

// CreateMunicipality stores m; EConflict if its code exists.
func (s *Store) CreateMunicipality(ctx context.Context, m *board.Municipality) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := board.MarshalJSON(m)
	if err != nil {
		return wrap(err)
	}
	ok, err := s.rdb.HSetNX(ctx, kMunis, m.Code, b).Result()
	if err != nil {
		return wrap(err)
	}
	if !ok {
		return board.Errorf(board.EConflict, "municipality %s exists already", m.Code)
	}
	return nil
}

// Municipality returns one municipality by code.
func (s *Store) Municipality(ctx context.Context, code string) (*board.Municipality, error) {
	return hgetJSON[board.Municipality](ctx, s, kMunis, code, "municipality")
}

// Municipalities returns all municipalities ordered by code.
func (s *Store) Municipalities(ctx context.Context) ([]*board.Municipality, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	all, err := s.rdb.HGetAll(ctx, kMunis).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*board.Municipality, 0, len(all))
	for _, v := range all {
		m := &board.Municipality{}
		if err := json.Unmarshal([]byte(v), m); err != nil {
			return nil, wrap(err)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *board.Municipality) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// CreateStrategy stores st; its municipality must exist.
func (s *Store) CreateStrategy(ctx context.Context, st *board.Strategy) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := board.MarshalJSON(st)
	if err != nil {
		return wrap(err)
	}
	n, err := createStrategyScript.Run(ctx, s.rdb, []string{kMunis, kStrategies, muniStrategies(st.Municipality), kStrategyKeys},
		st.Municipality, st.ID, b, st.Municipality+"\x00"+st.Key()).Int()
	switch {
	case err != nil:
		return wrap(err)
	case n == 0:
		return board.Errorf(board.ENotFound, "no municipality %s", st.Municipality)
	case n == -2:
		return board.Errorf(board.EConflict, "the municipality already has the strategy %q, revision %q", st.Title, st.Revision)
	case n < 0:
		return board.Errorf(board.EConflict, "strategy %s exists already", st.ID)
	}
	return nil
}

// Strategy returns one strategy by id.
func (s *Store) Strategy(ctx context.Context, id string) (*board.Strategy, error) {
	return hgetJSON[board.Strategy](ctx, s, kStrategies, id, "strategy")
}

// Strategies returns a municipality's strategies in creation order.
func (s *Store) Strategies(ctx context.Context, municipality string) ([]*board.Strategy, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return listed[board.Strategy](ctx, s.rdb, muniStrategies(municipality), kStrategies)
}

// listed reads the ids in list and their JSON values from hash.
func listed[T any](ctx context.Context, rdb redis.UniversalClient, list, hash string) ([]*T, error) {
	ids, err := rdb.LRange(ctx, list, 0, -1).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*T, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := rdb.HMGet(ctx, hash, ids...).Result()
	if err != nil {
		return nil, wrap(err)
	}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		x := new(T)
		if err := json.Unmarshal([]byte(str), x); err != nil {
			return nil, wrap(err)
		}
		out = append(out, x)
	}
	return out, nil
}

// CreateBoard stores a new board and indexes its join code.
func (s *Store) CreateBoard(ctx context.Context, st *board.State) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	id, code := st.Info.ID, st.Info.JoinCode
	if err := board.CheckNew(st); err != nil {
		return err
	}
	rec, err := storekit.Encode(st)
	if err != nil {
		return wrap(err)
	}
	// The join code lives in a key of its own, so it can change without
	// rewriting the info.
	info := st.Info
	info.JoinCode = ""
	if rec.Info, err = board.MarshalJSON(info); err != nil {
		return wrap(err)
	}
	if code != "" {
		ok, err := s.rdb.HSetNX(ctx, kJoinCodes, code, id).Result()
		if err != nil {
			return wrap(err)
		}
		if !ok {
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
	}
	release := func() {
		if code != "" {
			rctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout)
			defer cancel()
			releaseCodeScript.Run(rctx, s.rdb, []string{kJoinCodes}, code, id)
		}
	}
	// Listed before it exists: a crash in between leaves an entry that
	// Boards skips, rather than a board nobody can list.
	if err := indexBoardScript.Run(ctx, s.rdb, []string{kBoardSeq, kBoards, muniBoards(st.Info.Municipality)}, id).Err(); err != nil {
		release()
		return wrap(err)
	}
	args := []any{rec.Info, code, rec.Seq, rec.Settings, len(rec.Objects), len(rec.Participants), len(rec.Tokens), len(rec.Votes)}
	for k, v := range rec.Objects {
		args = append(args, k, v)
	}
	for k, v := range rec.Participants {
		args = append(args, k, v)
	}
	for k, v := range rec.Tokens {
		args = append(args, k, v)
	}
	for k, v := range rec.Votes {
		args = append(args, k, v)
	}
	args = append(args, rec.Summary)
	n, err := createBoardScript.Run(ctx, s.rdb, boardKeys(id), args...).Int()
	if err != nil || n == 0 {
		release()
	}
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.EConflict, "board %s exists already", id)
	}
	return nil
}

// Boards returns the info of a municipality's boards ("" for all), in
// creation order.
func (s *Store) Boards(ctx context.Context, municipality string) ([]*board.Info, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	list := kBoards
	if municipality != "" {
		list = muniBoards(municipality)
	}
	ids, err := s.rdb.ZRange(ctx, list, 0, -1).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := []*board.Info{}
	if len(ids) == 0 {
		return out, nil
	}
	// Each board's keys are in its own slot: one pipeline, not MGET.
	cmds := make([]*redis.SliceCmd, len(ids))
	tails := make([]*redis.XMessageSliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.MGet(ctx, bkey(id, "info"), bkey(id, "joincode"))
			tails[i] = p.XRevRangeN(ctx, bkey(id, "log"), "+", "-", 1)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	for i, c := range cmds {
		v := c.Val()
		raw, ok := v[0].(string)
		if !ok {
			continue // listed but never created
		}
		info := &board.Info{}
		if err := json.Unmarshal([]byte(raw), info); err != nil {
			return nil, wrap(err)
		}
		info.JoinCode, _ = v[1].(string)
		info.LastChange = lastChange(tails[i].Val(), info.CreatedAt)
		if municipality == "" || info.Municipality == municipality {
			out = append(out, info)
		}
	}
	return out, nil
}

// BoardByJoinCode returns the id of the board whose join code is code.
func (s *Store) BoardByJoinCode(ctx context.Context, code string) (string, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return "", err
	}
	defer cancel()
	id, err := s.rdb.HGet(ctx, kJoinCodes, code).Result()
	if errors.Is(err, redis.Nil) {
		return "", board.Errorf(board.ENotFound, "no board has join code %s", code)
	}
	if err != nil {
		return "", wrap(err)
	}
	// The board's own key is the truth: an index entry left by a rotation
	// that failed halfway must not let an old code in.
	cur, err := s.rdb.Get(ctx, bkey(id, "joincode")).Result()
	if errors.Is(err, redis.Nil) || (err == nil && cur != code) {
		return "", board.Errorf(board.ENotFound, "no board has join code %s", code)
	}
	if err != nil {
		return "", wrap(err)
	}
	return id, nil
}

// SetJoinCode gives a board a new join code; the old one stops working.
func (s *Store) SetJoinCode(ctx context.Context, boardID, code string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	n, err := s.rdb.Exists(ctx, bkey(boardID, "info")).Result()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	ok := true
	if code != "" { // "" revokes: nothing to claim
		ok, err = s.rdb.HSetNX(ctx, kJoinCodes, code, boardID).Result()
		if err != nil {
			return wrap(err)
		}
	}
	if !ok {
		owner, err := s.rdb.HGet(ctx, kJoinCodes, code).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return wrap(err)
		}
		if owner != boardID {
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
	}
	old, err := setJoinCodeScript.Run(ctx, s.rdb, []string{bkey(boardID, "info"), bkey(boardID, "joincode")}, code).Text()
	if errors.Is(err, redis.Nil) {
		return board.Errorf(board.ENotFound, "no board %s", boardID)
	}
	if err != nil {
		return wrap(err)
	}
	if old != "" && old != code {
		if err := releaseCodeScript.Run(ctx, s.rdb, []string{kJoinCodes}, old, boardID).Err(); err != nil {
			return wrap(err)
		}
	}
	if b := s.live.Lookup(boardID); b != nil {
		b.SetJoinCode(code)
	}
	return nil
}

// SaveExport stores an export's metadata and PDF; EConflict if the id is
// taken (exports never change).
func (s *Store) SaveExport(ctx context.Context, e *board.Export, pdf []byte) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	meta, err := board.MarshalJSON(e)
	if err != nil {
		return wrap(err)
	}
	n, err := saveExportScript.Run(ctx, s.rdb, []string{kExports, exportPDF(e.ID), strategyExports(e.Strategy)}, e.ID, meta, pdf, e.Strategy != "").Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return board.Errorf(board.EConflict, "export %s exists already", e.ID)
	}
	return nil
}

// Export returns an export's metadata.
func (s *Store) Export(ctx context.Context, id string) (*board.Export, error) {
	return hgetJSON[board.Export](ctx, s, kExports, id, "export")
}

// ExportPDF returns an export's PDF bytes.
func (s *Store) ExportPDF(ctx context.Context, id string) ([]byte, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b, err := s.rdb.Get(ctx, exportPDF(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no export %s", id)
	}
	return b, wrap(err)
}

// Exports returns the exports attached to a strategy, oldest first.
func (s *Store) Exports(ctx context.Context, strategyID string) ([]*board.Export, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	return listed[board.Export](ctx, s.rdb, strategyExports(strategyID), kExports)
}

// hgetJSON reads one JSON record from a hash; what names it in the
// not_found error.
func hgetJSON[T any](ctx context.Context, s *Store, key, field, what string) (*T, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b, err := s.rdb.HGet(ctx, key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, board.Errorf(board.ENotFound, "no %s %s", what, field)
	}
	if err != nil {
		return nil, wrap(err)
	}
	v := new(T)
	return v, wrap(json.Unmarshal(b, v))
}
