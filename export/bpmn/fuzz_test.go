package bpmn

import (
	"testing"

	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// FuzzDecode feeds the BPMN reader anything: it never panics, refuses with
// a board error (invalid or too_large), and what it reads always makes a
// board.
func FuzzDecode(f *testing.F) {
	interchangetest.FuzzDecode(f, "testdata/*.bpmn", Decode,
		Encode(interchangetest.Sample(f)),
		[]byte(`<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process><task id="a"/><sequenceFlow sourceRef="a" targetRef="a"/></process></definitions>`))
}
