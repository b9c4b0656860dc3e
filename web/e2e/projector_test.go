package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// swedishBreaks are the places where Swedish may hyphenate the test words
// (between syllables; the compounds' joints among them), as a Swedish
// reader would accept them, written down here independently of the rules
// the product uses (export/hyphen/sv.json).
var swedishBreaks = map[string]string{
	"Kommunledningskontoret":        "Kom-mun-led-nings-kon-to-ret",
	"Samhällsbyggnadsförvaltningen": "Sam-hälls-bygg-nads-för-valt-ning-en",
	"energianvändning":              "e-ner-gi-an-vänd-ning",
	"Fastighetskontoret":            "Fas-tig-hets-kon-to-ret",
	// Other words of the map that may need breaking on a narrow shape.
	"Miljöförvaltningen": "Mil-jö-för-valt-ning-en",
	"förvaltningen":      "för-valt-ning-en",
	"energikartläggning": "e-ner-gi-kart-lägg-ning",
	"fastigheterna":      "fas-tig-he-ter-na",
	"kommunhuset":        "kom-mun-hu-set",
	"laddstolpar":        "ladd-stol-par",
	"värmepumpar":        "vär-me-pum-par",
	"underlaget":         "un-der-la-get",
	"förvaltning":        "för-valt-ning",
}

// checkLines says what is wrong with lines as the drawing of full: text
// left out or changed, or a line that ends inside a word where Swedish
// does not break it ("" if nothing).
func checkLines(full string, lines []string) string {
	f := []rune(strings.Join(strings.Fields(full), " "))
	pos := 0
	for i, l := range lines {
		line := []rune(strings.TrimSpace(l))
		if strings.Contains(l, "…") {
			return fmt.Sprintf("line %d is cut short", i)
		}
		if i > 0 && pos < len(f) && f[pos] == ' ' {
			pos++
		}
		inserted := len(line) > 0 && line[len(line)-1] == '-' && i < len(lines)-1 &&
			(pos+len(line) > len(f) || f[pos+len(line)-1] != '-')
		body := line
		if inserted {
			body = line[:len(line)-1]
		}
		if pos+len(body) > len(f) || string(f[pos:pos+len(body)]) != string(body) {
			return fmt.Sprintf("line %d %q is not the text that follows", i, string(line))
		}
		pos += len(body)
		if inserted {
			start, end := pos, pos
			for start > 0 && f[start-1] != ' ' {
				start--
			}
			for end < len(f) && f[end] != ' ' {
				end++
			}
			// Within a word written with hyphens, the part broken.
			for k := start; k < pos; k++ {
				if f[k] == '-' {
					start = k + 1
				}
			}
			for k := pos; k < end; k++ {
				if f[k] == '-' {
					end = k
					break
				}
			}
			word := strings.Trim(string(f[start:end]), ".,:;?!()\"”")
			lead := len([]rune(string(f[start:end]))) - len([]rune(strings.TrimLeft(string(f[start:end]), "(\"”")))
			if !allowedBreak(word, pos-start-lead) {
				return fmt.Sprintf("line %d breaks %q after %q, where Swedish does not", i, word, string(f[start:pos]))
			}
		}
	}
	if pos != len(f) {
		return fmt.Sprintf("only %q of the text is drawn", string(f[:pos]))
	}
	return ""
}

// allowedBreak says whether a line may end after the first n letters of
// word with a hyphen.
func allowedBreak(word string, n int) bool {
	marked, ok := swedishBreaks[word]
	if !ok {
		return false
	}
	i := 0
	for _, r := range marked {
		if r == '-' {
			if i == n {
				return true
			}
			continue
		}
		i++
	}
	return false
}

