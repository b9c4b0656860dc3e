package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/server/client"
)

func apiErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *client.APIError
	if !errors.As(err, &e) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if e.Status != status || e.Code != code {
		t.Fatalf("want %d %s, got %d %s (%s)", status, code, e.Status, e.Code, e.Message)
	}
	if e.Message == "" {
		t.Fatalf("error %s without a message", code)
	}
}

func TestRESTFlow(t *testing.T) {
	n := boltNode(t)
	ctx := ctxT(t)
	a := n.api

	var m map[string]any
	if err := a.Do(ctx, "POST", "/api/municipalities", testKey, map[string]string{"code": "1480", "cluster": "Västra Götaland"}, &m); err != nil {
		t.Fatal(err)
	}
	if m["name"] != "Göteborg" || m["county"] != "Västra Götalands län" || m["cluster"] != "Västra Götaland" {
		t.Fatalf("municipality: %v", m)
	}
	var st struct{ ID, Municipality, Title, Revision string }
	if err := a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
		t.Fatal(err)
	}
	if st.ID == "" || st.Municipality != "1480" {
		t.Fatalf("strategy: %+v", st)
	}
	var b client.BoardCreated
	if err := a.Do(ctx, "POST", "/api/boards", testKey, map[string]string{"title": "Målworkshop", "municipality": "1480", "strategy": st.ID, "template": "goal-workshop"}, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.JoinCode) != 6 || len(b.FacilitatorToken) < 32 || b.Strategy == nil || *b.Strategy != st.ID {
		t.Fatalf("board: %+v", b)
	}
	var list []map[string]any
	if err := a.Do(ctx, "GET", "/api/boards?municipality=1480", testKey, nil, &list); err != nil || len(list) != 1 {
		t.Fatalf("boards: %v %v", list, err)
	}
	if l := list[0]; l["strategyTitle"] != "Energi- och klimatstrategi" || l["revision"] != "2026" || l["template"] != "goal-workshop" ||
		l["phase"] == "" || l["participants"] != float64(1) || l["lastChangeAt"] == nil {
		t.Fatalf("board list item without strategy, phase, participants or last change: %v", l)
	}
	// The canvas hyphenates by the PDF's rules, served as they are.
	var rules struct{ Parts []string }
	if err := a.Do(ctx, "GET", "/api/hyphenation", "", nil, &rules); err != nil || len(rules.Parts) < 10 {
		t.Fatalf("hyphenation rules: %v %v", rules, err)
	}
	// A second strategy with the same title and revision is refused.
	dupErr := a.Do(ctx, "POST", "/api/municipalities/1480/strategies", testKey, map[string]string{"title": "energi- och  klimatstrategi", "revision": "2026"}, nil)
	apiErr(t, dupErr, http.StatusConflict, "conflict")
	var strategies []map[string]any
	if err := a.Do(ctx, "GET", "/api/municipalities/1480/strategies", testKey, nil, &strategies); err != nil || len(strategies) != 1 {
		t.Fatalf("strategies: %v %v", strategies, err)
	}
	if _, ok := strategies[0]["exports"].([]any); !ok {
		t.Fatalf("strategy without exports list: %v", strategies[0])
	}

	j, err := a.Join(ctx, strings.ToLower(b.JoinCode), "Anna Svensson", "Miljöförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	if j.Board.ID != b.ID || j.Participant.Role != "participant" || j.Token == "" {
		t.Fatalf("join: %+v", j)
	}
	var snap struct {
		ID           string
		Seq          uint64
		Objects      []map[string]any
		Participants []map[string]any
		Settings     map[string]any
		Votes        map[string]any
	}
	if err := a.Do(ctx, "GET", "/api/boards/"+b.ID, j.Token, nil, &snap); err != nil {
		t.Fatal(err)
	}
	if snap.ID != b.ID || len(snap.Objects) != 12 || len(snap.Participants) != 2 || snap.Seq != 1 || snap.Settings["phase"] != "Idéer" {
		t.Fatalf("snapshot: id %s seq %d objects %d participants %d settings %v", snap.ID, snap.Seq, len(snap.Objects), len(snap.Participants), snap.Settings)
	}

	// A participant may read but not manage.
	apiErr(t, a.Do(ctx, "POST", "/api/boards/"+b.ID+"/join-code", j.Token, nil, nil), 403, "forbidden")
	apiErr(t, a.Do(ctx, "GET", "/api/boards/"+b.ID+"/document", j.Token, nil, nil), 403, "forbidden")

	// Rotating the join code retires the old one.
	var jc struct{ JoinCode string }
	if err := a.Do(ctx, "POST", "/api/boards/"+b.ID+"/join-code", b.FacilitatorToken, nil, &jc); err != nil || jc.JoinCode == b.JoinCode {
		t.Fatalf("rotate: %v %v", jc, err)
	}
	_, err = a.Join(ctx, b.JoinCode, "Bo", "", "manager")
	apiErr(t, err, 404, "not_found")
	j2, err := a.Join(ctx, jc.JoinCode, "Bo Ek", "Tekniska förvaltningen", "politician")
	if err != nil {
		t.Fatal(err)
	}

	// Roles and removal.
	var p map[string]any
	if err := a.Do(ctx, "PUT", "/api/boards/"+b.ID+"/participants/"+j2.Participant.ID, b.FacilitatorToken, map[string]string{"role": "observer"}, &p); err != nil || p["role"] != "observer" {
		t.Fatalf("role: %v %v", p, err)
	}
	if err := a.Do(ctx, "DELETE", "/api/boards/"+b.ID+"/participants/"+j2.Participant.ID, testKey, nil, nil); err != nil {
		t.Fatal(err)
	}
	apiErr(t, a.Do(ctx, "GET", "/api/boards/"+b.ID, j2.Token, nil, nil), 401, "unauthorized")

	// Document out and back in.
	var doc map[string]any
	if err := a.Do(ctx, "GET", "/api/boards/"+b.ID+"/document", b.FacilitatorToken, nil, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["tallies"]; !ok || doc["format"] != "processkarta-board" {
		t.Fatalf("document: %v", doc)
	}
	var imported client.BoardCreated
	if err := a.Do(ctx, "POST", "/api/boards/import", testKey, doc, &imported); err != nil {
		t.Fatal(err)
	}
	if imported.ID == b.ID || imported.JoinCode == "" {
		t.Fatalf("import: %+v", imported)
	}
	var snap2 struct{ Objects []map[string]any }
	if err := a.Do(ctx, "GET", "/api/boards/"+imported.ID, imported.FacilitatorToken, nil, &snap2); err != nil || len(snap2.Objects) != 12 {
		t.Fatalf("imported board: %d objects, %v", len(snap2.Objects), err)
	}
}

