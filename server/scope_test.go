package server_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// statusOf returns the status and error code of a call; 200 for success.
func statusOf(err error) (int, string) {
	if err == nil {
		return http.StatusOK, ""
	}
	var e *client.APIError
	if errors.As(err, &e) {
		return e.Status, e.Code
	}
	return 0, err.Error()
}

func want404(t *testing.T, what string, err error) {
	t.Helper()
	if st, code := statusOf(err); st != http.StatusNotFound || code != "not_found" {
		t.Errorf("%s: %d %s, want 404 not_found", what, st, code)
	}
}

// wsClose dials a board's websocket from b and returns the close code.
func wsClose(t *testing.T, b *browser, boardID, token string) websocket.StatusCode {
	t.Helper()
	c, err := b.dial(boardID, token)
	if err == nil {
		return closeCode(t, c)
	}
	var e *client.Error
	if errors.As(err, &e) {
		if n, ok := strings.CutPrefix(e.Code, "closed_"); ok {
			code, _ := strconv.Atoi(n)
			return websocket.StatusCode(code)
		}
	}
	t.Fatalf("dial: %v", err)
	return 0
}

// TestScopeLeaderSeesNothingOutside: a leader of Växjö gets 404, as for
// something that does not exist, for Kalmar's municipality, strategies,
// boards, exports and documents, by REST and websocket, and cannot
// facilitate a Kalmar board; its own municipality works.
func TestScopeLeaderSeesNothingOutside(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	l := w.leaderB
	k, ks := w.kalmar.ID, w.kalmarStrategy

	want404(t, "municipality", l.do("GET", "/api/municipalities/0880", nil, nil))
	want404(t, "strategies", l.do("GET", "/api/municipalities/0880/strategies", nil, nil))
	want404(t, "new strategy", l.do("POST", "/api/municipalities/0880/strategies", map[string]string{"title": "T", "revision": "2027"}, nil))
	want404(t, "board list", l.do("GET", "/api/boards?municipality=0880", nil, nil))
	want404(t, "board", l.do("GET", "/api/boards/"+k, nil, nil))
	want404(t, "document", l.do("GET", "/api/boards/"+k+"/document", nil, nil))
	want404(t, "new export", l.do("POST", "/api/boards/"+k+"/exports", nil, nil))
	want404(t, "export", l.do("GET", "/api/exports/"+w.kalmarExport, nil, nil))
	want404(t, "export pdf", l.do("GET", "/api/exports/"+w.kalmarExport+"/pdf", nil, nil))
	want404(t, "export html", l.do("GET", "/api/exports/"+w.kalmarExport+"/html", nil, nil))
	want404(t, "join code", l.do("POST", "/api/boards/"+k+"/join-code", nil, nil))
	want404(t, "remove participant", l.do("DELETE", "/api/boards/"+k+"/participants/"+w.kalmarParticipant.Participant.ID, nil, nil))
	want404(t, "facilitate", l.do("POST", "/api/boards/"+k+"/facilitate", map[string]string{"name": "Ledare"}, nil))
	want404(t, "new board", l.do("POST", "/api/boards", map[string]string{"title": "Intrång", "municipality": "0880"}, nil))
	want404(t, "new municipality", l.do("POST", "/api/municipalities", map[string]string{"code": "0881"}, nil))
	want404(t, "strategy", l.do("GET", "/api/strategies/"+ks, nil, nil))
	want404(t, "cluster", l.do("GET", "/api/clusters/Kalmar%20l%C3%A4n", nil, nil))
	if code := wsClose(t, l, k, ""); code != 4404 {
		t.Errorf("websocket to a Kalmar board: close %d, want 4404", code)
	}
	if code := wsClose(t, l, k, "not-a-token"); code != 4404 {
		t.Errorf("websocket to a Kalmar board with a wrong token: close %d, want 4404", code)
	}

	// Nothing of Kalmar was changed or created by those attempts.
	var boards []struct{ ID string }
	if err := w.n.api.Do(ctxT(t), "GET", "/api/boards?municipality=0880", testKey, nil, &boards); err != nil || len(boards) != 1 {
		t.Fatalf("Kalmar's boards after the attempts: %v %v", boards, err)
	}

	// Lists hold only Växjö.
	var munis []struct{ Code string }
	if err := l.do("GET", "/api/municipalities", nil, &munis); err != nil {
		t.Fatal(err)
	}
	if len(munis) != 1 || munis[0].Code != "0780" {
		t.Errorf("the leader's municipalities: %+v, want only 0780", munis)
	}
	if err := l.do("GET", "/api/boards", nil, &boards); err != nil || len(boards) != 1 || boards[0].ID != w.vaxjo.ID {
		t.Errorf("the leader's boards: %+v %v, want only Växjö's", boards, err)
	}

	// Växjö works: the board, its document, a new board, facilitating.
	if err := l.do("GET", "/api/boards/"+w.vaxjo.ID, nil, nil); err != nil {
		t.Errorf("own board: %v", err)
	}
	var own struct{ ID string }
	if err := w.n.api.Do(ctxT(t), "POST", "/api/boards/"+w.vaxjo.ID+"/exports", testKey, nil, &own); err != nil {
		t.Fatal(err)
	}
	if err := l.do("GET", "/api/exports/"+own.ID+"/html", nil, nil); err != nil {
		t.Errorf("own export's web page, signed in: %v", err)
	}
	if err := l.do("GET", "/api/boards/"+w.vaxjo.ID+"/document", nil, nil); err != nil {
		t.Errorf("own document: %v", err)
	}
	if err := l.do("POST", "/api/boards", map[string]string{"title": "Ny", "municipality": "0780"}, nil); err != nil {
		t.Errorf("own new board: %v", err)
	}
	var fac struct{ Token string }
	if err := l.do("POST", "/api/boards/"+w.vaxjo.ID+"/facilitate", map[string]string{"name": "Ledare"}, &fac); err != nil {
		t.Fatalf("facilitate own board: %v", err)
	}
	c, err := l.dial(w.vaxjo.ID, fac.Token)
	if err != nil {
		t.Fatalf("own board's websocket: %v", err)
	}
	if c.You().Role != "facilitator" {
		t.Fatalf("facilitating as %+v", c.You())
	}
	c.Drop()
	// In scope but without a token: the usual 4401, not 4404.
	if code := wsClose(t, l, w.vaxjo.ID, ""); code != 4401 {
		t.Errorf("own board's websocket without a token: close %d, want 4401", code)
	}
	// A participant's token of a Kalmar board works whoever is signed in:
	// anyone may join a workshop by its code.
	c, err = l.dial(k, w.kalmarParticipant.Token)
	if err != nil {
		t.Fatalf("a Kalmar participant's token from the leader's browser: %v", err)
	}
	c.Drop()
}

