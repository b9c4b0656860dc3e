package export

import "testing"

// BenchmarkRenderLarge renders the 300-object board (8 lanes, 30 goal
// areas, 40 arrows, tiled over 6 A3 pages). pdf-bytes is the size of the
// document it makes.
func BenchmarkRenderLarge(b *testing.B) {
	st, _ := largeBoard(b)
	opt := options()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		pdf, err := Render(st, opt)
		if err != nil {
			b.Fatal(err)
		}
		n = len(pdf)
	}
	b.ReportMetric(float64(n), "pdf-bytes")
}
