package interchangetest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
)

// info is the board every imported test map becomes.
var info = board.Info{ID: "00000000-0000-4000-8000-000000000001", Title: "Import", Municipality: "1480"}

// Load turns what a decoder read (d, or its error) into a new board the
// way the server does: convert, then build through the board's validation.
func Load(t testing.TB, d *interchange.Diagram, err error) (*board.State, *interchange.Map) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	m, err := interchange.Convert(d)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Build(info, 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return st, m
}

// Fixture reads testdata/name.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// HasWarning reports whether a warning contains part.
func HasWarning(ws []string, part string) bool {
	return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, part) })
}

// FuzzDecode feeds a reader anything, starting from the files matching
// glob and the seeds: it never panics, refuses only with a board error
// (invalid or too_large), and what it reads always makes a board.
func FuzzDecode(f *testing.F, glob string, decode func([]byte) (*interchange.Diagram, error), seeds ...[]byte) {
	files, _ := filepath.Glob(glob)
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decode(data)
		if err != nil {
			if c := board.ErrorCode(err); c != board.EInvalid && c != board.ETooLarge {
				t.Fatalf("error code %s: %v", c, err)
			}
			return
		}
		m, err := interchange.Convert(d)
		if err != nil {
			if board.ErrorCode(err) != board.ETooLarge {
				t.Fatal(err)
			}
			return
		}
		if _, err := m.Build(info, 1); err != nil && board.ErrorCode(err) != board.ETooLarge {
			t.Fatal(err)
		}
	})
}