// TestScopeCoordinatorSeesTheCluster: a coordinator sees exactly the
// cluster's municipalities and their boards.
func TestScopeCoordinatorSeesTheCluster(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	c := w.coordB
	var munis []struct{ Code string }
	if err := c.do("GET", "/api/municipalities", nil, &munis); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, m := range munis {
		codes = append(codes, m.Code)
	}
	if !slices.Equal(codes, []string{"0764", "0780"}) {
		t.Fatalf("the coordinator's municipalities: %v, want 0764 and 0780", codes)
	}
	var boards []struct{ ID, Municipality string }
	if err := c.do("GET", "/api/boards", nil, &boards); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range boards {
		ids = append(ids, b.ID)
	}
	slices.Sort(ids)
	wantIDs := []string{w.vaxjo.ID, w.alvesta.ID}
	slices.Sort(wantIDs)
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("the coordinator's boards: %v, want %v", ids, wantIDs)
	}
	for _, id := range wantIDs {
		if err := c.do("GET", "/api/boards/"+id, nil, nil); err != nil {
			t.Errorf("cluster board %s: %v", id, err)
		}
	}
	want404(t, "Kalmar's board", c.do("GET", "/api/boards/"+w.kalmar.ID, nil, nil))
	want404(t, "Kalmar", c.do("GET", "/api/municipalities/0880", nil, nil))
	// A new municipality only into the coordinator's own cluster.
	want404(t, "a municipality outside the cluster", c.do("POST", "/api/municipalities", map[string]string{"code": "0765", "cluster": "Annat"}, nil))
	if err := c.do("POST", "/api/municipalities", map[string]string{"code": "0765", "cluster": "Kronoberg"}, nil); err != nil {
		t.Fatalf("a municipality into the cluster: %v", err)
	}
	// Admins see all three (and the one just added).
	if err := w.adminB.do("GET", "/api/municipalities", nil, &munis); err != nil || len(munis) != 4 {
		t.Fatalf("admin's municipalities: %v %v", munis, err)
	}
}

