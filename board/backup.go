package board

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// The backup file: JSON lines, one BackupRecord each, a header first and
// an end record last (a file without it was cut short and is refused).
const (
	BackupFormat  = "processkarta-backup"
	BackupVersion = 1
)

// Record types of a backup, in the order they are written and restored.
const (
	BackupHeader       = "header"
	BackupMeta         = "meta"
	BackupMunicipality = "municipality"
	BackupStrategy     = "strategy"
	BackupBoard        = "board"
	BackupExport       = "export"
	BackupAccount      = "account"
	BackupAudit        = "audit"
	BackupEnd          = "end"
)

// BackupRecord is one line of an instance backup. Type says which of the
// other fields it carries.
type BackupRecord struct {
	Type string `json:"type"`

	// header
	Format    string    `json:"format,omitempty"`
	Version   int       `json:"version,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	Store     string    `json:"store,omitempty"` // the kind of store it came from

	// meta
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`

	Municipality *Municipality `json:"municipality,omitempty"`
	Strategy     *Strategy     `json:"strategy,omitempty"`
	// Board is a board's whole state (participants, token hashes and each
	// voter's dots included) with the change log the store keeps of it.
	Board *BoardBackup `json:"board,omitempty"`
	// Export is an export's metadata, PDF its bytes.
	Export *Export `json:"export,omitempty"`
	PDF    []byte  `json:"pdf,omitempty"`
	// Account is an organizer's account, its password hash included;
	// sessions are not backed up (people sign in again after a restore).
	Account *Account `json:"account,omitempty"`
	// Audit is one event of the audit log, oldest first.
	Audit *AuditEvent `json:"audit,omitempty"`

	// end: how many records of each type came before.
	Counts map[string]int `json:"counts,omitempty"`
}

// BoardBackup is a board as a backup holds it.
type BoardBackup struct {
	State *State `json:"state"`
	// Log is the kept tail of the change log, oldest first, ending at
	// State.Seq.
	Log []*Change `json:"log"`
}

// Backuper is a store that can write everything it holds to a backup and
// take a board's log back. Both stores implement it.
type Backuper interface {
	// Backup emits the store's records in restore order: meta,
	// municipalities, strategies, boards, exports, accounts, audit events. Each board is as of
	// one moment (its State and Log agree); the embedded store emits the
	// whole instance from one read transaction.
	Backup(ctx context.Context, emit func(*BackupRecord) error) error
	// RestoreLog stores a restored board's change log (CreateBoard has
	// stored its state).
	RestoreLog(ctx context.Context, boardID string, log []*Change) error
}

// BackupSummary counts what a backup holds.
type BackupSummary struct {
	Counts map[string]int
	// Seqs is each board's seq in the backup: every change acknowledged
	// before the backup began is at or below it.
	Seqs map[string]uint64
}

// WriteBackup writes a backup of s to w as JSON lines.
func WriteBackup(ctx context.Context, s Backuper, storeKind string, w io.Writer) (*BackupSummary, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	sum := &BackupSummary{Counts: map[string]int{}, Seqs: map[string]uint64{}}
	head := &BackupRecord{Type: BackupHeader, Format: BackupFormat, Version: BackupVersion,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond), Store: storeKind}
	if err := enc.Encode(head); err != nil {
		return nil, err
	}
	err := s.Backup(ctx, func(r *BackupRecord) error {
		sum.Counts[r.Type]++
		if r.Board != nil {
			sum.Seqs[r.Board.State.Info.ID] = r.Board.State.Seq
		}
		return enc.Encode(r)
	})
	if err != nil {
		return nil, err
	}
	if err := enc.Encode(&BackupRecord{Type: BackupEnd, Counts: sum.Counts}); err != nil {
		return nil, err
	}
	return sum, bw.Flush()
}

// maxBackupLine bounds one record: a board at the limits with its log, or
// an export's PDF, base64-encoded.
const maxBackupLine = 512 << 20

