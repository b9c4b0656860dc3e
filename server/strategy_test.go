package server_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

type revisionJSON struct {
	ID, Municipality, Title, Revision string
	Boards                            []struct {
		ID, Title, Template string
		From                *string
		People, Goals       int
		Actions             int
	}
	GoalsFrom *string
	Goals     []struct {
		ID, Title, Board string
		Rank             float64
	}
	Actions []struct {
		ID, Title, Goal, GoalTitle, Board, Owner, Responsible, Due, Status string
	}
	ActionsByStatus struct{ Planned, Ongoing, Done int }
	Participation   struct {
		Workshops, People int
		ByPosition        map[string]int
		ByAdministration  map[string]int
	}
	Exports []board.Export
}

func createOp(kind string, props map[string]any) board.Op {
	return board.Op{Op: board.OpCreate, ID: uuid.NewString(), Kind: kind, Props: props}
}

// TestStrategySeries runs a revision over REST and websockets: a goal
// workshop ranks its goals, the next workshop continues it, participants
// add actions, the organizer changes one from the revision page's API and
// the board sees it live, and the summaries, CSVs, events, the cluster
// overview and the revision report all agree.
func TestStrategySeries(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	a := n.api
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.Do(ctx, "POST", "/api/municipalities", testKey, map[string]string{"code": "1480", "cluster": "Väst"}, nil))
	must(a.Do(ctx, "POST", "/api/municipalities", testKey, map[string]string{"code": "1402", "cluster": "Väst"}, nil))
	must(a.Do(ctx, "POST", "/api/municipalities", testKey, map[string]string{"code": "0180"}, nil))
	var strat struct{ ID string }
	must(a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &strat))

	var goalsB client.BoardCreated
	must(a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "Målworkshop", "municipality": "1480", "strategy": strat.ID, "template": "goal-workshop"}, &goalsB))
	var snap struct{ Objects []board.Object }
	must(a.Do(ctx, "GET", "/api/boards/"+goalsB.ID, goalsB.FacilitatorToken, nil, &snap))
	// The facilitator ranks the goals in reverse over REST.
	var ranks []board.Op
	titles := map[float64]string{}
	for _, o := range snap.Objects {
		if o.Kind == board.KindGoal {
			r := 7 - o.Num("rank")
			titles[r] = o.Text("title")
			ranks = append(ranks, board.Op{Op: board.OpUpdate, ID: o.ID, Props: map[string]any{"rank": r}})
		}
	}
	var applied struct {
		Seq uint64
		Ops []board.Op
	}
	must(a.Do(ctx, "POST", "/api/boards/"+goalsB.ID+"/ops", goalsB.FacilitatorToken, map[string]any{"id": "rank", "ops": ranks}, &applied))
	if applied.Seq == 0 || len(applied.Ops) != 6 {
		t.Fatalf("ops over REST: %+v", applied)
	}

	// Continue it: the next board starts with the ranked goals.
	bad := map[string]any{
		uuid.NewString(): http.StatusNotFound,
		"not-an-id":      http.StatusBadRequest,
	}
	for from, status := range bad {
		err := a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "x", "municipality": "1480", "from": from}, nil)
		var e *client.APIError
		if !errorsAs(err, &e) || e.Status != status.(int) || e.Message == "" {
			t.Fatalf("from %q: %v, want %d", from, err, status)
		}
	}
	err := a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "x", "municipality": "0180", "from": goalsB.ID}, nil)
	apiErr(t, err, http.StatusBadRequest, "invalid")
	var actB client.BoardCreated
	must(a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "Åtgärdsworkshop", "municipality": "1480", "template": "process-map", "from": goalsB.ID}, &actB))
	if actB.Strategy == nil || *actB.Strategy != strat.ID {
		t.Fatalf("a continued board is not in its predecessor's strategy: %+v", actB)
	}
	var actSnap struct {
		From    struct{ ID, Title string }
		Objects []board.Object
	}
	must(a.Do(ctx, "GET", "/api/boards/"+actB.ID, actB.FacilitatorToken, nil, &actSnap))
	if actSnap.From.ID != goalsB.ID || actSnap.From.Title != "Målworkshop" {
		t.Fatalf("from of the continued board: %+v", actSnap.From)
	}
	goalID := map[string]string{}
	for _, o := range actSnap.Objects {
		if o.Kind == board.KindGoal {
			goalID[o.Text("title")] = o.ID
		}
	}
	if len(goalID) != 6 {
		t.Fatalf("the continued board has %d goals", len(goalID))
	}

	// Two participants add actions to two goals; the facilitator watches.
	fac := dial(t, n, actB.ID, actB.FacilitatorToken)
	per, err := a.Join(ctx, actB.JoinCode, "Per", "Tekniska förvaltningen", "politician")
	must(err)
	eva, err := a.Join(ctx, actB.JoinCode, "Eva", "Miljöförvaltningen", "official")
	must(err)
	first, second := titles[1], titles[2]
	a1 := createOp(board.KindAction, map[string]any{"title": "Laddstolpar vid förvaltningarna", "goal": goalID[first], "owner": "Tekniska förvaltningen",
		"responsible": "Fordonssamordnare", "due": "2027-03-31", "status": "planned", "x": 0.0, "y": 1400.0})
	a2 := createOp(board.KindAction, map[string]any{"title": "Energikartläggning av skolor", "goal": goalID[second], "owner": "Fastighetskontoret",
		"responsible": "Energistrateg", "due": "2026-11-30", "x": 420.0, "y": 1400.0})
	must(a.Do(ctx, "POST", "/api/boards/"+actB.ID+"/ops", per.Token, map[string]any{"ops": []board.Op{a1}}, nil))
	must(a.Do(ctx, "POST", "/api/boards/"+actB.ID+"/ops", eva.Token, map[string]any{"ops": []board.Op{a2}}, nil))

	// Bad actions are refused with a clear message and change nothing.
	rejects := []struct {
		props map[string]any
		want  string
	}{
		{map[string]any{"due": "2027-02-30"}, "real date"},
		{map[string]any{"status": "klar"}, `"planned", "ongoing" or "done"`},
		{map[string]any{"goal": uuid.NewString()}, "not a goal on this board"},
	}
	for _, r := range rejects {
		err := a.Do(ctx, "POST", "/api/boards/"+actB.ID+"/ops", per.Token, map[string]any{"ops": []board.Op{{Op: board.OpUpdate, ID: a1.ID, Props: r.props}}}, nil)
		var e *client.APIError
		if !errorsAs(err, &e) || e.Status != http.StatusBadRequest || e.Code != "invalid" || !strings.Contains(e.Message, r.want) {
			t.Fatalf("update %v: %v, want 400 with %q", r.props, err, r.want)
		}
	}
	err = a.Do(ctx, "POST", "/api/boards/"+actB.ID+"/ops", "", map[string]any{"ops": []board.Op{a1}}, nil)
	apiErr(t, err, http.StatusUnauthorized, "unauthorized")

	// The revision page's summary.
	var rev revisionJSON
	must(a.Do(ctx, "GET", "/api/strategies/"+strat.ID, testKey, nil, &rev))
	if len(rev.Boards) != 2 || rev.Boards[1].From == nil || *rev.Boards[1].From != goalsB.ID || rev.GoalsFrom == nil || *rev.GoalsFrom != actB.ID {
		t.Fatalf("revision boards: %+v", rev.Boards)
	}
	if len(rev.Goals) != 6 || rev.Goals[0].Title != first || rev.Goals[1].Title != second {
		t.Fatalf("revision goals not ranked: %+v", rev.Goals)
	}
	if len(rev.Actions) != 2 || rev.Actions[0].GoalTitle != first || rev.Actions[1].GoalTitle != second ||
		rev.Actions[0].Owner != "Tekniska förvaltningen" || rev.Actions[1].Status != "planned" || rev.ActionsByStatus.Planned != 2 {
		t.Fatalf("revision actions: %+v", rev.Actions)
	}
	p := rev.Participation
	if p.Workshops != 2 || p.People != 4 || p.ByPosition["politician"] != 1 || p.ByAdministration["Miljöförvaltningen"] != 1 {
		t.Fatalf("participation: %+v", p)
	}
	raw := getRaw(t, n, "/api/strategies/"+strat.ID, "application/json")
	if strings.Contains(raw, "Per") || strings.Contains(raw, "Eva") || strings.Contains(raw, "Processledare") {
		t.Fatalf("the strategy names a person: %s", raw)
	}

	// Live: the page follows the boards, and a change made there reaches
	// the board's sockets.
	events := openEvents(t, n, strat.ID)
	must(a.Do(ctx, "POST", "/api/boards/"+actB.ID+"/ops", testKey, map[string]any{"ops": []board.Op{{Op: board.OpUpdate, ID: a1.ID, Props: map[string]any{"status": "ongoing"}}}}, &applied))
	must(fac.WaitSeq(ctx, applied.Seq))
	if o := fac.Objects()[a1.ID]; o.Text("status") != "ongoing" {
		t.Fatalf("the board did not get the page's change: %v", o.Props)
	}
	events.want(t, actB.ID, applied.Seq)
	// A move changes nothing the page shows: no event for it; the next
	// status change comes through.
	_, err = fac.Ops(ctx, board.Op{Op: board.OpUpdate, ID: a2.ID, Props: map[string]any{"x": 500.0}})
	must(err)
	seq, err := fac.Ops(ctx, board.Op{Op: board.OpUpdate, ID: a2.ID, Props: map[string]any{"status": "done"}})
	must(err)
	events.want(t, actB.ID, seq)
	must(a.Do(ctx, "GET", "/api/strategies/"+strat.ID, testKey, nil, &rev))
	if rev.Actions[0].Status != "ongoing" || rev.Actions[1].Status != "done" {
		t.Fatalf("statuses after live changes: %+v", rev.Actions)
	}

	// The CSV of actions.
	rows := csvRows(t, getRaw(t, n, "/api/strategies/"+strat.ID, "text/csv"))
	if len(rows) != 3 || rows[1][0] != first || rows[1][2] != "Laddstolpar vid förvaltningarna" || rows[1][6] != "2027-03-31" || rows[1][7] != "Pågår" {
		t.Fatalf("actions CSV: %q", rows)
	}

	// The cluster overview: counts only.
	var cl struct {
		Name           string
		Municipalities []struct {
			Code, Name string
			Strategies []struct {
				ID               string
				Workshops, Goals int
				Exports          int
				LastWorkshopAt   *string
				Actions          struct{ Planned, Ongoing, Done int }
			}
		}
	}
	must(a.Do(ctx, "GET", "/api/clusters/Väst", testKey, nil, &cl))
	if len(cl.Municipalities) != 2 || cl.Municipalities[0].Code != "1402" || len(cl.Municipalities[0].Strategies) != 0 {
		t.Fatalf("cluster: %+v", cl)
	}
	got := cl.Municipalities[1].Strategies
	if len(got) != 1 || got[0].Workshops != 2 || got[0].Goals != 6 || got[0].Actions.Ongoing != 1 || got[0].Actions.Done != 1 || got[0].LastWorkshopAt == nil {
		t.Fatalf("cluster row: %+v", got)
	}
	rows = csvRows(t, getRaw(t, n, "/api/clusters/V%C3%A4st", "text/csv"))
	if len(rows) != 2 || rows[1][0] != "1480" || rows[1][4] != "2" || rows[1][6] != "6" || rows[1][8] != "1" || rows[1][9] != "1" {
		t.Fatalf("cluster CSV: %q", rows)
	}
	apiErr(t, a.Do(ctx, "GET", "/api/clusters/Norr", testKey, nil, nil), http.StatusNotFound, "not_found")
	apiErr(t, a.Do(ctx, "GET", "/api/strategies/"+uuid.NewString(), testKey, nil, nil), http.StatusNotFound, "not_found")
	apiErr(t, a.Do(ctx, "GET", "/api/strategies/"+strat.ID, per.Token, nil, nil), http.StatusUnauthorized, "unauthorized")

	// The revision report.
	var e board.Export
	must(a.Do(ctx, "POST", "/api/strategies/"+strat.ID+"/exports", testKey, nil, &e))
	if e.Strategy != strat.ID || e.Bytes == 0 || !strings.HasSuffix(e.FileName, ".pdf") {
		t.Fatalf("export: %+v", e)
	}
	text := pdfText(t, n, e.ID)
	last := -1
	for i := 1; i <= 6; i++ {
		at := strings.Index(text, titles[float64(i)])
		if at < 0 || at < last {
			t.Fatalf("goal %d %q not in rank order in the report:\n%s", i, titles[float64(i)], text)
		}
		last = at
	}
	for _, s := range []string{"Laddstolpar vid förvaltningarna", "Tekniska förvaltningen", "2027-03-31", "Energikartläggning av skolor", "Fastighetskontoret", "2026-11-30", "Målworkshop", "Åtgärdsworkshop"} {
		if !strings.Contains(text, s) {
			t.Fatalf("the report lacks %q", s)
		}
	}
	if strings.Contains(text, "Per") && strings.Contains(text, "Eva") {
		t.Fatal("the report names participants")
	}
	must(a.Do(ctx, "GET", "/api/strategies/"+strat.ID, testKey, nil, &rev))
	if len(rev.Exports) != 1 || rev.Exports[0].ID != e.ID {
		t.Fatalf("the report is not listed with the strategy: %+v", rev.Exports)
	}
}