// TestScopeEveryOrganizerRoute walks the router: every route with a path
// parameter answers a leader of Växjö exactly as it answers for something
// that does not exist when the parameter names something of Kalmar's. A
// new endpoint whose parameters the scope rules do not know fails here.
func TestScopeEveryOrganizerRoute(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	const missing = "00000000-0000-4000-8000-000000000000"
	// What each parameter is set to: Kalmar's resource, and a missing one.
	subst := func(pattern, param string, kalmar bool) string {
		pick := func(a, b string) string {
			if kalmar {
				return a
			}
			return b
		}
		switch {
		case param == "code":
			return pick("0880", "0881")
		case param == "name":
			return pick("Kalmar%20l%C3%A4n", "Inget%20kluster")
		case param == "pid":
			return pick(w.kalmarParticipant.Participant.ID, missing)
		case strings.Contains(pattern, "/strategies/{id}") || strings.HasPrefix(pattern, "/s/"):
			return pick(w.kalmarStrategy, missing)
		case strings.HasPrefix(pattern, "/api/exports/"):
			return pick(w.kalmarExport, missing)
		case strings.HasPrefix(pattern, "/api/accounts/"):
			return pick(w.leader.ID, missing)
		}
		return pick(w.kalmar.ID, missing)
	}
	// Pages and routes for people without accounts answer by their own
	// rules; they are checked elsewhere.
	skip := map[string]bool{"/b/{id}": true, "/static/*": true}
	walked := 0
	err := chi.Walk(server.Routes(w.n.srv), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if skip[route] || !strings.Contains(route, "{") {
			return nil
		}
		walked++
		fill := func(kalmar bool) string {
			out := route
			for strings.Contains(out, "{") {
				i, j := strings.Index(out, "{"), strings.Index(out, "}")
				out = out[:i] + subst(route, out[i+1:j], kalmar) + out[j+1:]
			}
			return out
		}
		if strings.HasSuffix(route, "/ws") {
			if got, none := wsClose(t, w.leaderB, w.kalmar.ID, ""), wsClose(t, w.leaderB, missing, ""); got != 4404 || none != 4404 {
				t.Errorf("%s: close %d for Kalmar's board, %d for none; want 4404 both", route, got, none)
			}
			return nil
		}
		var body any
		if method != "GET" && method != "HEAD" {
			body = map[string]any{}
		}
		gotSt, gotCode := statusOf(w.leaderB.do(method, fill(true), body, nil))
		noneSt, noneCode := statusOf(w.leaderB.do(method, fill(false), body, nil))
		if gotSt != http.StatusNotFound || gotSt != noneSt || gotCode != noneCode {
			t.Errorf("%s %s: %d %s for Kalmar's, %d %s for a missing one; want the same 404", method, route, gotSt, gotCode, noneSt, noneCode)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if walked < 15 {
		t.Fatalf("walked only %d routes with parameters", walked)
	}
	// Kalmar's things are untouched.
	var doc struct {
		Participants []struct{ ID string }
	}
	if err := w.n.api.Do(ctxT(t), "GET", "/api/boards/"+w.kalmar.ID+"/document", testKey, nil, &doc); err != nil || len(doc.Participants) != 2 {
		t.Fatalf("Kalmar's board after the walk: %+v %v", doc, err)
	}
}
