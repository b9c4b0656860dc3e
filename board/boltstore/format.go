package boltstore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/internal/storekit"
)

// FormatVersion is the layout of the data file this code writes. The file
// records it in the meta bucket under kFormat.
//
//   - 1: round 1, recorded nowhere (a file with data and no version).
//   - 2: every board keeps its summary (goals, actions, participation)
//     beside its records, so the strategy and cluster overviews need not
//     load whole boards.
const FormatVersion = 2

var kFormat = []byte("format_version")

// upgradeBatch is how many boards one upgrade transaction rewrites, so an
// upgrade of a large file holds no one huge transaction and an interrupted
// one resumes where it stopped.
const upgradeBatch = 50

// upgrade brings the file to FormatVersion before the store uses it. A
// file written by a newer version is refused, unchanged. Before the first
// change to an older file, a consistent copy of it is kept beside it
// (processkarta.db.format1-backup); an upgrade that is interrupted resumes
// at the next start, and every step can run twice without harm.
func upgrade(db *bolt.DB, dir string) error {
	version, empty, err := formatOf(db)
	if err != nil {
		return err
	}
	switch {
	case version > FormatVersion:
		return fmt.Errorf("the data file %s was written by a newer Processkarta (data format %d; this program knows up to %d): run that version or newer, or restore a backup into a new data directory with this one",
			filepath.Join(dir, FileName), version, FormatVersion)
	case version == FormatVersion:
		return nil
	case empty:
		return setFormat(db, FormatVersion)
	}
	backup := filepath.Join(dir, fmt.Sprintf("%s.format%d-backup", FileName, version))
	if _, err := os.Stat(backup); os.IsNotExist(err) {
		// Written under a temporary name and renamed, so a crash leaves no
		// half copy under the real one.
		tmp := backup + ".tmp"
		if err := db.View(func(tx *bolt.Tx) error { return tx.CopyFile(tmp, 0o600) }); err != nil {
			return fmt.Errorf("copying the data file before its upgrade: %w", err)
		}
		if err := os.Rename(tmp, backup); err != nil {
			return err
		}
	}
	for v := version; v < FormatVersion; v++ {
		if err := upgrades[v](db); err != nil {
			return fmt.Errorf("upgrading the data file from format %d to %d: %w (the file before the upgrade is kept as %s)", v, v+1, err, backup)
		}
		if err := setFormat(db, v+1); err != nil {
			return err
		}
	}
	return nil
}

// upgrades[v] brings a file from format v to v+1.
var upgrades = map[int]func(db *bolt.DB) error{
	1: addSummaries,
}

// formatOf reads the file's format version: 1 for a file with data and no
// version, and empty for a file without data.
func formatOf(db *bolt.DB) (version int, empty bool, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			if v := meta.Get(kFormat); v != nil {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 1 {
					return fmt.Errorf("the data file records format %q, which no Processkarta writes", v)
				}
				version = n
				return nil
			}
		}
		version, empty = 1, true
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			if b.Stats().KeyN > 0 {
				empty = false
			}
			return nil
		})
	})
	return version, empty, err
}

func setFormat(db *bolt.DB, v int) error {
	return db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bMeta)
		if err != nil {
			return err
		}
		return meta.Put(kFormat, []byte(strconv.Itoa(v)))
	})
}

// addSummaries (format 1 → 2) writes the summary of every board that has
// none, upgradeBatch boards a transaction.
func addSummaries(db *bolt.DB) error {
	for {
		done := 0
		err := db.Update(func(tx *bolt.Tx) error {
			boards := tx.Bucket(bBoards)
			if boards == nil {
				return nil
			}
			c := boards.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				bb := boards.Bucket(k)
				if v != nil || bb == nil || bb.Get(kSummary) != nil {
					continue
				}
				st, err := storekit.Decode(readRecords(bb))
				if err != nil {
					return fmt.Errorf("board %s: %w", k, err)
				}
				sum, err := json.Marshal(board.Summarize(st, st.Info.CreatedAt.UnixMilli()))
				if err != nil {
					return err
				}
				if err := bb.Put(kSummary, sum); err != nil {
					return err
				}
				if done++; done == upgradeBatch {
					return nil
				}
			}
			return nil
		})
		if err != nil || done < upgradeBatch {
			return err
		}
	}
}
