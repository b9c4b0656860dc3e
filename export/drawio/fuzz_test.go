package drawio

import (
	"testing"

	"github.com/processkarta/processkarta/export/interchange"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// FuzzDecode feeds the diagrams.net reader anything: it never panics,
// refuses with a board error (invalid or too_large), and what it reads
// always makes a board.
func FuzzDecode(f *testing.F) {
	interchangetest.FuzzDecode(f, "testdata/*.drawio", func(b []byte) (*interchange.Diagram, error) { return Decode(b, 0) },
		Encode(interchangetest.Sample(f)),
		[]byte(`<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="a" parent="a" vertex="1"><mxGeometry width="1e308" as="geometry"/></mxCell><mxCell id="e" edge="1" source="a" target="a" parent="1"/></root></mxGraphModel>`))
}
