package board

import "testing"

func TestCatchUp(t *testing.T) {
	for _, c := range []struct {
		name              string
		since, cur, first uint64
		current           bool
		code              string
	}{
		{"current", 7, 7, 0, true, ""},
		{"current, log irrelevant", 7, 7, 3, true, ""},
		{"the log holds the next change", 5, 7, 6, false, ""},
		{"the log holds older ones too", 5, 7, 2, false, ""},
		{"trimmed past since+1", 5, 7, 7, false, ETooOld},
		{"empty log", 5, 7, 0, false, ETooOld},
		{"ahead of the board", 9, 7, 0, false, ETooOld},
		{"ahead of a new board", 1, 0, 0, false, ETooOld},
		{"from the start", 0, 3, 1, false, ""},
	} {
		current, err := CatchUp(c.since, c.cur, c.first)
		if current != c.current || ErrorCode(err) != c.code {
			t.Errorf("%s: CatchUp(%d, %d, %d) = %v, %v; want %v, %q", c.name, c.since, c.cur, c.first, current, err, c.current, c.code)
		}
	}
}

func TestFollowsAndCheckNew(t *testing.T) {
	st := NewState(Info{ID: "b"}, Settings{})
	st.Seq = 4
	if err := st.Follows(&Change{Seq: 5}); err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{0, 4, 6} {
		if ErrorCode(st.Follows(&Change{Seq: seq})) != EInternal {
			t.Errorf("a change at %d follows a board at 4", seq)
		}
	}
	if err := CheckNew(st); err != nil {
		t.Fatal(err)
	}
	if ErrorCode(CheckNew(NewState(Info{}, Settings{}))) != EInvalid {
		t.Error("a board without an id passes CheckNew")
	}
}
