package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
)

var _ board.Backuper = (*Store)(nil)

// Backup emits the instance as documents (municipalities, strategies, each
// board's state with its log, exports), not as Redis keys through DUMP:
// documents restore into either store and into another Redis version,
// while DUMP payloads are tied to Redis' RDB version. Each board is read
// atomically (one script), so it is as of one moment; boards are read one
// after another while the instance keeps serving.
func (s *Store) Backup(ctx context.Context, emit func(*board.BackupRecord) error) error {
	if s.isClosed() {
		return board.Errorf(board.EUnavailable, "the store is closed")
	}
	meta, err := s.rdb.HGetAll(ctx, kMeta).Result()
	if err != nil {
		return wrap(err)
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != fieldFormat { // the store restored into keeps its own
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := emit(&board.BackupRecord{Type: board.BackupMeta, Key: k, Value: meta[k]}); err != nil {
			return err
		}
	}
	munis, err := s.Municipalities(ctx)
	if err != nil {
		return err
	}
	for _, m := range munis {
		if err := emit(&board.BackupRecord{Type: board.BackupMunicipality, Municipality: m}); err != nil {
			return err
		}
	}
	for _, m := range munis {
		sts, err := s.Strategies(ctx, m.Code)
		if err != nil {
			return err
		}
		for _, st := range sts {
			if err := emit(&board.BackupRecord{Type: board.BackupStrategy, Strategy: st}); err != nil {
				return err
			}
		}
	}
	infos, err := s.Boards(ctx, "")
	if err != nil {
		return err
	}
	for _, info := range infos {
		b, err := s.backupBoard(ctx, info.ID)
		if board.ErrorCode(err) == board.ENotFound {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := emit(&board.BackupRecord{Type: board.BackupBoard, Board: b}); err != nil {
			return err
		}
	}
	if err := s.backupExports(ctx, emit); err != nil {
		return err
	}
	accounts, err := s.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if err := emit(&board.BackupRecord{Type: board.BackupAccount, Account: a}); err != nil {
			return err
		}
	}
	audit, err := s.Audit(ctx, math.MaxInt32)
	if err != nil {
		return err
	}
	for i := len(audit) - 1; i >= 0; i-- { // oldest first
		if err := emit(&board.BackupRecord{Type: board.BackupAudit, Audit: audit[i]}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) backupBoard(ctx context.Context, id string) (*board.BoardBackup, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	st, err := s.snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	// The log is read after the state; changes committed in between are
	// past st.Seq and left out, so the two agree.
	msgs, err := s.rdb.XRange(ctx, bkey(id, "log"), "-", fmt.Sprintf("%d-1", st.Seq)).Result()
	if err != nil {
		return nil, wrap(err)
	}
	b := &board.BoardBackup{State: st, Log: make([]*board.Change, 0, len(msgs))}
	for _, m := range msgs {
		c, err := decodeChange(m.Values["c"])
		if err != nil {
			return nil, err
		}
		b.Log = append(b.Log, c)
	}
	return b, nil
}

func (s *Store) backupExports(ctx context.Context, emit func(*board.BackupRecord) error) error {
	var exports []*board.Export
	iter := s.rdb.HScan(ctx, kExports, 0, "", 100).Iterator()
	for iter.Next(ctx) {
		id := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		e := &board.Export{}
		if err := json.Unmarshal([]byte(iter.Val()), e); err != nil {
			return fmt.Errorf("redisstore: export %s: %w", id, err)
		}
		exports = append(exports, e)
	}
	if err := iter.Err(); err != nil {
		return wrap(err)
	}
	sort.SliceStable(exports, func(i, j int) bool { return exports[i].CreatedAt.Before(exports[j].CreatedAt) })
	for _, e := range exports {
		pdf, err := s.rdb.Get(ctx, exportPDF(e.ID)).Bytes()
		if errors.Is(err, redis.Nil) {
			continue // deleted meanwhile
		}
		if err != nil {
			return wrap(err)
		}
		if err := emit(&board.BackupRecord{Type: board.BackupExport, Export: e, PDF: pdf}); err != nil {
			return err
		}
	}
	return nil
}

// RestoreLog appends a restored board's change log to its stream, under
// the same ids commits give (seq-1).
func (s *Store) RestoreLog(ctx context.Context, boardID string, log []*board.Change) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range log {
			v, err := json.Marshal(c)
			if err != nil {
				return err
			}
			p.XAdd(ctx, &redis.XAddArgs{Stream: bkey(boardID, "log"), ID: fmt.Sprintf("%d-1", c.Seq), Values: []any{"c", v}})
		}
		return nil
	})
	return wrap(err)
}
