package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board/boltstore"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// checkFileEnv, when set, makes the process check that embedded-store
// file and exit: 0 when it is sound, 1 with one line saying why not. The
// check runs in a child process because bbolt walks a damaged file in
// goroutines of its own, where a panic or a fault on a truncated mapping
// cannot be recovered; a child may die of it, the server must not.
const checkFileEnv = "PROCESSKARTA_CHECK_FILE"

// checkChild is the child side: it prints "ok" or the first problem.
func checkChild(path string, out io.Writer) int {
	if err := checkBoltFile(path); err != nil {
		// bbolt's check reports a page it could not walk as "panic: …";
		// the operator reads a damaged file, not a crash.
		fmt.Fprintln(out, strings.ReplaceAll(oneLine(err.Error()), "panic: ", ""))
		return 1
	}
	fmt.Fprintln(out, "ok")
	return 0
}

// checkBoltFile opens path read-only and walks every page bbolt can reach.
func checkBoltFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return errors.New("the file is in use by a running server; stop it, or check a copy")
		}
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error {
		// A file cut short still has its meta pages; touching a page past
		// its end would fault, so compare sizes first.
		if tx.Size() > fi.Size() {
			return fmt.Errorf("the file is cut short: %d bytes of %d", fi.Size(), tx.Size())
		}
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
		}
		return first
	})
}

// verifyStoreFile checks the embedded store's file in dir before the server
// opens it, and says in one line what is wrong and what to do. A missing
// file is a new store. An empty file is refused: bbolt would silently start
// an empty store on it, and the boards would seem lost.
func verifyStoreFile(dir string) error {
	path := filepath.Join(dir, boltstore.FileName)
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s is empty (0 bytes) where a store was expected: restore it from a backup, or delete the empty file if this is a new installation", path)
	}
	if msg, ok := runCheck(path); !ok {
		return fmt.Errorf("%s is damaged (%s): restore it from a backup; `processkarta -check -data %s` verifies a file without starting the server", path, msg, dir)
	}
	return nil
}

// runCheck checks path in a child process and returns its verdict.
func runCheck(path string) (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "cannot start the check: " + err.Error(), false
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), checkFileEnv+"="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, io.Discard
	err = cmd.Run()
	first, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	if err == nil && first == "ok" {
		return "ok", true
	}
	if first == "" || first == "ok" {
		first = "its pages cannot be read"
	}
	return first, false
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 1000 {
		s = s[:1000] + "…"
	}
	return s
}

// checkCommand is `processkarta -check`: it verifies the embedded store's
// file offline and says so in one line.
func checkCommand(dir string, stdout io.Writer) error {
	path := filepath.Join(dir, boltstore.FileName)
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s is empty (0 bytes): restore it from a backup", path)
	}
	if msg, ok := runCheck(path); !ok {
		return fmt.Errorf("%s is damaged (%s): restore it from a backup", path, msg)
	}
	fmt.Fprintf(stdout, "%s: ok (%d bytes)\n", path, fi.Size())
	return nil
}
