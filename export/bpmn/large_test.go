package bpmn

import (
	"fmt"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/export/interchange/interchangetest"
)

// TestLargeBoardRoundTrip exports and imports a board near the object
// limit (8 lanes, 2,000 steps, 1,990 arrows): it takes seconds at most and
// keeps everything.
func TestLargeBoardRoundTrip(t *testing.T) {
	b := interchangetest.NewBuilder(t, "Stor karta")
	var lanes []string
	for i := range 8 {
		lanes = append(lanes, b.Add(board.KindLane, map[string]any{"title": fmt.Sprintf("Förvaltning %d", i+1), "order": float64(i)}))
	}
	var prev string
	for i := range 2000 {
		lane := i % 8
		id := b.Add(board.KindStep, map[string]any{"text": fmt.Sprintf("Steg %d: granska underlaget", i+1), "lane": lanes[lane],
			"x": 200 + float64(i/8)*9, "y": float64(lane)*board.LaneHeight + 60, "w": 160.0, "h": 80.0})
		if prev != "" && i%200 != 0 {
			b.Add(board.KindLink, map[string]any{"from": prev, "to": id, "label": "sedan"})
		}
		prev = id
	}
	start := time.Now()
	doc := Encode(b.St)
	encoded := time.Since(start)
	back, m := load(t, doc)
	took := time.Since(start)
	t.Logf("%d objects, %d kB of BPMN: encoded in %v, encoded and imported in %v", len(b.St.Objects), len(doc)/1024, encoded.Round(time.Millisecond), took.Round(time.Millisecond))
	if len(m.Warnings) > 0 {
		t.Errorf("warnings: %v", m.Warnings)
	}
	if len(back.Objects) != len(b.St.Objects) {
		t.Fatalf("%d objects back of %d", len(back.Objects), len(b.St.Objects))
	}
	if took > 10*time.Second {
		t.Errorf("took %v", took)
	}
}
