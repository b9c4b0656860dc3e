package export

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
)

// longText is about 300 characters of ordinary words, far more than a
// step's stored 160×80 holds at the normal size.
const longText = "Förvaltningen sammanställer energidata för alla kommunala lokaler och jämför förbrukningen med föregående år. " +
	"Avvikelser över tio procent utreds tillsammans med driftpersonalen innan nämnden får underlaget. " +
	"Resultatet redovisas på hemsidan och i årsrapporten så att invånarna kan följa arbetet."

// growBoard is a lane with a step, a note, a decision and a goal area, each
// at its stored default size and holding much more text than fits there.
func growBoard(t *testing.T) (*board.State, map[string]string) {
	b := newBuilder(t, "Långa texter", board.TemplateBlank)
	lane := b.lane("Fastighetskontoret", 0)
	ids := map[string]string{
		board.KindStep:     b.node(board.KindStep, lane, longText, 220, 40),
		board.KindDecision: b.node(board.KindDecision, lane, "Är avvikelserna utredda tillsammans med driftpersonalen och förankrade i nämnden?", 1200, 40),
		board.KindNote:     b.node(board.KindNote, "", longText, 220, 700),
		board.KindGoal: b.add(board.KindGoal, map[string]any{"x": 700.0, "y": 700.0, "rank": 1.0,
			"title": "Energieffektiva kommunala lokaler med minskad förbrukning, förnybar värme och solceller på taken i alla skolor, förskolor, idrottshallar och äldreboenden till år 2030"}),
	}
	b.commit()
	return b.st, ids
}

// TestShapesGrowWithText: steps, notes, decisions and goal areas grow to
// hold their whole text at the map's normal size, as on the canvas, rather
// than shrinking it; the step's 300 characters are all on the map page.
func TestShapesGrowWithText(t *testing.T) {
	t.Parallel()
	st, ids := growBoard(t)
	opt := options()
	lab, err := checkOptions(st.Public(), &opt)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	r := newRenderer(st.Public(), opt, lab, fd)
	tl := r.m.tiling()
	r.prefit(tl.s)
	for kind, id := range ids {
		var it *item
		for _, x := range r.m.items {
			if x.o.ID == id {
				it = x
			}
		}
		if it == nil {
			t.Fatalf("the %s is not on the map", kind)
		}
		ft := r.fits[textKey{it.o, 0, tl.s}]
		normal := textBox(it, tl.s).px * tl.s / ptMM
		if ft.cut || ft.size < normal*mapTextFloor-1e-9 {
			t.Errorf("the %s's text is cut (%v) or at %.2f pt, below the floor %.2f pt (normal %.2f pt)", kind, ft.cut, ft.size, normal*mapTextFloor, normal)
		}
		if got := strings.Join(ft.lines, " "); strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(it.text), " ") {
			t.Errorf("the %s shows %q, want all of %q", kind, got, it.text)
		}
		if it.r.h <= it.at.h {
			t.Errorf("the %s did not grow: %v high, as stored", kind, it.r.h)
		}
		if it.r.x != it.at.x || it.r.y != it.at.y {
			t.Errorf("the %s moved from (%v, %v) to (%v, %v)", kind, it.at.x, it.at.y, it.r.x, it.r.y)
		}
		if kind == board.KindDecision && it.r.w <= it.at.w {
			t.Errorf("the decision grew only in height")
		}
	}

	c := checkPDFText(t, render(t, st, opt), "grow", false)
	page := mapPage(t, c)
	text := spaces.ReplaceAllString(run(t, "pdftotext", "-raw", "-enc", "UTF-8", "-f", page, "-l", page, c.path, "-"), " ")
	if !strings.Contains(text, longText) {
		t.Errorf("the map page lacks the step's whole text:\n%s", text)
	}
}

// mapPage returns the number of the document's (one) A3 page, the map.
func mapPage(t *testing.T, c checked) string {
	t.Helper()
	out := run(t, "pdfinfo", "-f", "1", "-l", strconv.Itoa(c.pages), c.path)
	for _, m := range regexp.MustCompile(`(?m)^Page\s+(\d+) size:\s+1190.55 x 841.89`).FindAllStringSubmatch(out, -1) {
		return m[1]
	}
	t.Fatalf("no A3 page:\n%s", out)
	return ""
}
