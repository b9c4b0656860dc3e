package export

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

// Text that stresses the fonts and the layout: characters DejaVu lacks
// (emoji outside the BMP, CJK), combining marks, right-to-left script, a
// word longer than any shape, tabs and newlines, blanks.
var oddTexts = []string{
	"", " ", "\n\n", "\t", "å", "Ä\nÖ\né", "🌍 klimat 🚲", "漢字 och kana かな", "e\u0301 o\u0308",
	"שלום עולם", "Ω≈ç√∫ ™ € ‰ “citat” – ‹›", strings.Repeat("Långtordutanmellanslag", 15),
	strings.Repeat("ord ", 990), "\u200b\u00ad\ufeff", "a\tb\nc", "<xml> & \"quotes\" (paren) \\ backslash",
}

func randText(rng *rand.Rand, max int) string {
	var s string
	switch rng.IntN(4) {
	case 0:
		s = oddTexts[rng.IntN(len(oddTexts))]
	case 1:
		s = swedishText(rng, 1+rng.IntN(12))
	case 2:
		s = swedishText(rng, 1+rng.IntN(3)) + " " + oddTexts[rng.IntN(len(oddTexts))]
	default:
		s = swedishText(rng, 1+rng.IntN(600))
	}
	r := []rune(s)
	if len(r) > max {
		r = r[:max]
	}
	return string(r)
}

func randCoord(rng *rand.Rand) float64 {
	switch rng.IntN(12) {
	case 0:
		return float64(rng.IntN(2*board.MaxCoord+1) - board.MaxCoord)
	case 1:
		return -rng.Float64() * 3000
	}
	return rng.Float64() * 5000
}

func randSize(rng *rand.Rand) float64 {
	switch rng.IntN(15) {
	case 0:
		return 0.5
	case 1:
		return float64(1 + rng.IntN(board.MaxCoord))
	}
	return 10 + rng.Float64()*600
}

// randomBoard makes a board of random objects with random valid props,
// through the domain's validation.
func randomBoard(t testing.TB, seed uint64) *board.State {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := newBuilder(t, randText(rng, board.MaxTitleLen), board.TemplateBlank)
	n := rng.IntN(150)
	var lanes, nodes []string
	for i := 0; i < n; i++ {
		kind := board.Kinds[rng.IntN(len(board.Kinds))]
		p := map[string]any{}
		opt := func(name string, v func() any) {
			if rng.IntN(3) > 0 {
				p[name] = v()
			}
		}
		color := func() any { return fmt.Sprintf("#%06x", rng.IntN(1<<24)) }
		title := func() any { return randText(rng, board.MaxTitleLen) }
		text := func() any { return randText(rng, board.MaxTextLen) }
		lane := func() {
			if len(lanes) > 0 && rng.IntN(2) == 0 {
				p["lane"] = lanes[rng.IntN(len(lanes))]
			}
		}
		switch kind {
		case board.KindLane:
			p["title"] = title()
			opt("order", func() any { return float64(rng.IntN(20)-5) + rng.Float64() })
			opt("color", color)
		case board.KindStep, board.KindDecision, board.KindNote:
			p["x"], p["y"] = randCoord(rng), randCoord(rng)
			opt("text", text)
			opt("w", func() any { return randSize(rng) })
			opt("h", func() any { return randSize(rng) })
			if kind != board.KindDecision {
				opt("color", color)
			}
			if kind != board.KindNote {
				lane()
			}
		case board.KindEvent:
			p["x"], p["y"] = randCoord(rng), randCoord(rng)
			p["variant"] = []string{"start", "end"}[rng.IntN(2)]
			opt("text", text)
			lane()
		case board.KindGoal:
			p["title"] = title()
			opt("description", text)
			opt("target", text)
			opt("indicator", text)
			opt("owner", title)
			opt("rank", func() any { return float64(rng.IntN(10)) - rng.Float64()*3 })
			if rng.IntN(2) == 0 {
				p["x"], p["y"] = randCoord(rng), randCoord(rng)
				opt("w", func() any { return randSize(rng) })
				opt("h", func() any { return randSize(rng) })
			}
		case board.KindFrame:
			p["x"], p["y"], p["w"], p["h"] = randCoord(rng), randCoord(rng), randSize(rng), randSize(rng)
			opt("title", title)
		case board.KindAction:
			p["title"] = title()
			p["x"], p["y"] = randCoord(rng), randCoord(rng)
			opt("description", text)
			opt("owner", title)
			opt("responsible", title)
			opt("due", func() any { return fmt.Sprintf("%04d-%02d-%02d", 2020+rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28)) })
			opt("status", func() any { return board.Statuses[rng.IntN(len(board.Statuses))] })
			opt("w", func() any { return randSize(rng) })
			opt("h", func() any { return randSize(rng) })
		case board.KindLink:
			if len(nodes) < 2 {
				continue
			}
			from := nodes[rng.IntN(len(nodes))]
			to := nodes[rng.IntN(len(nodes))]
			if from == to {
				continue
			}
			p["from"], p["to"] = from, to
			opt("label", title)
		}
		opt("z", func() any { return fmt.Sprintf("a%d", rng.IntN(100)) })
		id := b.add(kind, p)
		switch kind {
		case board.KindLane:
			lanes = append(lanes, id)
			b.commit() // later objects may refer to it
			nodes = append(nodes, id)
		case board.KindLink:
		default:
			nodes = append(nodes, id)
		}
	}
	b.commit()
	var voters []string
	for i := rng.IntN(30); i > 0; i-- {
		role := []string{board.RoleParticipant, board.RoleParticipant, board.RoleFacilitator, board.RoleObserver}[rng.IntN(4)]
		voters = append(voters, b.person(randText(rng, board.MaxNameLen), randText(rng, 40), board.Positions[rng.IntN(4)], role))
	}
	for _, v := range voters {
		for i := rng.IntN(5); i > 0 && len(nodes) > 0; i-- {
			b.vote(v, nodes[rng.IntN(len(nodes))], 1)
		}
	}
	return b.st
}

