package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/processkarta/processkarta/server"
)

// oidcWorld is a server configured with an in-process OpenID Connect
// provider, and an account that signs in only through it.
type oidcWorld struct {
	m *mockoidc.MockOIDC
	n *node
}

func newOIDCWorld(t *testing.T) *oidcWorld {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	cfg := m.Config()
	n := startNodeCfg(t, openBolt(t), server.Config{Accounts: server.AccountsConfig{
		OIDCIssuer: cfg.Issuer, OIDCClientID: cfg.ClientID, OIDCClientSecret: cfg.ClientSecret}})
	createAccount(t, n, map[string]any{"email": "anna.berg@vaxjo.se", "role": "leader", "municipalities": []string{"0780"}, "password": ""})
	return &oidcWorld{m: m, n: n}
}

func (o *oidcWorld) user(email string, verified bool) {
	o.m.QueueUser(&mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: verified})
}

// get fetches u with the browser, following no redirects.
func (b *browser) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := b.hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// login starts a sign-in and returns the provider's authorization URL.
func (o *oidcWorld) login(t *testing.T, b *browser) *url.URL {
	t.Helper()
	resp, _ := b.get(t, o.n.URL()+"/auth/login")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/auth/login: %d", resp.StatusCode)
	}
	u := mustURL(t, resp.Header.Get("Location"))
	q := u.Query()
	if !strings.HasPrefix(u.String(), o.m.AuthorizationEndpoint()) || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || len(q.Get("state")) < 32 || q.Get("client_id") != o.m.ClientID {
		t.Fatalf("authorization URL: %s", u)
	}
	return u
}

// authorize lets the provider answer u and returns the callback URL it
// sends the browser to.
func (o *oidcWorld) authorize(t *testing.T, b *browser, u *url.URL) *url.URL {
	t.Helper()
	resp, body := b.get(t, u.String())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("provider: %d %s", resp.StatusCode, body)
	}
	cb := mustURL(t, resp.Header.Get("Location"))
	if !strings.HasPrefix(cb.String(), o.n.URL()+"/auth/callback?") {
		t.Fatalf("callback URL: %s", cb)
	}
	return cb
}

func signedInAs(t *testing.T, b *browser) string {
	t.Helper()
	a := sessionAccount(t, b)
	if a == nil {
		return ""
	}
	return a["email"].(string)
}

