package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

var _ board.Backuper = (*Store)(nil)

// Backup emits every record from one read transaction, so the backup is
// the whole instance as of one moment, while commits go on. Only durable
// changes are in the file, so every board is at a seq that was
// acknowledged.
func (s *Store) Backup(ctx context.Context, emit func(*board.BackupRecord) error) error {
	return s.view(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bMeta).ForEach(func(k, v []byte) error {
			if string(k) == string(kFormat) {
				return nil // the store restored into keeps its own
			}
			return emit(&board.BackupRecord{Type: board.BackupMeta, Key: string(k), Value: string(v)})
		}); err != nil {
			return err
		}
		var codes []string
		if err := tx.Bucket(bMunicipality).ForEach(func(k, v []byte) error {
			m := &board.Municipality{}
			if err := json.Unmarshal(v, m); err != nil {
				return fmt.Errorf("municipality %s: %w", k, err)
			}
			codes = append(codes, m.Code)
			return emit(&board.BackupRecord{Type: board.BackupMunicipality, Municipality: m})
		}); err != nil {
			return err
		}
		for _, code := range codes {
			for _, id := range listIndex(tx.Bucket(bStrategyIndex), code) {
				st := &board.Strategy{}
				if ok, err := getJSON(tx.Bucket(bStrategies), []byte(id), st); err != nil {
					return err
				} else if ok {
					if err := emit(&board.BackupRecord{Type: board.BackupStrategy, Strategy: st}); err != nil {
						return err
					}
				}
			}
		}
		var boardIDs []string
		_ = tx.Bucket(bBoardOrder).ForEach(func(_, v []byte) error {
			boardIDs = append(boardIDs, string(v))
			return nil
		})
		for _, id := range boardIDs {
			if err := ctx.Err(); err != nil {
				return err
			}
			bb := tx.Bucket(bBoards).Bucket([]byte(id))
			if bb == nil {
				continue
			}
			b, err := backupBoard(bb, id)
			if err != nil {
				return err
			}
			if err := emit(&board.BackupRecord{Type: board.BackupBoard, Board: b}); err != nil {
				return err
			}
		}
		// Exports in creation order, so each strategy lists them as before.
		var exports []*board.Export
		if err := tx.Bucket(bExports).ForEach(func(k, v []byte) error {
			e := &board.Export{}
			if err := json.Unmarshal(v, e); err != nil {
				return fmt.Errorf("export %s: %w", k, err)
			}
			exports = append(exports, e)
			return nil
		}); err != nil {
			return err
		}
		sort.SliceStable(exports, func(i, j int) bool { return exports[i].CreatedAt.Before(exports[j].CreatedAt) })
		for _, e := range exports {
			pdf := tx.Bucket(bExportPDFs).Get([]byte(e.ID))
			if err := emit(&board.BackupRecord{Type: board.BackupExport, Export: e, PDF: pdf}); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bAccountEmails); b != nil {
			if err := b.ForEach(func(_, id []byte) error {
				a, err := getAccount(tx, string(id))
				if err != nil {
					return err
				}
				return emit(&board.BackupRecord{Type: board.BackupAccount, Account: a})
			}); err != nil {
				return err
			}
		}
		if b := tx.Bucket(bAudit); b != nil {
			return b.ForEach(func(_, v []byte) error {
				e := &board.AuditEvent{}
				if err := json.Unmarshal(v, e); err != nil {
					return err
				}
				return emit(&board.BackupRecord{Type: board.BackupAudit, Audit: e})
			})
		}
		return nil
	})
}

func backupBoard(bb *bolt.Bucket, id string) (*board.BoardBackup, error) {
	st, err := storekit.Decode(readRecords(bb))
	if err != nil {
		return nil, fmt.Errorf("board %s: %w", id, err)
	}
	b := &board.BoardBackup{State: st, Log: []*board.Change{}}
	if lb := bb.Bucket(bLog); lb != nil {
		if err := lb.ForEach(func(k, v []byte) error {
			c := &board.Change{}
			if err := json.Unmarshal(v, c); err != nil {
				return fmt.Errorf("board %s, change %d: %w", id, binary.BigEndian.Uint64(k), err)
			}
			b.Log = append(b.Log, c)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// RestoreLog stores a restored board's change log.
func (s *Store) RestoreLog(ctx context.Context, boardID string, log []*board.Change) error {
	return s.update(func(tx *bolt.Tx) error {
		bb := tx.Bucket(bBoards).Bucket([]byte(boardID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", boardID)
		}
		lb := bb.Bucket(bLog)
		for _, c := range log {
			v, err := json.Marshal(c)
			if err != nil {
				return err
			}
			if err := lb.Put(be64(c.Seq), v); err != nil {
				return err
			}
		}
		return nil
	})
}