func errorsAs(err error, e **client.APIError) bool { return errors.As(err, e) }

func getRaw(t *testing.T, n *node, path, accept string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", n.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

func csvRows(t *testing.T, s string) [][]string {
	t.Helper()
	s = strings.TrimPrefix(s, "\ufeff")
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func pdfText(t *testing.T, n *node, exportID string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", n.URL()+"/api/exports/"+exportID+"/pdf", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	pdf, _ := io.ReadAll(res.Body)
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Table cells wrap: compare words, not lines.
	return strings.Join(strings.Fields(string(out)), " ")
}

type eventStream struct {
	lines chan string
}

func openEvents(t *testing.T, n *node, strategyID string) *eventStream {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxT(t), "GET", n.URL()+"/api/strategies/"+strategyID+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	es := &eventStream{lines: make(chan string, 100)}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				es.lines <- d
			}
		}
		close(es.lines)
	}()
	return es
}

// want waits for the event of board's change seq; events of other
// changes before it fail the test, as the stream sends only changes the
// page shows.
func (es *eventStream) want(t *testing.T, boardID string, seq uint64) {
	t.Helper()
	ctx := ctxT(t)
	wantLine := `{"board":"` + boardID + `","seq":` + strconv.FormatUint(seq, 10) + `}`
	select {
	case l, ok := <-es.lines:
		if !ok || l != wantLine {
			t.Fatalf("event %q, want %q", l, wantLine)
		}
	case <-ctx.Done():
		t.Fatalf("no event for seq %d", seq)
	}
}