// FuzzRender renders random boards (one per seed) and checks that the
// result is a sound, tagged PDF with its web page. Plain `go test` runs
// the seeds below.
func FuzzRender(f *testing.F) {
	for seed := uint64(1); seed <= 24; seed++ {
		f.Add(seed, seed%3 == 0, seed%5 == 0)
	}
	f.Fuzz(func(t *testing.T, seed uint64, names, english bool) {
		t.Parallel()
		st := randomBoard(t, seed)
		opt := options()
		opt.Names = names
		if english {
			opt.Lang = "en"
		}
		pdf, err := Render(st, opt)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
			t.Fatalf("seed %d: no %%%%EOF", seed)
		}
		c := checkPDFText(t, pdf, fmt.Sprintf("random-%d", seed), false)
		word, of := "Sida", "av"
		if english {
			word, of = "Page", "of"
		}
		c.wantText(t, "footer", fmt.Sprintf("%s %d %s %d", word, c.pages, of, c.pages))
		// Whatever the board, every mark on a page is tagged content or an
		// artifact, and the report's page is in the file.
		checkMarkedContent(t, c.path)
		if _, err := ReportHTML(pdf); err != nil {
			t.Errorf("seed %d: %v", seed, err)
		}
	})
}

// TestUnvalidatedState renders a state that never went through the
// domain's validation, as an imported document might be: wrong types,
// NaN, references to nothing, unknown kinds.
func TestUnvalidatedState(t *testing.T) {
	t.Parallel()
	st := board.NewState(board.Info{ID: uuid.NewString(), Title: "Import"}, board.Settings{})
	add := func(kind string, props map[string]any) string {
		id := uuid.NewString()
		st.Objects[id] = &board.Object{ID: id, Kind: kind, Props: props}
		return id
	}
	a := add(board.KindStep, map[string]any{"x": math.NaN(), "y": math.Inf(1), "w": -5.0, "h": "tall", "text": 42.0})
	b := add(board.KindDecision, map[string]any{"x": 1e300, "y": -1e300, "color": "red"})
	add(board.KindLink, map[string]any{"from": a, "to": b})
	add(board.KindLink, map[string]any{"from": a, "to": "nowhere"})
	add(board.KindLink, map[string]any{"from": a, "to": a})
	add(board.KindLane, map[string]any{"order": "first"})
	add(board.KindEvent, map[string]any{"x": 10.0, "y": 10.0, "variant": 3.0, "lane": "missing"})
	add(board.KindGoal, map[string]any{"rank": math.NaN(), "title": nil})
	add("sticker", map[string]any{"x": 0.0, "y": 0.0})
	add(board.KindNote, nil)
	st.Votes["ghost"] = map[string]int{a: 3, "missing": 2}
	st.Participants["p"] = &board.Participant{ID: "p", Name: "Nils", Position: "astronaut", Role: "king"}
	c := checkPDF(t, render(t, st, options()), "unvalidated")
	c.wantText(t, "unvalidated", "Göteborg")
}