// projectorMap makes a board of 20 objects as a workshop would have them:
// the process-map template's five lanes (the long administration names),
// its two events, two frames and eleven steps, decisions and notes whose
// texts hold the long compounds. It returns the board's id and the
// facilitator's token.
func projectorMap(t *testing.T, s *testServer) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	api := s.api
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": "0780"}, nil); err != nil {
		t.Fatal(err)
	}
	var b client.BoardCreated
	if err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]any{"title": "Processkarta energi – Växjö", "municipality": "0780", "template": board.TemplateProcessMap}, &b); err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(ctx, s.URL(), b.ID, b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lanes := map[string]string{}
	for id, o := range c.Objects() {
		if o.Kind == board.KindLane {
			lanes[o.Text("title")] = id
		}
	}
	y := map[string]float64{}
	for i, name := range []string{"Kommunledningskontoret", "Samhällsbyggnadsförvaltningen", "Fastighetskontoret", "Miljöförvaltningen", "Tekniska förvaltningen"} {
		if lanes[name] == "" {
			t.Fatalf("the process-map template has no lane %s: %v", name, lanes)
		}
		y[name] = float64(i) * 200
	}
	var ops []board.Op
	add := func(kind string, p map[string]any) {
		ops = append(ops, board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: kind, Props: p})
	}
	step := func(lane string, x float64, text string) {
		add(board.KindStep, map[string]any{"x": x, "y": y[lane] + 50, "w": 200.0, "h": 100.0, "lane": lanes[lane], "text": text})
	}
	step("Kommunledningskontoret", 330, "Kommunledningskontoret beställer en energikartläggning")
	step("Samhällsbyggnadsförvaltningen", 560, "Samhällsbyggnadsförvaltningen tar fram planmål")
	step("Fastighetskontoret", 330, "Fastighetskontoret mäter energianvändning i alla lokaler")
	step("Miljöförvaltningen", 800, "Sammanställ energianvändning per förvaltning")
	step("Tekniska förvaltningen", 560, "Byt till fossilfria fordon")
	add(board.KindDecision, map[string]any{"x": 800.0, "y": 35.0, "w": 200.0, "h": 130.0, "lane": lanes["Kommunledningskontoret"], "text": "Budget beviljas av KS?"})
	add(board.KindDecision, map[string]any{"x": 1040.0, "y": 435.0, "w": 200.0, "h": 130.0, "lane": lanes["Fastighetskontoret"], "text": "Räcker underlaget från Fastighetskontoret?"})
	add(board.KindNote, map[string]any{"x": 1300.0, "y": 30.0, "w": 200.0, "h": 150.0, "color": "#fbcfe8", "text": "Hinder: ingen äger frågan om energidata i fastigheterna"})
	add(board.KindNote, map[string]any{"x": 1300.0, "y": 620.0, "w": 200.0, "h": 150.0, "color": "#bbf7d0", "text": "Idé: Samhällsbyggnadsförvaltningen och Kommunledningskontoret delar en energianvändning-rapport"})
	add(board.KindNote, map[string]any{"x": 1040.0, "y": 830.0, "w": 200.0, "h": 150.0, "color": "#fef08a", "text": "Från mobilen: laddstolpar vid kommunhuset?"})
	add(board.KindNote, map[string]any{"x": 560.0, "y": 630.0, "w": 200.0, "h": 150.0, "color": "#fef08a", "text": "Solceller på skolor och värmepumpar"})
	add(board.KindFrame, map[string]any{"x": 300.0, "y": 10.0, "w": 720.0, "h": 380.0, "title": "Nuläge", "z": "0"})
	add(board.KindFrame, map[string]any{"x": 1020.0, "y": 410.0, "w": 500.0, "h": 580.0, "title": "Hinder och idéer", "z": "1"})
	if _, err := c.Ops(ctx, ops...); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Objects()); n != 20 {
		t.Fatalf("the map has %d objects, want 20", n)
	}
	return b.ID, b.FacilitatorToken
}

// textCheck is what the page reports about each object's drawn text.
type textCheck struct {
	ID, Kind, Full string
	Lines          []string
	Px             float64 // CSS pixels on screen
	Inside         bool    // the text lies within its shape and the screen
}

