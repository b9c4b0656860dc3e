package drawio

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// FuzzDecode feeds the diagrams.net reader anything: it never panics, refuses with
// a board error (invalid or too_large), and what it reads always makes a
// board.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.drawio")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(Encode(interchangetest.Sample(f)))
	f.Add([]byte(`<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="a" parent="a" vertex="1"><mxGeometry width="1e308" as="geometry"/></mxCell><mxCell id="e" edge="1" source="a" target="a" parent="1"/></root></mxGraphModel>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data, 0)
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
