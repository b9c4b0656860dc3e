package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// browser is a signed-in browser as the server sees one: a cookie jar,
// and the page's Origin on every request.
type browser struct {
	t   testing.TB
	n   *node
	hc  *http.Client
	api *client.API
}

type originTransport struct{ origin string }

func (o originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Header.Get("Origin") == "" {
		r.Header.Set("Origin", o.origin)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func newBrowser(t testing.TB, n *node) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Jar: jar, Transport: originTransport{n.URL()},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, n: n, hc: hc, api: &client.API{Base: n.URL(), HTTP: hc}}
}

func (b *browser) do(method, path string, in, out any) error {
	return b.api.Do(ctxT(b.t), method, path, "", in, out)
}

func (b *browser) signIn(email, password string) error {
	return b.do("POST", "/api/session", map[string]string{"email": email, "password": password}, nil)
}

// signedIn is a browser signed in as email.
func signedIn(t testing.TB, n *node, email, password string) *browser {
	t.Helper()
	b := newBrowser(t, n)
	if err := b.signIn(email, password); err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return b
}

// dialAs opens a board's websocket from the browser, cookies and all.
func (b *browser) dial(boardID, token string) (*client.Client, error) {
	return client.Dial(ctxT(b.t), b.n.URL(), boardID, token, &client.Options{HTTPClient: b.hc, Origin: b.n.URL()})
}

const password = "ett långt lösenord 2026"

type account struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

func createAccount(t testing.TB, n *node, body map[string]any) account {
	t.Helper()
	if _, ok := body["password"]; !ok {
		body["password"] = password
	}
	if _, ok := body["name"]; !ok {
		body["name"] = "Namn Efternamn"
	}
	var a account
	if err := n.api.Do(ctxT(t), "POST", "/api/accounts", testKey, body, &a); err != nil {
		t.Fatalf("create account %v: %v", body["email"], err)
	}
	return a
}

// scopeWorld is a cluster (Kronoberg: Växjö and Alvesta) and a municipality
// outside it (Kalmar), each with a strategy, a board and, for Kalmar, an
// export; a leader of Växjö, a coordinator of Kronoberg and an admin.
type scopeWorld struct {
	n                           *node
	vaxjo, alvesta, kalmar      *client.BoardCreated
	kalmarStrategy, vaxjoStrat  string
	kalmarExport                string
	leader, coordinator, admin  account
	leaderB, coordB, adminB     *browser
	kalmarParticipant           *client.Joined
	kalmarFacilitatorToken      string
	kalmarCluster, homeCluster  string
	vaxjoCode, alvestaCode, kmr string
}

func newScopeWorld(t *testing.T, store board.Store) *scopeWorld {
	n := startNode(t, store, nil, server.Limits{})
	ctx := ctxT(t)
	w := &scopeWorld{n: n, homeCluster: "Kronoberg", kalmarCluster: "Kalmar län", vaxjoCode: "0780", alvestaCode: "0764", kmr: "0880"}
	for code, cluster := range map[string]string{"0780": "Kronoberg", "0764": "Kronoberg", "0880": "Kalmar län"} {
		if err := n.api.Do(ctx, "POST", "/api/municipalities", testKey, map[string]string{"code": code, "cluster": cluster}, nil); err != nil {
			t.Fatal(err)
		}
	}
	strategy := func(code string) string {
		var st struct{ ID string }
		if err := n.api.Do(ctx, "POST", "/api/municipalities/"+code+"/strategies", testKey, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	w.vaxjoStrat, w.kalmarStrategy = strategy("0780"), strategy("0880")
	newBoard := func(code, strategy string) *client.BoardCreated {
		var b client.BoardCreated
		body := map[string]string{"title": "Workshop " + code, "municipality": code, "template": "process-map"}
		if strategy != "" {
			body["strategy"] = strategy
		}
		if err := n.api.Do(ctx, "POST", "/api/boards", testKey, body, &b); err != nil {
			t.Fatal(err)
		}
		return &b
	}
	w.vaxjo, w.alvesta, w.kalmar = newBoard("0780", w.vaxjoStrat), newBoard("0764", ""), newBoard("0880", w.kalmarStrategy)
	w.kalmarFacilitatorToken = w.kalmar.FacilitatorToken
	var e struct{ ID string }
	if err := n.api.Do(ctx, "POST", "/api/boards/"+w.kalmar.ID+"/exports", testKey, nil, &e); err != nil {
		t.Fatal(err)
	}
	w.kalmarExport = e.ID
	j, err := n.api.Join(ctx, w.kalmar.JoinCode, "Karin Kalmar", "Miljöförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	w.kalmarParticipant = j

	w.leader = createAccount(t, n, map[string]any{"email": "ledare@vaxjo.se", "role": "leader", "municipalities": []string{"0780"}})
	w.coordinator = createAccount(t, n, map[string]any{"email": "samordnare@kronoberg.se", "role": "coordinator", "cluster": "Kronoberg"})
	w.admin = createAccount(t, n, map[string]any{"email": "admin@energikontor.se", "role": "admin"})
	w.leaderB = signedIn(t, n, "ledare@vaxjo.se", password)
	w.coordB = signedIn(t, n, "Samordnare@Kronoberg.se ", password)
	w.adminB = signedIn(t, n, "admin@energikontor.se", password)
	return w
}

// startNodeCfg is startNode with more of the configuration set.
func startNodeCfg(t testing.TB, store board.Store, cfg server.Config) *node {
	t.Helper()
	cfg.OrganizerKey = testKey
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(store, cfg)
	hs := httptest.NewServer(srv)
	n := &node{srv: srv, http: hs, api: &client.API{Base: hs.URL, Key: testKey}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return n
}

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
