package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// runBackupCommand runs `processkarta restore -in FILE` or `processkarta
// backup -out FILE`, with the usual store flags (-data, or -redis). A
// backup of a running server comes from GET /api/admin/backup instead: the
// embedded store's file is locked while the server runs.
func runBackupCommand(ctx context.Context, cmd string, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("processkarta "+cmd, flag.ContinueOnError)
	var c config
	storeFlags(fs, &c, getenv)
	var file string
	if cmd == "restore" {
		fs.StringVar(&file, "in", "", "the backup file to restore (JSON lines, optionally gzip-compressed); - for standard input")
	} else {
		fs.StringVar(&file, "out", "", "where to write the backup; - for standard output")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("%s needs -%s FILE", cmd, map[string]string{"restore": "in", "backup": "out"}[cmd])
	}
	if c.redis == "" && cmd == "restore" {
		// Restoring into a directory that holds a store would mix two
		// instances; RestoreBackup checks the store is empty as well.
		if entries, err := os.ReadDir(c.data); err == nil && len(entries) > 0 {
			return fmt.Errorf("the data directory %s is not empty: restore into a new directory, then point -data at it", c.data)
		}
	}
	store, kind, err := openStore(ctx, c)
	if err != nil {
		return fmt.Errorf("opening the %s store: %w", kindOf(c), err)
	}
	defer store.Close()

	if cmd == "backup" {
		b, ok := store.(board.Backuper)
		if !ok {
			return errors.New("this store cannot make backups")
		}
		var w io.Writer = stdout
		if file != "-" {
			f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		sum, err := board.WriteBackup(ctx, b, kind, w)
		if err != nil {
			return err
		}
		if f, ok := w.(*os.File); ok && f != os.Stdout {
			if err := f.Sync(); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Backup written to %s: %s\n", file, describe(sum))
		}
		return nil
	}

	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		r = zr
	} else {
		r = br
	}
	sum, err := board.RestoreBackup(ctx, store, r)
	if err != nil {
		return fmt.Errorf("restoring %s: %w", file, err)
	}
	fmt.Fprintf(stdout, "Restored %s into the %s store: %s\n", file, kind, describe(sum))
	return nil
}

func describe(sum *board.BackupSummary) string {
	var parts []string
	for t, n := range sum.Counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, t))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
