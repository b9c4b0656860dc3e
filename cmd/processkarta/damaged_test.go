package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
)

// fillStore writes boards enough for a file of many pages into dir.
func fillStore(t *testing.T, dir string) string {
	t.Helper()
	s, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.CreateMunicipality(ctx, &board.Municipality{Code: "1480", Name: "Göteborg", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for b := range 20 {
		st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Title: fmt.Sprint("Tavla ", b), Municipality: "1480", Template: board.TemplateBlank, JoinCode: board.NewJoinCode(), CreatedAt: time.Now()}, 1)
		if err != nil {
			t.Fatal(err)
		}
		fac := &board.Participant{ID: uuid.NewString(), Name: "Fia", Position: board.PositionOfficial, Role: board.RoleFacilitator}
		st.Participants[fac.ID] = fac
		if err := s.CreateBoard(ctx, st); err != nil {
			t.Fatal(err)
		}
		var ops []board.Op
		for i := range 200 {
			ops = append(ops, board.Op{Op: "create", ID: uuid.NewString(), Kind: "note", Props: map[string]any{"text": strings.Repeat("hinder ", 20), "x": float64(i), "y": 0.0}})
		}
		if _, err := s.Commit(ctx, st.Info.ID, func(cur *board.State) (*board.Change, error) {
			return cur.PrepareOps(cur.Participants[fac.ID], "b", ops, 2)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, boltstore.FileName)
}

// runOnce runs the command as a child process until it exits (or 30 s).
func runOnce(t *testing.T, args string) (exitCode int, stdout, stderr string) {
	t.Helper()
	cmd := childCommand(args)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: still running after 30 s (it should have refused the file)\n%s", args, out.String())
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// Issue 10, item 6: a damaged data file ends the start with one line that
// names the file and what to do, a non-zero exit, and never a stack trace;
// `-check` verifies a file offline.
func TestDamagedStoreFileIsRefusedInOneLine(t *testing.T) {
	good := t.TempDir()
	path := fillStore(t, good)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runOnce(t, "-check -data "+good); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("-check on a sound file: %d %q %q", code, out, errs)
	}
	damage := map[string]func() []byte{
		"truncated": func() []byte { return orig[:len(orig)/2] },
		"random pages": func() []byte {
			b := append([]byte(nil), orig...)
			rng := rand.New(rand.NewPCG(1, 2))
			const page = 4096
			for p := 2; p < len(b)/page; p += 3 { // keep the meta pages
				for i := p * page; i < (p+1)*page; i++ {
					b[i] = byte(rng.Uint32())
				}
			}
			return b
		},
		"empty": func() []byte { return nil },
	}
	for name, bytes := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, boltstore.FileName)
			if err := os.WriteFile(p, bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errs := runOnce(t, "-addr "+freeAddr(t)+" -data "+dir)
			msg := strings.TrimSpace(errs)
			if code == 0 {
				t.Fatal("the server started on a damaged file")
			}
			if strings.Count(msg, "\n") > 0 || strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
				t.Fatalf("not one plain line:\n%s", errs)
			}
			t.Log(msg)
			if !strings.Contains(msg, p) || !strings.Contains(msg, "backup") {
				t.Fatalf("the line does not name the file and what to do: %s", msg)
			}
			if after, _ := os.ReadFile(p); len(after) != len(bytes()) {
				t.Fatalf("the damaged file was changed: %d bytes, was %d", len(after), len(bytes()))
			}
			code, _, errs = runOnce(t, "-check -data "+dir)
			if code == 0 || strings.Contains(errs, "goroutine") || !strings.Contains(errs, p) {
				t.Fatalf("-check on a damaged file: %d %s", code, errs)
			}
		})
	}
	// A new data directory starts as before.
	dir := t.TempDir()
	c := startChild(t, "-addr "+freeAddr(t)+" -data "+dir)
	c.kill9(t)
}
