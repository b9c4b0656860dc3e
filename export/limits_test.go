package export

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
)

// Issue 10, item 1: whatever board the server accepts, its PDF is made.
// The board is built through the board's own rules up to its limits: as
// many objects as a board holds, and as much text as its budget allows,
// in the longest texts (ASCII: the most characters for the bytes).
func TestRendersTheLargestBoardTheLimitsAccept(t *testing.T) {
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Municipality: "1480", Title: strings.Repeat("T", board.MaxTitleLen), Template: board.TemplateGoalWorkshop}, 1)
	if err != nil {
		t.Fatal(err)
	}
	fac := &board.Participant{ID: uuid.NewString(), Name: "Fia", Position: board.PositionOfficial, Role: board.RoleFacilitator}
	c, err := st.PrepareJoin(fac, "h", 1)
	if err != nil {
		t.Fatal(err)
	}
	st.Apply(c)
	long := strings.Repeat("ord och mening ", 300)[:board.MaxTextLen]
	commit := func(ops []board.Op) error {
		c, err := st.PrepareOps(st.Participants[fac.ID], "b", ops, 2)
		if err == nil {
			st.Apply(c)
		}
		return err
	}
	// Long goals until the text budget is nearly spent...
	for board.MaxBoardTextBytes-st.TextBytes() > 2*(3*board.MaxTextLen+board.MaxTitleLen)+5*board.MaxObjects {
		err := commit([]board.Op{{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindGoal, Props: map[string]any{
			"title": strings.Repeat("G", board.MaxTitleLen), "description": long, "target": long, "indicator": long, "rank": float64(len(st.Objects))}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// ...then small notes up to the object limit, and one to fill the rest.
	for len(st.Objects) < board.MaxObjects-1 {
		var ops []board.Op
		for i := 0; i < board.MaxOpsPerBatch && len(st.Objects)+len(ops) < board.MaxObjects-1; i++ {
			ops = append(ops, board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindNote, Props: map[string]any{"text": "lapp", "x": float64(i * 10), "y": float64(len(st.Objects))}})
		}
		if err := commit(ops); err != nil {
			t.Fatal(err)
		}
	}
	rest := board.MaxBoardTextBytes - st.TextBytes()
	props := map[string]any{"rank": 0.0}
	for _, k := range []string{"description", "target", "indicator", "title"} {
		n := min(rest, board.MaxTextLen)
		if k == "title" {
			n = min(rest, board.MaxTitleLen)
		}
		props[k], rest = long[:n], rest-n
	}
	if err := commit([]board.Op{{Op: board.OpCreate, ID: uuid.NewString(), Kind: board.KindGoal, Props: props}}); err != nil {
		t.Fatal(err)
	}
	if len(st.Objects) != board.MaxObjects {
		t.Fatalf("%d objects", len(st.Objects))
	}
	t.Logf("%d objects, %d bytes of text", len(st.Objects), st.TextBytes())
	pdf, err := Render(st, options())
	if err != nil {
		t.Fatalf("the largest board the server accepts did not export: %v", err)
	}
	if len(pdf) == 0 {
		t.Fatal("no PDF")
	}
}