func TestHealthReadyMetricsHeaders(t *testing.T) {
	n := boltNode(t)
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/", "/join", "/b/x"} {
		resp, err := http.Get(n.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Fatalf("%s: CSP %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("%s: security headers missing: %v", path, resp.Header)
		}
		if path == "/metrics" && !strings.Contains(string(body), "processkarta_http_requests_total") {
			t.Fatalf("metrics lack request counts")
		}
	}
}

// state is everything a bad request must not change.
func state(t *testing.T, n *node) string {
	t.Helper()
	ctx := ctxT(t)
	var ms, bs any
	if err := n.api.Do(ctx, "GET", "/api/municipalities", testKey, nil, &ms); err != nil {
		t.Fatal(err)
	}
	if err := n.api.Do(ctx, "GET", "/api/boards", testKey, nil, &bs); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{ms, bs})
	return string(b)
}

func TestRESTBadInput(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "process-map")
	ctx := ctxT(t)
	long := strings.Repeat("å", 201)
	cases := []struct {
		name, method, path, bearer string
		body                       any
		status                     int
		code                       string
	}{
		{"malformed json", "POST", "/api/municipalities", testKey, `{"code":`, 400, "invalid"},
		{"not an object", "POST", "/api/municipalities", testKey, `[1]`, 400, "invalid"},
		{"trailing data", "POST", "/api/municipalities", testKey, `{"code":"0114"} {}`, 400, "invalid"},
		{"wrong type", "POST", "/api/municipalities", testKey, `{"code":114}`, 400, "invalid"},
		{"unknown field", "POST", "/api/municipalities", testKey, `{"code":"0114","kod":"x"}`, 400, "invalid"},
		{"code not 4 digits", "POST", "/api/municipalities", testKey, `{"code":"114"}`, 400, "invalid"},
		{"code not SCB", "POST", "/api/municipalities", testKey, `{"code":"9999"}`, 400, "invalid"},
		{"duplicate", "POST", "/api/municipalities", testKey, `{"code":"1480"}`, 409, "conflict"},
		{"name too long", "POST", "/api/municipalities", testKey, `{"code":"0114","name":"` + long + `"}`, 400, "invalid"},
		{"no key", "POST", "/api/municipalities", "", `{"code":"0114"}`, 401, "unauthorized"},
		{"wrong key", "GET", "/api/municipalities", "nope", nil, 401, "unauthorized"},
		{"board token is not the key", "GET", "/api/municipalities", b.FacilitatorToken, nil, 401, "unauthorized"},
		{"unknown municipality", "GET", "/api/municipalities/0115", testKey, nil, 404, "not_found"},
		{"strategy of unknown municipality", "POST", "/api/municipalities/0115/strategies", testKey, `{"title":"x","revision":"1"}`, 404, "not_found"},
		{"strategy without title", "POST", "/api/municipalities/1480/strategies", testKey, `{"revision":"1"}`, 400, "invalid"},
		{"board title too long", "POST", "/api/boards", testKey, `{"title":"` + long + `","municipality":"1480"}`, 400, "invalid"},
		{"board of unknown municipality", "POST", "/api/boards", testKey, `{"title":"x","municipality":"0115"}`, 404, "not_found"},
		{"board with unknown template", "POST", "/api/boards", testKey, `{"title":"x","municipality":"1480","template":"kanban"}`, 400, "invalid"},
		{"board with unknown strategy", "POST", "/api/boards", testKey, `{"title":"x","municipality":"1480","strategy":"nope"}`, 404, "not_found"},
		{"unknown board", "GET", "/api/boards/00000000-0000-0000-0000-000000000000", testKey, nil, 404, "not_found"},
		{"board without token", "GET", "/api/boards/" + b.ID, "", nil, 401, "unauthorized"},
		{"board with wrong token", "GET", "/api/boards/" + b.ID, "0123", nil, 401, "unauthorized"},
		{"join with bad code", "POST", "/api/join", "", `{"code":"OOOOOO","name":"A","administration":"","position":"official"}`, 400, "invalid"},
		{"join unknown code", "POST", "/api/join", "", `{"code":"AAAAAA","name":"A","administration":"","position":"official"}`, 404, "not_found"},
		{"join without name", "POST", "/api/join", "", `{"code":"` + b.JoinCode + `","name":" ","administration":"","position":"official"}`, 400, "invalid"},
		{"join bad position", "POST", "/api/join", "", `{"code":"` + b.JoinCode + `","name":"A","administration":"","position":"mayor"}`, 400, "invalid"},
		{"import garbage", "POST", "/api/boards/import", testKey, `{"format":"other","version":1}`, 400, "invalid"},
		{"import bad object", "POST", "/api/boards/import", testKey, `{"format":"processkarta-board","version":1,"board":{"title":"x","municipality":"1480","template":"blank"},"objects":[{"id":"bad","kind":"note"}]}`, 400, "invalid"},
		{"role unknown", "PUT", "/api/boards/" + b.ID + "/participants/nobody", testKey, `{"role":"observer"}`, 404, "not_found"},
		{"role invalid", "PUT", "/api/boards/" + b.ID + "/participants/nobody", testKey, `{"role":"king"}`, 404, "not_found"},
		{"remove unknown", "DELETE", "/api/boards/" + b.ID + "/participants/nobody", testKey, nil, 404, "not_found"},
		{"body too large", "POST", "/api/municipalities", testKey, `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "too_large"},
		{"no such endpoint", "GET", "/api/nothing", testKey, nil, 404, "not_found"},
	}
	before := state(t, n)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			apiErr(t, n.api.Do(ctx, c.method, c.path, c.bearer, c.body, nil), c.status, c.code)
			if after := state(t, n); after != before {
				t.Fatalf("stored data changed:\n%s\n%s", before, after)
			}
		})
	}
}

func TestJoinGuessingIsRateLimited(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	var last error
	for range 40 {
		_, last = n.api.Join(ctx, "AAAAAA", "Gissare", "", "other")
	}
	apiErr(t, last, 429, "rate_limited")
	// Even the right code waits now: the address used up its attempts.
	_, err := n.api.Join(ctx, b.JoinCode, "Gissare", "", "other")
	apiErr(t, err, 429, "rate_limited")
}
