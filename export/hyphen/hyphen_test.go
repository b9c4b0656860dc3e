package hyphen

import "testing"

// TestExamples checks the examples of sv.json; web/test/hyphen.test.mjs
// checks the same examples against the browser's reading of the rules.
func TestExamples(t *testing.T) {
	if len(Swedish.Examples) < 10 {
		t.Fatalf("only %d examples", len(Swedish.Examples))
	}
	for word, want := range Swedish.Examples {
		if got := Swedish.Mark(word); got != want {
			t.Errorf("%s: got %s, want %s", word, got, want)
		}
	}
}

func TestBreaksStayInsideTheWord(t *testing.T) {
	for _, w := range []string{"", "a", "öö", "Kommunledningskontoret", "x-y-z", "ÅÄÖåäö", "İstanbulkontoret"} {
		b := Swedish.Word(w)
		n := len([]rune(w))
		for _, i := range b.Syllables {
			if i < Swedish.MinLeft || n-i < Swedish.MinRight {
				t.Errorf("%q: break at %d of %d", w, i, n)
			}
		}
		for _, j := range b.Joints {
			found := false
			for _, i := range b.Syllables {
				found = found || i == j
			}
			if !found {
				t.Errorf("%q: joint %d is not among the breaks %v", w, j, b.Syllables)
			}
		}
	}
}
