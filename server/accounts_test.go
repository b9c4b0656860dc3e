package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/processkarta/processkarta/server"
)

func sessionAccount(t *testing.T, b *browser) map[string]any {
	t.Helper()
	var s struct {
		Account map[string]any `json:"account"`
	}
	if err := b.do("GET", "/api/session", nil, &s); err != nil {
		t.Fatal(err)
	}
	return s.Account
}

// TestDisabledAccountStopsAtOnce: the request right after an admin
// disables an account fails, on REST and for a new websocket; enabling it
// again does not bring the old session back.
func TestDisabledAccountStopsAtOnce(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	l := w.leaderB
	if err := l.do("GET", "/api/boards/"+w.vaxjo.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.adminB.do("PATCH", "/api/accounts/"+w.leader.ID, map[string]any{"disabled": true}, nil); err != nil {
		t.Fatal(err)
	}
	apiErr(t, l.do("GET", "/api/boards/"+w.vaxjo.ID, nil, nil), http.StatusUnauthorized, "unauthorized")
	apiErr(t, l.do("GET", "/api/municipalities", nil, nil), http.StatusUnauthorized, "unauthorized")
	if a := sessionAccount(t, l); a != nil {
		t.Fatalf("a disabled account is still signed in: %v", a)
	}
	// Signing in again is refused like a wrong password.
	apiErr(t, l.signIn("ledare@vaxjo.se", password), http.StatusUnauthorized, "unauthorized")
	// Enabled again, the account signs in anew; the old session stays dead.
	if err := w.adminB.do("PATCH", "/api/accounts/"+w.leader.ID, map[string]any{"disabled": false}, nil); err != nil {
		t.Fatal(err)
	}
	apiErr(t, l.do("GET", "/api/municipalities", nil, nil), http.StatusUnauthorized, "unauthorized")
	if err := l.signIn("ledare@vaxjo.se", password); err != nil {
		t.Fatal(err)
	}
	if err := l.do("GET", "/api/municipalities", nil, nil); err != nil {
		t.Fatal(err)
	}

	// A scope taken away is gone at the next request too.
	if err := w.adminB.do("PATCH", "/api/accounts/"+w.leader.ID, map[string]any{"municipalities": []string{"0764"}}, nil); err != nil {
		t.Fatal(err)
	}
	want404(t, "a board of a municipality taken away", l.do("GET", "/api/boards/"+w.vaxjo.ID, nil, nil))
	if err := l.do("GET", "/api/boards/"+w.alvesta.ID, nil, nil); err != nil {
		t.Fatalf("a board of the municipality given: %v", err)
	}

	// An admin can sign an account out everywhere.
	second := signedIn(t, w.n, "ledare@vaxjo.se", password)
	if err := w.adminB.do("DELETE", "/api/accounts/"+w.leader.ID+"/sessions", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*browser{l, second} {
		apiErr(t, b.do("GET", "/api/municipalities", nil, nil), http.StatusUnauthorized, "unauthorized")
	}
}

func TestSignInAndOut(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	b := newBrowser(t, w.n)
	if a := sessionAccount(t, b); a != nil {
		t.Fatalf("signed in before signing in: %v", a)
	}
	apiErr(t, b.do("GET", "/api/municipalities", nil, nil), http.StatusUnauthorized, "unauthorized")
	apiErr(t, b.signIn("ledare@vaxjo.se", "fel lösenord här"), http.StatusUnauthorized, "unauthorized")
	unknown := b.signIn("ingen@vaxjo.se", "fel lösenord här")
	apiErr(t, unknown, http.StatusUnauthorized, "unauthorized")
	if unknown.Error() != b.signIn("ledare@vaxjo.se", "fel lösenord här").Error() {
		t.Fatalf("an unknown address is answered differently from a wrong password: %v", unknown)
	}

	// The cookie: HttpOnly, SameSite=Lax, not Secure over plain http, no
	// lifetime of its own (the browser drops it when it closes).
	body := strings.NewReader(`{"email":"ledare@vaxjo.se","password":"` + password + `"}`)
	req, _ := http.NewRequest("POST", w.n.URL()+"/api/session", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", w.n.URL())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if c.Name != "pk_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge != 0 || !c.Expires.IsZero() || c.Path != "/" || len(c.Value) < 43 {
		t.Fatalf("session cookie: %+v", c)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("sign-in answer cached: %q", cc)
	}

	// Signed in: who, and where to start.
	if err := b.signIn("ledare@vaxjo.se", password); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Account struct {
			Email, Role    string
			Municipalities []string
			PasswordHash   string
		}
		Landing string
	}
	if err := b.do("GET", "/api/session", nil, &s); err != nil {
		t.Fatal(err)
	}
	if s.Account.Email != "ledare@vaxjo.se" || s.Account.Role != "leader" || s.Landing != "/?kommun=0780" || s.Account.PasswordHash != "" {
		t.Fatalf("session: %+v", s)
	}
	var cs struct{ Landing string }
	if err := w.coordB.do("GET", "/api/session", nil, &cs); err != nil || cs.Landing != "/k/Kronoberg" {
		t.Fatalf("coordinator's landing: %q %v", cs.Landing, err)
	}

	// Signing out ends the session on the server, so the old cookie value
	// replayed elsewhere is worth nothing.
	old := b.hc.Jar.Cookies(req.URL)
	if err := b.do("DELETE", "/api/session", nil, nil); err != nil {
		t.Fatal(err)
	}
	apiErr(t, b.do("GET", "/api/municipalities", nil, nil), http.StatusUnauthorized, "unauthorized")
	replay, _ := http.NewRequest("GET", w.n.URL()+"/api/municipalities", nil)
	for _, c := range old {
		replay.AddCookie(c)
	}
	resp, err = http.DefaultClient.Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the signed-out cookie replayed: %d", resp.StatusCode)
	}
}

func TestSecureCookieBehindHTTPS(t *testing.T) {
	const public = "https://processkarta.example.se"
	n := startNodeCfg(t, openBolt(t), server.Config{PublicURL: public})
	createAccount(t, n, map[string]any{"email": "a@example.se", "role": "admin"})
	req, _ := http.NewRequest("POST", n.URL()+"/api/session", strings.NewReader(`{"email":"a@example.se","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", public)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusOK || len(cookies) != 1 {
		t.Fatalf("sign-in: %d %v", resp.StatusCode, cookies)
	}
	if c := cookies[0]; c.Name != "__Host-pk_session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie behind https: %+v", c)
	}
}

// TestSignInRateLimits: failed sign-ins are limited per account and per
// address; over the limit even the right password is refused.
func TestSignInRateLimits(t *testing.T) {
	n := startNodeCfg(t, openBolt(t), server.Config{Accounts: server.AccountsConfig{LoginsPerAccount: 3, LoginsPerAddress: 5}})
	createAccount(t, n, map[string]any{"email": "a@example.se", "role": "admin"})
	createAccount(t, n, map[string]any{"email": "b@example.se", "role": "admin"})
	b := newBrowser(t, n)
	for range 3 {
		apiErr(t, b.signIn("a@example.se", "fel lösenord nummer ett"), http.StatusUnauthorized, "unauthorized")
	}
	apiErr(t, b.signIn("a@example.se", password), http.StatusTooManyRequests, "rate_limited")
	// Another account from the same address still may, up to the
	// address's limit.
	if err := b.signIn("b@example.se", password); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		apiErr(t, b.signIn("b@example.se", "fel lösenord nummer två"), http.StatusUnauthorized, "unauthorized")
	}
	apiErr(t, b.signIn("b@example.se", password), http.StatusTooManyRequests, "rate_limited")
}

// TestSessionIdleExpiry: a session not used for the idle time ends.
func TestSessionIdleExpiry(t *testing.T) {
	n := startNodeCfg(t, openBolt(t), server.Config{Accounts: server.AccountsConfig{SessionIdle: 300 * time.Millisecond}})
	createAccount(t, n, map[string]any{"email": "a@example.se", "role": "admin"})
	b := signedIn(t, n, "a@example.se", password)
	if err := b.do("GET", "/api/municipalities", nil, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitFor(t, func() bool { return b.do("GET", "/api/audit", nil, nil) != nil })
	if time.Since(start) < 200*time.Millisecond {
		t.Fatalf("the session ended after %v, before its idle time", time.Since(start))
	}
}

// TestCSRFForCookies: a cookie-authenticated change needs an allowed
// Origin and, with a body, JSON; the organizer key as a bearer token is
// not a cookie and needs neither.
func TestCSRFForCookies(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	cookie := w.adminB.hc.Jar.Cookies(mustURL(t, w.n.URL()))
	send := func(origin, ctype, body string) int {
		req, _ := http.NewRequest("POST", w.n.URL()+"/api/municipalities", strings.NewReader(body))
		for _, c := range cookie {
			req.AddCookie(c)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"code":"0881"}`
	if st := send("", "application/json", body); st != http.StatusForbidden {
		t.Errorf("no Origin: %d, want 403", st)
	}
	if st := send("https://evil.example", "application/json", body); st != http.StatusForbidden {
		t.Errorf("foreign Origin: %d, want 403", st)
	}
	if st := send(w.n.URL(), "text/plain", body); st != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", st)
	}
	if st := send(w.n.URL(), "application/x-www-form-urlencoded", "code=0881"); st != http.StatusUnsupportedMediaType {
		t.Errorf("a form: %d, want 415", st)
	}
	var munis []struct{ Code string }
	if err := w.n.api.Do(ctxT(t), "GET", "/api/municipalities", testKey, nil, &munis); err != nil || len(munis) != 3 {
		t.Fatalf("a refused request changed something: %v %v", munis, err)
	}
	if st := send(w.n.URL(), "application/json", body); st != http.StatusCreated {
		t.Errorf("same origin, JSON: %d, want 201", st)
	}
	// Sign-in itself is guarded alike (no login CSRF).
	req, _ := http.NewRequest("POST", w.n.URL()+"/api/session", bytes.NewReader([]byte(`{"email":"admin@energikontor.se","password":"`+password+`"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("sign-in from a foreign origin: %d %v", resp.StatusCode, resp.Cookies())
	}
}

// TestAccountsAPI: validation, no password hashes out, admin only.
func TestAccountsAPI(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	ctx := ctxT(t)
	for _, bad := range []map[string]any{
		{"email": "x", "name": "X", "role": "admin"},
		{"email": "x@example.se", "name": "X", "role": "boss"},
		{"email": "x@example.se", "name": "X", "role": "leader"},
		{"email": "x@example.se", "name": "X", "role": "leader", "municipalities": []string{"9999"}},
		{"email": "x@example.se", "name": "X", "role": "coordinator"},
		{"email": "x@example.se", "name": "X", "role": "admin", "password": "kort"},
		{"email": "x@example.se", "name": "X", "role": "admin", "extra": true},
	} {
		apiErr(t, w.n.api.Do(ctx, "POST", "/api/accounts", testKey, bad, nil), http.StatusBadRequest, "invalid")
	}
	apiErr(t, w.n.api.Do(ctx, "POST", "/api/accounts", testKey, map[string]any{"email": "LEDARE@vaxjo.se", "name": "X", "role": "admin"}, nil),
		http.StatusConflict, "conflict")
	var list []map[string]any
	if err := w.adminB.do("GET", "/api/accounts", nil, &list); err != nil || len(list) != 3 {
		t.Fatalf("accounts: %v %v", list, err)
	}
	for _, a := range list {
		if _, ok := a["passwordHash"]; ok || a["password"] != true {
			t.Fatalf("account out: %v", a)
		}
	}
	// Not for leaders or coordinators: those endpoints do not exist for them.
	want404(t, "accounts for a leader", w.leaderB.do("GET", "/api/accounts", nil, nil))
	want404(t, "new account by a coordinator", w.coordB.do("POST", "/api/accounts", map[string]any{"email": "y@example.se", "name": "Y", "role": "admin"}, nil))
	want404(t, "audit for a leader", w.leaderB.do("GET", "/api/audit", nil, nil))
	apiErr(t, newBrowser(t, w.n).do("GET", "/api/accounts", nil, nil), http.StatusUnauthorized, "unauthorized")

	// A role change drops the old scope; the new one is checked.
	var a map[string]any
	if err := w.adminB.do("PATCH", "/api/accounts/"+w.leader.ID, map[string]any{"role": "coordinator", "cluster": "Kalmar län"}, &a); err != nil {
		t.Fatal(err)
	}
	if a["role"] != "coordinator" || a["cluster"] != "Kalmar län" || a["municipalities"] != nil {
		t.Fatalf("after the role change: %v", a)
	}
	if err := w.leaderB.do("GET", "/api/boards/"+w.kalmar.ID, nil, nil); err != nil {
		t.Fatalf("the new cluster's board: %v", err)
	}
	apiErr(t, w.adminB.do("PATCH", "/api/accounts/"+w.leader.ID, map[string]any{"role": "leader"}, nil), http.StatusBadRequest, "invalid")
}

// TestAuditLog: organizer actions are listed for admins, newest first,
// with the account that did them.
func TestAuditLog(t *testing.T) {
	w := newScopeWorld(t, openBolt(t))
	var b struct{ ID string }
	if err := w.leaderB.do("POST", "/api/boards", map[string]string{"title": "Granskad", "municipality": "0780"}, &b); err != nil {
		t.Fatal(err)
	}
	if err := w.leaderB.do("POST", "/api/boards/"+b.ID+"/exports", nil, nil); err != nil {
		t.Fatal(err)
	}
	j := join(t, w.n, w.vaxjo.JoinCode, "Eva Ek", "official")
	if err := w.leaderB.do("DELETE", "/api/boards/"+w.vaxjo.ID+"/participants/"+j.Participant.ID+"?erase=true", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.leaderB.do("DELETE", "/api/boards/"+b.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.adminB.do("PATCH", "/api/accounts/"+w.coordinator.ID, map[string]any{"name": "Nytt Namn"}, nil); err != nil {
		t.Fatal(err)
	}
	var events []struct{ Action, Account, Municipality, Board, Target, Detail string }
	if err := w.adminB.do("GET", "/api/audit?limit=50", nil, &events); err != nil {
		t.Fatal(err)
	}
	if len(events) < 4 {
		t.Fatalf("audit: %+v", events)
	}
	e0, e1, e2, e3, e4 := events[0], events[1], events[2], events[3], events[4]
	if e0.Action != "account.changed" || e0.Account != w.admin.ID || e0.Target != w.coordinator.ID || e0.Detail != "name" {
		t.Errorf("newest event: %+v", e0)
	}
	if e1.Action != "board.deleted" || e1.Account != w.leader.ID || e1.Board != b.ID || e1.Municipality != "0780" {
		t.Errorf("delete event: %+v", e1)
	}
	if e2.Action != "participant.erased" || e2.Account != w.leader.ID || e2.Board != w.vaxjo.ID || e2.Target != j.Participant.ID {
		t.Errorf("erase event: %+v", e2)
	}
	if e3.Action != "board.exported" || e3.Account != w.leader.ID || e3.Board != b.ID || e3.Municipality != "0780" {
		t.Errorf("export event: %+v", e3)
	}
	if e4.Action != "board.created" || e4.Account != w.leader.ID || e4.Board != b.ID {
		t.Errorf("create event: %+v", e4)
	}
	created := 0
	for _, e := range events {
		if e.Action == "account.created" && e.Account == "organizer-key" {
			created++
		}
	}
	if created != 3 {
		t.Errorf("account.created by the organizer key: %d, want 3", created)
	}
	apiErr(t, w.adminB.do("GET", "/api/audit?limit=0", nil, nil), http.StatusBadRequest, "invalid")
}
