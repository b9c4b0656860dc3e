package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// workshop is a municipality with a strategy revision and two boards, one
// of them holding a realistic process map, as a process leader would have
// them in the middle of a workshop.
type workshop struct {
	Municipality string
	Strategy     string // the revision both boards belong to
	BoardID      string // the process map
	JoinCode     string
	Facilitator  string // the facilitator's token
	Objects      int    // objects on the process map
	peers        []*client.Client
	presence     []presence // of each peer
}

// presence is what a peer shows: cursor, selection, what they edit.
type presence struct {
	cursor    [2]float64
	selection []string
	editing   string
}

// showPeers has the connected participants send their presence. The
// server gives a client that connects no presence of those already there,
// only changes, so this is sent after a browser has connected.
func (w *workshop) showPeers(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, c := range w.peers {
		p := w.presence[i]
		if err := c.Presence(ctx, &p.cursor, p.selection, p.editing); err != nil {
			t.Fatal(err)
		}
	}
}

const mapTitle = "Energi- och klimatstrategi – processkarta"

// newWorkshop sets up Växjö with its strategy, a goal workshop board and the
// process map "Energi- och klimatstrategi – processkarta": the template's
// five administrations as lanes, steps, decisions, obstacles and ideas on
// notes, labelled arrows and the strategy's goals. Four participants have
// joined; with cursors set, two of them are connected and show their
// pointers (one is editing a note).
func newWorkshop(t testing.TB, s *testServer, cursors bool) *workshop {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api := s.api
	const muni = "0780" // Växjö
	if err := api.Do(ctx, "POST", "/api/municipalities", api.Key, map[string]string{"code": muni, "cluster": "Kronoberg"}, nil); err != nil {
		t.Fatal(err)
	}
	var strat struct{ ID string }
	if err := api.Do(ctx, "POST", "/api/municipalities/"+muni+"/strategies", api.Key,
		map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &strat); err != nil {
		t.Fatal(err)
	}
	newBoard := func(title, template string) client.BoardCreated {
		var b client.BoardCreated
		err := api.Do(ctx, "POST", "/api/boards", api.Key, map[string]any{
			"title": title, "municipality": muni, "strategy": strat.ID, "template": template,
			"facilitator": map[string]string{"name": "Karin Berg", "administration": "Kommunledningskontoret", "position": "official"},
		}, &b)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	newBoard("Målworkshop – prioritera målområden", board.TemplateGoalWorkshop)
	time.Sleep(10 * time.Millisecond) // a later creation time: listed first
	bd := newBoard(mapTitle, board.TemplateProcessMap)
	w := &workshop{Municipality: muni, Strategy: strat.ID, BoardID: bd.ID, JoinCode: bd.JoinCode, Facilitator: bd.FacilitatorToken}

	fac, err := client.Dial(ctx, s.URL(), bd.ID, bd.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	lanes := map[string]string{} // title → id
	var start, end string
	for id, o := range fac.Objects() {
		switch {
		case o.Kind == board.KindLane:
			lanes[o.Text("title")] = id
		case o.Kind == board.KindEvent && o.Text("variant") == "start":
			start = id
		case o.Kind == board.KindEvent:
			end = id
		}
	}
	klk, sbf, fsk, mf, tf := lanes["Kommunledningskontoret"], lanes["Samhällsbyggnadsförvaltningen"],
		lanes["Fastighetskontoret"], lanes["Miljöförvaltningen"], lanes["Tekniska förvaltningen"]
	if klk == "" || sbf == "" || fsk == "" || mf == "" || tf == "" || start == "" || end == "" {
		t.Fatalf("the process-map template changed: lanes %v", lanes)
	}

	var ops []board.Op
	z := 0
	add := func(kind string, props map[string]any) string {
		id := uuid.NewString()
		if kind != board.KindLink && kind != board.KindGoal {
			z++
			props["z"] = string(rune('A' + z))
		}
		ops = append(ops, board.Op{Op: board.OpCreate, ID: id, Kind: kind, Props: props})
		return id
	}
	// A step or decision centred in its lane at column x (its left edge).
	laneY := map[string]float64{klk: 0, sbf: 200, fsk: 400, mf: 600, tf: 800}
	step := func(lane string, x float64, text string) string {
		return add(board.KindStep, map[string]any{"x": x, "y": laneY[lane] + 60, "w": 160.0, "h": 80.0, "lane": lane, "text": text})
	}
	decision := func(lane string, x float64, text string) string {
		return add(board.KindDecision, map[string]any{"x": x, "y": laneY[lane] + 45, "w": 170.0, "h": 110.0, "lane": lane, "text": text})
	}
	note := func(x, y float64, color, text string) string {
		return add(board.KindNote, map[string]any{"x": x, "y": y, "w": 170.0, "h": 105.0, "color": color, "text": text})
	}
	link := func(from, to, label string) {
		p := map[string]any{"from": from, "to": to}
		if label != "" {
			p["label"] = label
		}
		add(board.KindLink, p)
	}
	const obstacle, idea = "#fbcfe8", "#bbf7d0"

	ops = append(ops,
		board.Op{Op: board.OpUpdate, ID: start, Props: map[string]any{"x": 240.0, "text": "Uppdrag från KS"}},
		board.Op{Op: board.OpUpdate, ID: end, Props: map[string]any{"x": 2330.0, "y": 100.0, "lane": klk, "text": "Strategin antagen"}})
	s1 := step(klk, 320, "Tillsätt styrgrupp och arbetsgrupp")
	s2 := step(mf, 520, "Sammanställ utsläpp och energidata")
	s3 := step(fsk, 760, "Energikartlägg kommunens lokaler")
	s5 := step(sbf, 760, "Ta fram mål för fysisk planering")
	s4 := step(tf, 1000, "Kartlägg fordon och tjänsteresor")
	s6 := step(klk, 1240, "Workshop: prioritera målområden")
	d1 := decision(klk, 1500, "Åtgärder förankrade i nämnderna?")
	s7 := step(mf, 1500, "Komplettera åtgärder med nämnderna")
	s8 := step(mf, 1800, "Skriv förslag till strategi")
	d2 := decision(klk, 2040, "Remissvar inarbetade?")
	link(start, s1, "")
	link(s1, s2, "uppdrag")
	link(s2, s3, "underlag")
	link(s2, s5, "")
	link(s2, s4, "underlag")
	link(s3, s6, "energidata")
	link(s5, s6, "planmål")
	link(s4, s6, "")
	link(s6, d1, "")
	link(d1, s7, "Nej")
	link(d1, s8, "Ja")
	link(s7, s8, "")
	link(s8, d2, "remiss")
	link(d2, end, "Ja")
	note(950, 430, obstacle, "Hinder: energidata saknas för 30 % av lokalerna")
	note(1190, 830, obstacle, "Hinder: resor bokas i tre olika system")
	note(1730, 210, obstacle, "Hinder: otydligt vem som äger åtgärderna")
	note(1990, 630, idea, "Idé: koppla åtgärderna till budgetprocessen")
	note(400, 220, idea, "Idé: bjud in de kommunala bolagen tidigt")
	goal := func(x float64, rank int, title, target, owner string) {
		add(board.KindGoal, map[string]any{"x": x, "y": 1060.0, "w": 360.0, "h": 120.0, "rank": float64(rank),
			"title": title, "target": target, "owner": owner})
	}
	goal(200, 1, "Fossilfri fordonsflotta", "100 % fossilfria drivmedel 2030", "Tekniska förvaltningen")
	goal(600, 2, "Energieffektiva lokaler", "−30 % energi per m² till 2030 jämfört med 2020", "Fastighetskontoret")
	goal(1000, 3, "Förnybar el i egen produktion", "10 GWh solel per år 2030", "Fastighetskontoret")
	goal(1400, 4, "Klimatsmart planering", "Nya områden nära kollektivtrafik", "Samhällsbyggnadsförvaltningen")
	if _, err := fac.Ops(ctx, ops...); err != nil {
		t.Fatalf("populating the process map: %v", err)
	}
	if _, err := fac.Settings(ctx, map[string]any{"phase": "Hinder", "timer": map[string]any{"seconds": 15 * 60, "start": true}}); err != nil {
		t.Fatal(err)
	}
	w.Objects = len(fac.Objects())

	people := []struct{ name, adm, pos string }{
		{"Anna Lindqvist", "Miljöförvaltningen", "official"},
		{"Erik Johansson", "Tekniska förvaltningen", "manager"},
		{"Lena Ek", "Kommunstyrelsen", "politician"},
		{"Omar Haddad", "Fastighetskontoret", "official"},
	}
	for i, p := range people {
		j, err := api.Join(ctx, bd.JoinCode, p.name, p.adm, p.pos)
		if err != nil {
			t.Fatal(err)
		}
		if !cursors || i > 1 {
			continue
		}
		c, err := client.Dial(ctx, s.URL(), bd.ID, j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.peers = append(w.peers, c)
		t.Cleanup(c.Drop)
	}
	if cursors {
		// Anna points at the obstacle on the lokaler and is writing on it;
		// Erik looks at his administration's step.
		notes := map[string]string{}
		for id, o := range fac.Objects() {
			if o.Kind == board.KindNote {
				notes[o.Text("text")] = id
			}
		}
		n := notes["Hinder: energidata saknas för 30 % av lokalerna"]
		w.presence = []presence{{[2]float64{1080, 520}, []string{n}, n}, {[2]float64{1150, 905}, []string{s4}, ""}}
	}
	return w
}
