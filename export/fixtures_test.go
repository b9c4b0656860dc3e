package export

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

var (
	goteborg = board.Municipality{Code: "1480", Name: "Göteborg"}
	strategy = &board.Strategy{ID: "s1", Municipality: "1480", Title: "Energi- och klimatstrategi", Revision: "2026"}
	workshop = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
)

func options() Options {
	return Options{Municipality: goteborg, Strategy: strategy, Facilitator: "Åsa Öberg", Date: workshop}
}

// builder makes a board through the domain's own validation, so every
// fixture is a board the server could hold.
type builder struct {
	t   testing.TB
	st  *board.State
	fac *board.Participant
	ops []board.Op
}

func newBuilder(t testing.TB, title, template string) *builder {
	st, err := board.NewBoard(board.Info{ID: uuid.NewString(), Title: title, Municipality: "1480", Strategy: "s1", Template: template}, 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	return &builder{t: t, st: st, fac: &board.Participant{ID: uuid.NewString(), Name: "Åsa Öberg", Role: board.RoleFacilitator}}
}

// add queues an object and returns its id.
func (b *builder) add(kind string, props map[string]any) string {
	id := uuid.NewString()
	b.ops = append(b.ops, board.Op{Op: board.OpCreate, ID: id, Kind: kind, Props: props})
	return id
}

// commit applies the queued ops in batches, as clients would send them.
func (b *builder) commit() {
	for len(b.ops) > 0 {
		n := min(len(b.ops), board.MaxOpsPerBatch)
		c, err := b.st.PrepareOps(b.fac, "batch", b.ops[:n], 1_700_000_000_000)
		if err != nil {
			b.t.Fatalf("fixture: %v", err)
		}
		b.st.Apply(c)
		b.ops = b.ops[n:]
	}
}

// person adds a participant.
func (b *builder) person(name, admin, position, role string) string {
	id := uuid.NewString()
	b.st.Participants[id] = &board.Participant{ID: id, Name: name, Administration: admin, Position: position, Role: role}
	return id
}

// vote places n dots from voter on target; the test sets the final tally
// directly instead of opening a session.
func (b *builder) vote(voter, target string, n int) {
	if b.st.Votes[voter] == nil {
		b.st.Votes[voter] = map[string]int{}
	}
	b.st.Votes[voter][target] += n
}

func (b *builder) lane(title string, order int) string {
	return b.add(board.KindLane, map[string]any{"title": title, "order": float64(order)})
}

func (b *builder) node(kind, lane, text string, x, y float64) string {
	p := map[string]any{"text": text, "x": x, "y": y}
	if lane != "" {
		p["lane"] = lane
	}
	if kind == board.KindEvent {
		p["variant"] = "start"
	}
	return b.add(kind, p)
}

func (b *builder) link(from, to, label string) string {
	p := map[string]any{"from": from, "to": to}
	if label != "" {
		p["label"] = label
	}
	return b.add(board.KindLink, p)
}

// exampleLanes are the lanes of the realistic example, in order.
var exampleLanes = []string{
	"Kommunstyrelsen",
	"Kommunledningskontoret",
	"Miljöförvaltningen",
	"Stadsbyggnadskontoret",
	"Fastighetskontoret",
	"Göteborg Energi AB",
}

// exampleGoals are its goal areas in the order the facilitator ranked them.
var exampleGoals = []string{
	"Energieffektiva kommunala lokaler",
	"Förnybar el och värme",
	"Hållbara transporter och resor",
	"Klimatsmart fysisk planering",
	"Upphandling med klimatkrav",
	"Delaktighet och samverkan",
	"Klimatanpassning av stadsmiljön",
}

// exampleBoard is a process map of how Göteborg revises its energy and
// climate strategy: lanes, steps, decisions, obstacles, arrows, ranked goal
// areas with votes and participants.
func exampleBoard(t testing.TB) *board.State {
	b := newBuilder(t, "Målworkshop", board.TemplateBlank)
	lh := board.LaneHeight
	var lanes []string
	for i, t := range exampleLanes {
		lanes = append(lanes, b.lane(t, i))
	}
	colors := []string{"#dbeafe", "#dcfce7", "#fef9c3", "#fce7f3", "#e0e7ff", "#ffedd5"}
	for i, id := range lanes {
		b.ops[i].Props["color"] = colors[i]
		_ = id
	}
	cy := func(lane int, h float64) float64 { return float64(lane)*lh + (lh-h)/2 }
	start := b.add(board.KindEvent, map[string]any{"text": "Uppdrag om ny strategi", "variant": "start", "lane": lanes[0], "x": 240.0, "y": lh / 2})
	s1 := b.add(board.KindStep, map[string]any{"text": "Nulägesanalys: energianvändning och utsläpp per sektor", "lane": lanes[2], "x": 360.0, "y": cy(2, 90), "w": 180.0, "h": 90.0})
	s2 := b.add(board.KindStep, map[string]any{"text": "Inventera kommunens lokaler och energiavtal", "lane": lanes[4], "x": 360.0, "y": cy(4, 80)})
	s3 := b.add(board.KindStep, map[string]any{"text": "Samla förvaltningar och bolag till målworkshop", "lane": lanes[1], "x": 660.0, "y": cy(1, 80)})
	s4 := b.add(board.KindStep, map[string]any{"text": "Ta fram förslag till mål och åtgärder", "lane": lanes[1], "x": 920.0, "y": cy(1, 80), "color": "#e0f2fe"})
	s5 := b.add(board.KindStep, map[string]any{"text": "Översiktsplanens energikapitel stäms av", "lane": lanes[3], "x": 660.0, "y": cy(3, 80)})
	s6 := b.add(board.KindStep, map[string]any{"text": "Plan för solceller och fjärrvärme i egna fastigheter", "lane": lanes[5], "x": 920.0, "y": cy(5, 90), "w": 180.0, "h": 90.0})
	d1 := b.add(board.KindDecision, map[string]any{"text": "Räcker underlaget för remiss?", "lane": lanes[1], "x": 1200.0, "y": cy(1, 100)})
	s7 := b.add(board.KindStep, map[string]any{"text": "Remiss till nämnder och bolag", "lane": lanes[1], "x": 1440.0, "y": cy(1, 80)})
	s8 := b.add(board.KindStep, map[string]any{"text": "Komplettera med data om transporter", "lane": lanes[2], "x": 1200.0, "y": cy(2, 80)})
	s9 := b.add(board.KindStep, map[string]any{"text": "Sammanställ remissvar och revidera", "lane": lanes[1], "x": 1700.0, "y": cy(1, 80)})
	d2 := b.add(board.KindDecision, map[string]any{"text": "Antas i kommunfullmäktige?", "lane": lanes[0], "x": 1960.0, "y": cy(0, 100)})
	end := b.add(board.KindEvent, map[string]any{"text": "Strategin antagen", "variant": "end", "lane": lanes[0], "x": 2300.0, "y": lh / 2})
	s10 := b.add(board.KindStep, map[string]any{"text": "Årlig uppföljning med nyckeltal", "lane": lanes[2], "x": 2200.0, "y": cy(2, 80)})

	b.link(start, s1, "uppdrag")
	b.link(start, s2, "")
	b.link(s1, s3, "")
	b.link(s2, s3, "")
	b.link(s3, s4, "workshop")
	b.link(s4, s5, "samråd")
	b.link(s4, s6, "")
	b.link(s4, d1, "")
	b.link(d1, s7, "ja")
	b.link(d1, s8, "nej")
	b.link(s8, s4, "komplettering")
	b.link(s7, s9, "svar")
	b.link(s9, d2, "")
	b.link(d2, end, "ja")
	b.link(d2, s9, "återremiss")
	b.link(end, s10, "")

	notes := []struct {
		text  string
		lane  int
		x     float64
		color string
	}{
		{"Hinder: energidata per byggnad saknas för en tredjedel av lokalerna", 4, 600, "#fecaca"},
		{"Hinder: otydligt vem som äger uppföljningen av målen", 1, 1960, "#fecaca"},
		{"Idé: gemensam klimatbudget för alla nämnder", 0, 660, "#fef08a"},
		{"Fråga: hur räknar vi utsläpp från upphandlade transporter?", 2, 1460, "#bfdbfe"},
		{"Hinder: detaljplaner tar inte hänsyn till solenergi", 3, 1200, "#fecaca"},
		{"Idé: solceller på alla nya skolor och förskolor", 5, 1200, "#fef08a"},
		{"Bolagens mål måste stämmas av med ägardirektiven", 5, 1480, "#fef08a"},
		{"Hinder: begränsad kapacitet i elnätet vid nya laddplatser", 3, 1520, "#fecaca"},
		{"Idé: café för medborgardialog om klimatet", 0, 1200, "#bbf7d0"},
	}
	var noteIDs []string
	for _, n := range notes {
		noteIDs = append(noteIDs, b.add(board.KindNote, map[string]any{"text": n.text, "x": n.x, "y": float64(n.lane)*lh + 40, "w": 200.0, "h": 120.0, "color": n.color}))
	}
	outside := b.add(board.KindNote, map[string]any{"text": "Parkering: ta upp klimatanpassning i en egen workshop", "x": 2200.0, "y": 1300.0, "color": "#e9d5ff"})

	details := []struct{ desc, target, indicator, owner string }{
		{"Minska energianvändningen i kommunens egna lokaler genom energieffektivisering och bättre styrning.", "−30 % energi per m² till 2030 jämfört med 2020", "kWh/m² Atemp och år", "Fastighetskontoret"},
		{"All el och värme som kommunkoncernen köper ska vara förnybar eller återvunnen.", "100 % förnybart 2030", "Andel förnybar energi", "Göteborg Energi AB"},
		{"Fler resor med kollektivtrafik, cykel och gång; fossilfri kommunal fordonsflotta.", "Fossilfria tjänstebilar 2028", "Andel fossilfria fordon", "Stadsbyggnadskontoret"},
		{"Planera för täta, blandade stadsdelar med korta avstånd.", "Alla nya detaljplaner klimatbedöms", "Andel klimatbedömda planer", "Stadsbyggnadskontoret"},
		{"Ställ klimatkrav i upphandlingar av bygg, livsmedel och transporter.", "Klimatkrav i 90 % av upphandlingarna", "Andel upphandlingar med krav", "Kommunledningskontoret"},
		{"Göteborgare, företag och föreningar deltar i arbetet.", "", "", "Kommunledningskontoret"},
		{"Staden tål skyfall och värmeböljor.", "", "", "Miljöförvaltningen"},
	}
	var goalIDs []string
	for i, g := range exampleGoals {
		p := map[string]any{"title": g, "description": details[i].desc, "owner": details[i].owner,
			"x": 50.0 + float64(i)*300, "y": 1330.0, "w": 280.0, "h": 140.0}
		if details[i].target != "" {
			p["target"] = details[i].target
			p["indicator"] = details[i].indicator
		}
		if i < 5 {
			p["rank"] = float64(i + 1)
		}
		goalIDs = append(goalIDs, b.add(board.KindGoal, p))
	}
	b.add(board.KindFrame, map[string]any{"title": "Målområden (prioriterade av processledaren)", "x": 30.0, "y": 1260.0, "w": 2130.0, "h": 240.0})
	b.commit()

	people := []struct{ name, admin, pos string }{
		{"Anna Lindqvist", "Kommunstyrelsen", board.PositionPolitician},
		{"Björn Åkesson", "Kommunstyrelsen", board.PositionPolitician},
		{"Cecilia Ekström", "Kommunledningskontoret", board.PositionManager},
		{"David Nyström", "Kommunledningskontoret", board.PositionOfficial},
		{"Elin Öhman", "Miljöförvaltningen", board.PositionOfficial},
		{"Fredrik Hägg", "Miljöförvaltningen", board.PositionManager},
		{"Gunilla Sjöberg", "Stadsbyggnadskontoret", board.PositionOfficial},
		{"Hanna Järvinen", "Stadsbyggnadskontoret", board.PositionOfficial},
		{"Ismail Karimi", "Fastighetskontoret", board.PositionOfficial},
		{"Johanna Bäck", "Fastighetskontoret", board.PositionManager},
		{"Karl-Erik Ström", "Göteborg Energi AB", board.PositionOther},
		{"Linnéa Falk", "", board.PositionOther},
	}
	var voters []string
	for _, p := range people {
		voters = append(voters, b.person(p.name, p.admin, p.pos, board.RoleParticipant))
	}
	b.person("Åsa Öberg", "Kommunledningskontoret", board.PositionOfficial, board.RoleFacilitator)
	b.person("Projektor sal 3", "", board.PositionOther, board.RoleObserver)
	rng := rand.New(rand.NewPCG(1, 2))
	for i, v := range voters {
		b.vote(v, goalIDs[i%len(goalIDs)], 1)
		b.vote(v, goalIDs[rng.IntN(3)], 1)
		b.vote(v, noteIDs[rng.IntN(len(noteIDs))], 1)
	}
	b.vote(voters[0], outside, 1)
	b.st.Settings.Phase = "Klart"
	return b.st
}

// swedish is text with å, ä, ö and é for the large board.
var swedishWords = []string{"energiförsörjning", "värmepumpar", "återvinning", "fjärrvärme", "solceller", "elnät", "kommunförvaltning",
	"idé", "miljöförvaltningen", "åtgärd", "mål", "näringsliv", "översiktsplan", "byggnader", "laddinfrastruktur", "skärgård",
	"klimatanpassning", "hållbarhet", "café", "förnybar", "ägardirektiv", "upphandling", "björkskog", "kväveoxider"}

func swedishText(rng *rand.Rand, words int) string {
	s := ""
	for i := 0; i < words; i++ {
		if i > 0 {
			s += " "
		}
		s += swedishWords[rng.IntN(len(swedishWords))]
	}
	return s
}

// largeLanes are the lanes of the large board.
var largeLanes = []string{"Kommunstyrelsen", "Kommunledningskontoret", "Miljöförvaltningen", "Stadsbyggnadsförvaltningen",
	"Fastighetsförvaltningen", "Tekniska förvaltningen", "Förskoleförvaltningen", "Äldreförvaltningen"}

// largeBoard has 300 objects: 8 lanes, 30 goal areas (ranked in reverse
// creation order), 40 arrows, and steps, decisions, events, notes and
// frames spread over 4,800 × 1,600 board pixels, so the map is tiled.
func largeBoard(t testing.TB) (*board.State, []string) {
	b := newBuilder(t, "Stor workshop om åtgärder för energi och klimat", board.TemplateBlank)
	rng := rand.New(rand.NewPCG(7, 11))
	var lanes []string
	for i, l := range largeLanes {
		lanes = append(lanes, b.lane(l, i))
	}
	var nodes []string
	pos := func(i int) (float64, float64) { // a grid cell per node
		return 200 + float64(i%24)*195, float64((i/24)%8)*board.LaneHeight + 50
	}
	i := 0
	for ; i < 120; i++ {
		x, y := pos(i)
		nodes = append(nodes, b.node(board.KindStep, lanes[int(y/board.LaneHeight)], fmt.Sprintf("Steg %d: %s", i+1, swedishText(rng, 3+rng.IntN(6))), x, y))
	}
	for ; i < 150; i++ {
		x, y := pos(i)
		nodes = append(nodes, b.add(board.KindDecision, map[string]any{"text": "Beslut: " + swedishText(rng, 2) + "?", "x": x, "y": y - 10, "lane": lanes[int(y/board.LaneHeight)]}))
	}
	for ; i < 162; i++ {
		x, y := pos(i)
		v := "start"
		if i%2 == 1 {
			v = "end"
		}
		nodes = append(nodes, b.add(board.KindEvent, map[string]any{"text": "Händelse " + swedishText(rng, 1), "variant": v, "x": x + 60, "y": y + 30}))
	}
	for ; i < 212; i++ {
		x, y := pos(i)
		nodes = append(nodes, b.add(board.KindNote, map[string]any{"text": "Hinder: " + swedishText(rng, 4+rng.IntN(12)), "x": x + 10, "y": y + 10, "color": "#fde68a"}))
	}
	for f := 0; f < 10; f++ {
		b.add(board.KindFrame, map[string]any{"title": "Område " + swedishText(rng, 1), "x": float64(f%5) * 960, "y": float64(f/5)*800 + 1700, "w": 900.0, "h": 700.0})
	}
	var goals []string
	for g := 0; g < 30; g++ {
		title := fmt.Sprintf("Målområde %02d – %s", g+1, swedishText(rng, 2))
		goals = append(goals, title)
		b.add(board.KindGoal, map[string]any{"title": title, "description": swedishText(rng, 10+rng.IntN(30)),
			"target": swedishText(rng, 4), "indicator": swedishText(rng, 3), "owner": largeLanes[g%len(largeLanes)],
			"rank": float64(30 - g), "x": float64(g%10)*460 + 20, "y": float64(g/10)*150 + 3350, "w": 420.0, "h": 130.0})
	}
	for l := 0; l < 40; l++ {
		from, to := nodes[rng.IntN(len(nodes))], nodes[rng.IntN(len(nodes))]
		for to == from {
			to = nodes[rng.IntN(len(nodes))]
		}
		b.link(from, to, swedishText(rng, rng.IntN(2)))
	}
	b.commit()
	if n := len(b.st.Objects); n != 300 {
		t.Fatalf("large board has %d objects, want 300", n)
	}
	for p := 0; p < 40; p++ {
		b.person(fmt.Sprintf("Deltagare %d Åström", p), largeLanes[p%len(largeLanes)], board.Positions[p%4], board.RoleParticipant)
	}
	// The ranking is the reverse of creation order.
	ranked := make([]string, len(goals))
	for g, title := range goals {
		ranked[29-g] = title
	}
	return b.st, ranked
}