// RestoreBackup reads a backup from r into s, which must be empty (no
// municipality, no board). A backup that is damaged or cut short is
// refused with an error that names the line; what was restored before it
// stays, so restore into a fresh store and discard it on error.
func RestoreBackup(ctx context.Context, s Store, r io.Reader) (*BackupSummary, error) {
	b, ok := s.(Backuper)
	if !ok {
		return nil, errors.New("this store cannot restore backups")
	}
	if ms, err := s.Municipalities(ctx); err != nil {
		return nil, err
	} else if len(ms) > 0 {
		return nil, errors.New("the store is not empty: restore into a new data directory or an empty Redis")
	}
	if bs, err := s.Boards(ctx, ""); err != nil {
		return nil, err
	} else if len(bs) > 0 {
		return nil, errors.New("the store is not empty: restore into a new data directory or an empty Redis")
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxBackupLine)
	sum := &BackupSummary{Counts: map[string]int{}, Seqs: map[string]uint64{}}
	line := 0
	var ended bool
	for sc.Scan() {
		line++
		if ended {
			return nil, fmt.Errorf("line %d: data after the end record", line)
		}
		rec := &BackupRecord{}
		if err := json.Unmarshal(sc.Bytes(), rec); err != nil {
			return nil, fmt.Errorf("line %d: not a backup record: %v", line, err)
		}
		if line == 1 {
			if rec.Type != BackupHeader || rec.Format != BackupFormat {
				return nil, errors.New("not a Processkarta backup (the first line is no backup header)")
			}
			if rec.Version > BackupVersion {
				return nil, fmt.Errorf("the backup has format version %d; this program reads up to %d: restore with a newer processkarta", rec.Version, BackupVersion)
			}
			continue
		}
		if err := restoreRecord(ctx, s, b, rec, sum); err != nil {
			return nil, fmt.Errorf("line %d (%s): %w", line, rec.Type, err)
		}
		ended = rec.Type == BackupEnd
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if line == 0 {
		return nil, errors.New("the backup is empty")
	}
	if !ended {
		return nil, errors.New("the backup is cut short (no end record): take a new one")
	}
	return sum, nil
}

func restoreRecord(ctx context.Context, s Store, b Backuper, rec *BackupRecord, sum *BackupSummary) error {
	var err error
	switch rec.Type {
	case BackupMeta:
		_, err = s.InitMeta(ctx, rec.Key, rec.Value)
	case BackupMunicipality:
		if rec.Municipality == nil {
			return errors.New("no municipality in the record")
		}
		err = s.CreateMunicipality(ctx, rec.Municipality)
	case BackupStrategy:
		if rec.Strategy == nil {
			return errors.New("no strategy in the record")
		}
		err = s.CreateStrategy(ctx, rec.Strategy)
	case BackupBoard:
		if rec.Board == nil || rec.Board.State == nil {
			return errors.New("no board in the record")
		}
		st := rec.Board.State
		st.fillMaps()
		if err = s.CreateBoard(ctx, st); err == nil {
			err = b.RestoreLog(ctx, st.Info.ID, rec.Board.Log)
		}
		sum.Seqs[st.Info.ID] = st.Seq
	case BackupExport:
		if rec.Export == nil {
			return errors.New("no export in the record")
		}
		err = s.SaveExport(ctx, rec.Export, rec.PDF)
	case BackupAccount:
		if rec.Account == nil {
			return errors.New("no account in the record")
		}
		err = s.CreateAccount(ctx, rec.Account)
	case BackupAudit:
		if rec.Audit == nil {
			return errors.New("no audit event in the record")
		}
		err = s.AddAudit(ctx, rec.Audit)
	case BackupEnd:
		for t, n := range rec.Counts {
			if sum.Counts[t] != n {
				return fmt.Errorf("the backup says %d %s records, but holds %d", n, t, sum.Counts[t])
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown record type %q", rec.Type)
	}
	if err == nil {
		sum.Counts[rec.Type]++
	}
	return err
}

// fillMaps gives a decoded state empty maps where the JSON had none.
func (s *State) fillMaps() {
	if s.Objects == nil {
		s.Objects = map[string]*Object{}
	}
	if s.Votes == nil {
		s.Votes = map[string]map[string]int{}
	}
	if s.Participants == nil {
		s.Participants = map[string]*Participant{}
	}
	if s.Tokens == nil {
		s.Tokens = map[string]string{}
	}
}
