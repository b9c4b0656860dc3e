package bpmn

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// FuzzDecode feeds the BPMN reader anything: it never panics, refuses with
// a board error (invalid or too_large), and what it reads always makes a
// board.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.bpmn")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(Encode(interchangetest.Sample(f)))
	f.Add([]byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process><task id="a"/><sequenceFlow sourceRef="a" targetRef="a"/></process></definitions>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
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
		if _, err := m.Build(board.Info{ID: "00000000-0000-4000-8000-000000000001", Title: "F", Municipality: "1480"}, 1); err != nil && board.ErrorCode(err) != board.ETooLarge {
			t.Fatal(err)
		}
	})
}