func wantProblem(t *testing.T, resp *http.Response, body string, status int, text string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(body, text) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("want a %d page saying %q, got %d %s:\n%s", status, text, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestOIDCSignIn(t *testing.T) {
	o := newOIDCWorld(t)
	b := newBrowser(t, o.n)
	var s struct{ OIDC bool }
	if err := b.do("GET", "/api/session", nil, &s); err != nil || !s.OIDC {
		t.Fatalf("session says no OIDC: %v %v", s, err)
	}
	o.user("Anna.Berg@vaxjo.se", true)
	cb := o.authorize(t, b, o.login(t, b))
	resp, body := b.get(t, cb.String())
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/?kommun=0780" {
		t.Fatalf("callback: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if got := signedInAs(t, b); got != "anna.berg@vaxjo.se" {
		t.Fatalf("signed in as %q", got)
	}
	var sess struct{ Via string }
	if err := b.do("GET", "/api/session", nil, &sess); err != nil || sess.Via != "oidc" {
		t.Fatalf("session via %q %v", sess.Via, err)
	}
	if err := b.do("GET", "/api/municipalities", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The same answer again is refused: the flow cookie was good once.
	resp, body = b.get(t, cb.String())
	wantProblem(t, resp, body, http.StatusBadRequest, "Försök igen")
}

func TestOIDCWrongStateRefused(t *testing.T) {
	o := newOIDCWorld(t)
	b := newBrowser(t, o.n)
	o.user("anna.berg@vaxjo.se", true)
	cb := o.authorize(t, b, o.login(t, b))
	q := cb.Query()
	q.Set("state", strings.Repeat("A", 43))
	cb.RawQuery = q.Encode()
	resp, body := b.get(t, cb.String())
	wantProblem(t, resp, body, http.StatusBadRequest, "hörde inte till den här inloggningen")
	if got := signedInAs(t, b); got != "" {
		t.Fatalf("signed in as %q with a wrong state", got)
	}
	// An answer to a sign-in started in another browser is refused too.
	other := newBrowser(t, o.n)
	o.user("anna.berg@vaxjo.se", true)
	cb = o.authorize(t, other, o.login(t, other))
	resp, body = b.get(t, cb.String())
	wantProblem(t, resp, body, http.StatusBadRequest, "annan webbläsare")
	if got := signedInAs(t, b); got != "" {
		t.Fatalf("signed in as %q by another browser's answer", got)
	}
}

// TestOIDCWrongNonceRefused: a code obtained with another nonce (an
// injected code from someone else's sign-in) is refused even with the
// right state and PKCE verifier.
func TestOIDCWrongNonceRefused(t *testing.T) {
	o := newOIDCWorld(t)
	b := newBrowser(t, o.n)
	auth := o.login(t, b)
	// Read this sign-in's state and verifier from its (signed, not secret)
	// flow cookie, as an attacker in the browser could.
	var flow struct{ S, V string }
	for _, c := range b.hc.Jar.Cookies(mustURL(t, o.n.URL())) {
		if c.Name == "pk_oidc" {
			payload, _, _ := strings.Cut(c.Value, ".")
			raw, err := base64.RawURLEncoding.DecodeString(payload)
			if err != nil || json.Unmarshal(raw, &flow) != nil {
				t.Fatalf("flow cookie: %v", err)
			}
		}
	}
	if flow.S == "" || flow.V == "" {
		t.Fatal("no flow cookie")
	}
	sum := sha256.Sum256([]byte(flow.V))
	q := auth.Query()
	q.Set("nonce", "another-sign-in's-nonce")
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	auth.RawQuery = q.Encode()
	o.user("anna.berg@vaxjo.se", true)
	cb := o.authorize(t, newBrowser(t, o.n), auth)
	if cb.Query().Get("state") != flow.S {
		t.Fatal("the provider changed the state")
	}
	resp, body := b.get(t, cb.String())
	wantProblem(t, resp, body, http.StatusBadRequest, "hörde inte till den här inloggningen")
	if got := signedInAs(t, b); got != "" {
		t.Fatalf("signed in as %q with a wrong nonce", got)
	}
}

func TestOIDCUnknownOrUnverifiedEmailRefused(t *testing.T) {
	o := newOIDCWorld(t)
	b := newBrowser(t, o.n)
	o.user("okand@kalmar.se", true)
	resp, body := b.get(t, o.authorize(t, b, o.login(t, b)).String())
	wantProblem(t, resp, body, http.StatusForbidden, "Det finns inget aktivt organisatörskonto för din e-postadress")
	if !strings.Contains(body, "okand@kalmar.se") || !strings.Contains(body, `lang="en"`) {
		t.Fatalf("the page does not name the address or has no English:\n%s", body)
	}
	if got := signedInAs(t, b); got != "" {
		t.Fatalf("an unknown address signed in as %q", got)
	}
	// A known address the provider has not verified is not enough.
	o.user("anna.berg@vaxjo.se", false)
	resp, body = b.get(t, o.authorize(t, b, o.login(t, b)).String())
	wantProblem(t, resp, body, http.StatusForbidden, "ingen bekräftad e-postadress")
	if got := signedInAs(t, b); got != "" {
		t.Fatalf("an unverified address signed in as %q", got)
	}
	// Without a provider configured, /auth/login says so.
	plain := newBrowser(t, boltNode(t))
	resp, body = plain.get(t, plain.n.URL()+"/auth/login")
	wantProblem(t, resp, body, http.StatusNotFound, "inte inställd")
}