// TestProjectorText opens a 20-object map on a 1920×1080 projector and
// presses "Anpassa": every object's whole text is drawn (nothing cut with
// "…"), inside its shape, at 14 CSS px or more, and a line ends inside a
// word only where Swedish hyphenates it. Then the presentation mode: the
// chrome goes, the arrow keys step through the frames, the audit stays
// clean, Escape ends it.
func TestProjectorText(t *testing.T) {
	s := startServer(t)
	id, token := projectorMap(t, s)
	b := newBrowser(t, "projector", 1920, 1080)
	b.navigate(s.URL() + "/join")
	b.eval(fmt.Sprintf(`localStorage.clear(); localStorage.setItem(%s, %s); localStorage.setItem('processkarta.panel', '0')`, jsq("processkarta.token."+id), jsq(token)), nil)
	b.navigate(s.URL() + "/b/" + id)
	b.waitOnline()
	b.waitFor("the map drawn", `document.querySelectorAll('#canvas [data-id]').length === 20`, 10*time.Second)
	b.do("Anpassa", chromedp.Click(buttonByText("Anpassa")))
	settle(b)
	var checks []textCheck
	b.eval(`(() => {
		const c = processkarta.canvas, k = c.view.s, out = [];
		const screen = document.querySelector('#canvas').getBoundingClientRect();
		for (const [id, el] of c.els) {
			const o = processkarta.client.objects.get(id);
			if (!o || o.kind === 'link') continue;
			const full = o.text ?? o.title ?? '';
			const texts = [...el.querySelectorAll(':scope > text')];
			const lines = texts.flatMap((tx) => [...tx.querySelectorAll('tspan')].map((s) => s.textContent));
			const px = texts.length ? Math.min(...texts.map((tx) => Number(tx.getAttribute('font-size')))) * k : 99;
			const shape = el._inner.getBoundingClientRect();
			let inside = true;
			for (const tx of texts) {
				const r = tx.getBoundingClientRect();
				const box = o.kind === 'event' ? screen : shape;
				if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) inside = false;
				if (r.left < screen.left || r.right > screen.right || r.top < screen.top || r.bottom > screen.bottom) inside = false;
			}
			out.push({id, kind: o.kind, full, lines, px, inside});
		}
		return out;
	})()`, &checks)
	if len(checks) != 20 {
		t.Fatalf("%d objects measured, want 20", len(checks))
	}
	for _, c := range checks {
		if c.Full == "" {
			continue
		}
		if c.Px < 14 {
			t.Errorf("%s %q: text at %.1f CSS px, want ≥ 14", c.Kind, c.Full, c.Px)
		}
		if !c.Inside {
			t.Errorf("%s %q: the text runs outside its shape or the screen", c.Kind, c.Full)
		}
		if msg := checkLines(c.Full, c.Lines); msg != "" {
			t.Errorf("%s %q: %s (lines %q)", c.Kind, c.Full, msg, c.Lines)
		}
	}
	t.Logf("smallest text on the projector: %.1f CSS px", minPx(checks))
	saveShot(t, b, "projector-1920x1080")

	// Presentation mode.
	b.do("Presentera", chromedp.Click(buttonByText("Presentera")))
	b.waitFor("the chrome hidden", `document.body.classList.contains('presenting') && !document.querySelector('.topbar').offsetParent && !document.querySelector('#toolbar').offsetParent`, 5*time.Second)
	b.waitFor("the whole board shown", `document.querySelector('#present-where').textContent === 'Hela tavlan'`, 5*time.Second)
	b.press(kb.ArrowRight)
	b.waitFor("the first frame", `document.querySelector('#present-where').textContent.startsWith('Bildruta 1 av 2: Nuläge')`, 5*time.Second)
	settle(b)
	saveShot(t, b, "presentation-1920x1080")
	b.press(kb.ArrowRight)
	b.waitFor("the second frame", `document.querySelector('#present-where').textContent.startsWith('Bildruta 2 av 2')`, 5*time.Second)
	if v := b.audit(axeSource(t)); len(failingOnly(v)) > 0 {
		t.Errorf("accessibility in presentation mode: %+v", failingOnly(v))
	}
	b.press(kb.ArrowLeft)
	b.waitFor("back to the first frame", `document.querySelector('#present-where').textContent.startsWith('Bildruta 1')`, 5*time.Second)
	b.press(kb.Escape)
	b.waitFor("the chrome back", `!document.body.classList.contains('presenting') && !!document.querySelector('.topbar').offsetParent`, 5*time.Second)
}

func minPx(cs []textCheck) float64 {
	m := 99.0
	for _, c := range cs {
		if c.Full != "" && c.Px < m {
			m = c.Px
		}
	}
	return m
}

func failingOnly(vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if failing(v.Impact) {
			out = append(out, v)
		}
	}
	return out
}

// saveShot writes a screenshot to docs/screenshots/<name>.png with
// PROCESSKARTA_SCREENSHOTS=1, else to the test's temporary directory.
func saveShot(t *testing.T, b *browser, name string) {
	t.Helper()
	dir := t.TempDir()
	if os.Getenv("PROCESSKARTA_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	shot := b.screenshot()
	if len(shot) >= maxScreenshot {
		t.Errorf("%s: %d KB, want < %d KB", name, len(shot)>>10, maxScreenshot>>10)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
