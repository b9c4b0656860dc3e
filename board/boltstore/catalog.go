package boltstore

import (
	"context"
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// InitMeta stores value under key unless a value is there and returns the
// value in force.
func (s *Store) InitMeta(ctx context.Context, key, value string) (string, error) {
	out := value
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMeta)
		if v := b.Get([]byte(key)); v != nil {
			out = string(v)
			return nil
		}
		return b.Put([]byte(key), []byte(value))
	})
	return out, err
}

// CreateMunicipality stores m; EConflict if its code exists.
func (s *Store) CreateMunicipality(ctx context.Context, m *board.Municipality) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bMunicipality)
		if b.Get([]byte(m.Code)) != nil {
			return board.Errorf(board.EConflict, "municipality %s exists already", m.Code)
		}
		return putJSON(b, []byte(m.Code), m)
	})
}

// Municipality returns one municipality by code.
func (s *Store) Municipality(ctx context.Context, code string) (*board.Municipality, error) {
	m := &board.Municipality{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bMunicipality), []byte(code), m)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no municipality %s", code)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Municipalities returns all municipalities ordered by code.
func (s *Store) Municipalities(ctx context.Context) ([]*board.Municipality, error) {
	out := []*board.Municipality{}
	err := s.view(func(tx *bolt.Tx) error {
		// Bolt keeps keys sorted, so the codes come in order.
		return tx.Bucket(bMunicipality).ForEach(func(_, v []byte) error {
			m := &board.Municipality{}
			if err := json.Unmarshal(v, m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateStrategy stores st; its municipality must exist.
func (s *Store) CreateStrategy(ctx context.Context, st *board.Strategy) error {
	return s.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bMunicipality).Get([]byte(st.Municipality)) == nil {
			return board.Errorf(board.ENotFound, "no municipality %s", st.Municipality)
		}
		b := tx.Bucket(bStrategies)
		if b.Get([]byte(st.ID)) != nil {
			return board.Errorf(board.EConflict, "strategy %s exists already", st.ID)
		}
		for _, id := range listIndex(tx.Bucket(bStrategyIndex), st.Municipality) {
			other := &board.Strategy{}
			if ok, err := getJSON(b, []byte(id), other); err != nil {
				return err
			} else if ok && other.Key() == st.Key() {
				return board.Errorf(board.EConflict, "the municipality already has the strategy %q, revision %q", other.Title, other.Revision)
			}
		}
		if err := putJSON(b, []byte(st.ID), st); err != nil {
			return err
		}
		return appendIndex(tx.Bucket(bStrategyIndex), st.Municipality, st.ID)
	})
}

// Strategy returns one strategy by id.
func (s *Store) Strategy(ctx context.Context, id string) (*board.Strategy, error) {
	st := &board.Strategy{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bStrategies), []byte(id), st)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no strategy %s", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Strategies returns a municipality's strategies in creation order.
func (s *Store) Strategies(ctx context.Context, municipality string) ([]*board.Strategy, error) {
	out := []*board.Strategy{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bStrategies)
		for _, id := range listIndex(tx.Bucket(bStrategyIndex), municipality) {
			st := &board.Strategy{}
			if ok, err := getJSON(b, []byte(id), st); err != nil {
				return err
			} else if ok {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateBoard stores a new board and indexes its join code.
func (s *Store) CreateBoard(ctx context.Context, st *board.State) error {
	rec, err := storekit.Encode(st)
	if err != nil {
		return wrap(err)
	}
	if err := board.CheckNew(st); err != nil {
		return err
	}
	id := st.Info.ID
	return s.update(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		if boards.Bucket([]byte(id)) != nil {
			return board.Errorf(board.EConflict, "board %s exists already", id)
		}
		codes := tx.Bucket(bJoinCodes)
		if code := st.Info.JoinCode; code != "" {
			if codes.Get([]byte(code)) != nil {
				return board.Errorf(board.EConflict, "join code %s is taken", code)
			}
			if err := codes.Put([]byte(code), []byte(id)); err != nil {
				return err
			}
		}
		bb, err := boards.CreateBucket([]byte(id))
		if err != nil {
			return err
		}
		if err := writeRecords(bb, rec); err != nil {
			return err
		}
		order := tx.Bucket(bBoardOrder)
		n, err := order.NextSequence()
		if err != nil {
			return err
		}
		return order.Put(be64(n), []byte(id))
	})
}

// Boards returns the info of a municipality's boards ("" for all), in
// creation order.
func (s *Store) Boards(ctx context.Context, municipality string) ([]*board.Info, error) {
	out := []*board.Info{}
	err := s.view(func(tx *bolt.Tx) error {
		boards := tx.Bucket(bBoards)
		return tx.Bucket(bBoardOrder).ForEach(func(_, id []byte) error {
			bb := boards.Bucket(id)
			if bb == nil {
				return nil
			}
			info := &board.Info{}
			if err := json.Unmarshal(bb.Get(kInfo), info); err != nil {
				return err
			}
			if municipality == "" || info.Municipality == municipality {
				info.LastChange = lastChange(bb, info.CreatedAt)
				out = append(out, info)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BoardByJoinCode returns the id of the board whose join code is code.
func (s *Store) BoardByJoinCode(ctx context.Context, code string) (string, error) {
	var id string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bJoinCodes).Get([]byte(code))
		if v == nil {
			return board.Errorf(board.ENotFound, "no board has join code %s", code)
		}
		id = string(v)
		return nil
	})
	return id, err
}

// SetJoinCode gives a board a new join code; the old one stops working.
func (s *Store) SetJoinCode(ctx context.Context, boardID, code string) error {
	b := s.live.Acquire(boardID)
	defer s.live.Release(b)
	d := &b.Data
	// Hold the board's commit lock so the cached states change with the
	// disk.
	d.mu.Lock()
	defer d.mu.Unlock()
	err := s.update(func(tx *bolt.Tx) error {
		bb := tx.Bucket(bBoards).Bucket([]byte(boardID))
		if bb == nil {
			return board.Errorf(board.ENotFound, "no board %s", boardID)
		}
		codes := tx.Bucket(bJoinCodes)
		if code == "" {
			// Revoking: nothing to check.
		} else if owner := codes.Get([]byte(code)); owner != nil {
			if string(owner) == boardID {
				return nil
			}
			return board.Errorf(board.EConflict, "join code %s is taken", code)
		}
		info := &board.Info{}
		if err := json.Unmarshal(bb.Get(kInfo), info); err != nil {
			return err
		}
		if info.JoinCode != "" {
			if err := codes.Delete([]byte(info.JoinCode)); err != nil {
				return err
			}
		}
		info.JoinCode = code
		if code != "" {
			if err := codes.Put([]byte(code), []byte(boardID)); err != nil {
				return err
			}
		}
		return putJSON(bb, kInfo, info)
	})
	if err != nil {
		return err
	}
	b.SetJoinCode(code)
	if d.pending != nil {
		d.pending.Info.JoinCode = code
	}
	return nil
}

// SaveExport stores an export's metadata and PDF; EConflict if the id is
// taken (exports never change).
func (s *Store) SaveExport(ctx context.Context, e *board.Export, pdf []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bExports)
		if b.Get([]byte(e.ID)) != nil {
			return board.Errorf(board.EConflict, "export %s exists already", e.ID)
		}
		if err := putJSON(b, []byte(e.ID), e); err != nil {
			return err
		}
		if err := tx.Bucket(bExportPDFs).Put([]byte(e.ID), pdf); err != nil {
			return err
		}
		if e.Strategy == "" {
			return nil // not attached to a strategy, so listed under none
		}
		return appendIndex(tx.Bucket(bExportIndex), e.Strategy, e.ID)
	})
}

// Export returns an export's metadata.
func (s *Store) Export(ctx context.Context, id string) (*board.Export, error) {
	e := &board.Export{}
	err := s.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bExports), []byte(id), e)
		if err == nil && !ok {
			err = board.Errorf(board.ENotFound, "no export %s", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ExportPDF returns an export's PDF bytes.
func (s *Store) ExportPDF(ctx context.Context, id string) ([]byte, error) {
	var pdf []byte
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bExportPDFs).Get([]byte(id))
		if v == nil {
			return board.Errorf(board.ENotFound, "no export %s", id)
		}
		pdf = clone(v)
		return nil
	})
	return pdf, err
}

// Exports returns the exports attached to a strategy, oldest first.
func (s *Store) Exports(ctx context.Context, strategyID string) ([]*board.Export, error) {
	out := []*board.Export{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bExports)
		for _, id := range listIndex(tx.Bucket(bExportIndex), strategyID) {
			e := &board.Export{}
			if ok, err := getJSON(b, []byte(id), e); err != nil {
				return err
			} else if ok {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
