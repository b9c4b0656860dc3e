package export

import (
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		m           board.Municipality
		s           *board.Strategy
		title       string
		date        time.Time
		utf8, ascii string
	}{
		{goteborg, strategy, "Målworkshop", workshop,
			"Göteborg – Energi- och klimatstrategi 2026 – Målworkshop – 2026-11-26.pdf",
			"Goteborg - Energi- och klimatstrategi 2026 - Malworkshop - 2026-11-26.pdf"},
		// No strategy; the date is the Swedish one (23:30 UTC is the next
		// day in Stockholm).
		{board.Municipality{Code: "2480", Name: "Umeå"}, nil, "Processkarta för Östra förvaltningen", time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC),
			"Umeå – Processkarta för Östra förvaltningen – 2026-11-27.pdf",
			"Umea - Processkarta for Ostra forvaltningen - 2026-11-27.pdf"},
		// What a file system or a header cannot take is left out.
		{board.Municipality{Code: "0180", Name: "Stockholm"}, &board.Strategy{Title: "Plan", Revision: "v2"}, `a/b\c:d*e?f"g<h>i|j%k` + "\x01", workshop,
			"Stockholm – Plan v2 – a b c d e f g h i j%k – 2026-11-26.pdf",
			"Stockholm - Plan v2 - a b c d e f g h i jk - 2026-11-26.pdf"},
		// No name: the code; letters without an ASCII spelling are dropped.
		{board.Municipality{Code: "1480"}, nil, "Ærø – ﬁn 漢字 café", workshop,
			"1480 – Ærø – ﬁn 漢字 café – 2026-11-26.pdf",
			"1480 - AEro - fin cafe - 2026-11-26.pdf"},
	}
	for _, tc := range cases {
		u, a := FileName(tc.m, tc.s, tc.title, tc.date)
		if u != tc.utf8 {
			t.Errorf("utf8 %q, want %q", u, tc.utf8)
		}
		if a != tc.ascii {
			t.Errorf("ascii %q, want %q", a, tc.ascii)
		}
	}

	// A long title is shortened so that the name stays under 200 bytes.
	long := strings.Repeat("Åtgärdsworkshop ", 30)
	u, a := FileName(goteborg, strategy, long, workshop)
	if len(u) > maxNameBytes || len(a) > maxNameBytes {
		t.Errorf("long names: %d and %d bytes", len(u), len(a))
	}
	if !strings.HasPrefix(u, "Göteborg – Energi- och klimatstrategi 2026 – Åtgärdsworkshop") || !strings.HasSuffix(u, "… – 2026-11-26.pdf") {
		t.Errorf("long name %q", u)
	}
	for _, r := range a {
		if r < 0x20 || r > 0x7e {
			t.Fatalf("ascii name has %q", r)
		}
	}
}

func TestSwedishOrder(t *testing.T) {
	t.Parallel()
	in := []string{"Ödeshög", "Zon", "Ärla", "Åre", "arvika", "Eda", "Émile", "Örebro", "Çelik"}
	want := []string{"arvika", "Çelik", "Eda", "Émile", "Zon", "Åre", "Ärla", "Ödeshög", "Örebro"}
	for i := range in {
		for j := range in {
			if i != j {
				if got := compareText(in[i], in[j]) < 0; got != (index(want, in[i]) < index(want, in[j])) {
					t.Errorf("compareText(%q, %q) < 0 is %v", in[i], in[j], got)
				}
			}
		}
	}
}

func index(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}
