package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/web"
)

// oidcFlow signs organizers in through an OpenID Connect provider: the
// authorization code flow with PKCE (S256), a state that ties the answer
// to the browser that asked, and a nonce that ties the ID token to this
// sign-in. The provider's verified e-mail address picks the account; no
// account is ever created by signing in.
type oidcFlow struct {
	cfg    AccountsConfig
	secret []byte

	// The provider's metadata is discovered at the first sign-in, not at
	// start-up, so a provider that is down does not stop the server.
	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func newOIDCFlow(cfg AccountsConfig) *oidcFlow {
	secret := cfg.CookieSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	return &oidcFlow{cfg: cfg, secret: secret}
}

func (f *oidcFlow) discover(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, f.cfg.OIDCIssuer)
		if err != nil {
			return nil, nil, err
		}
		f.provider = p
		f.verifier = p.Verifier(&oidc.Config{ClientID: f.cfg.OIDCClientID})
	}
	return f.provider, f.verifier, nil
}

// flowCookie carries one sign-in between its two legs. It is signed, not
// secret: it lives in the browser that started the sign-in, ten minutes at
// most, and is good for one callback.
type flowCookie struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r,omitempty"`
	Expires  int64  `json:"e"`
}

const (
	flowCookieName       = "pk_oidc"
	secureFlowCookieName = "__Host-pk_oidc"
	flowLifetime         = 10 * time.Minute
)

func (f *oidcFlow) sign(payload []byte) string {
	m := hmac.New(sha256.New, f.secret)
	m.Write([]byte("processkarta oidc flow\x00"))
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (f *oidcFlow) encode(c flowCookie) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b) + "." + f.sign(b)
}

func (f *oidcFlow) decode(v string) (flowCookie, bool) {
	var c flowCookie
	body, sig, ok := strings.Cut(v, ".")
	if !ok {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || !hmac.Equal([]byte(sig), []byte(f.sign(b))) {
		return c, false
	}
	if json.Unmarshal(b, &c) != nil || time.Now().Unix() > c.Expires {
		return c, false
	}
	return c, true
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// baseURL is the server's address as the browser sees it.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) oauthConfig(r *http.Request, p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: s.cfg.Accounts.OIDCClientID, ClientSecret: s.cfg.Accounts.OIDCClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: s.baseURL(r) + "/auth/callback",
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

func (s *Server) flowCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	name, secure := flowCookieName, s.secure(r)
	if secure {
		name = secureFlowCookieName
	}
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// oidcLogin starts a sign-in: GET /auth/login[?next=/path].
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) {
	f := s.auth.oidc
	if f == nil {
		s.signinProblem(w, r, http.StatusNotFound, false, "",
			"Inloggning via organisationens konto är inte inställd här. Logga in med e-post och lösenord på startsidan.",
			"Sign-in through an identity provider is not set up here. Sign in with e-mail and password on the start page.")
		return
	}
	p, _, err := f.discover(r.Context())
	if err != nil {
		s.log.Warn("oidc discovery failed", "err", err)
		s.signinProblem(w, r, http.StatusBadGateway, true, "",
			"Organisationens inloggningstjänst svarar inte just nu. Försök igen om en stund.",
			"Your organisation's sign-in service does not answer right now. Try again in a while.")
		return
	}
	c := flowCookie{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Expires: time.Now().Add(flowLifetime).Unix()}
	if next := r.URL.Query().Get("next"); localPath(next) {
		c.Next = next
	}
	http.SetCookie(w, s.flowCookie(r, f.encode(c), int(flowLifetime/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.oauthConfig(r, p).AuthCodeURL(c.State, oidc.Nonce(c.Nonce), oauth2.S256ChallengeOption(c.Verifier)), http.StatusFound)
}

// idClaims are the ID token's claims that sign-in reads. Entra ID gives no
// email_verified; its xms_edov (the e-mail's domain is verified by the
// tenant) counts instead, when the tenant adds that optional claim.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	EntraVerified *bool  `json:"xms_edov"`
}

func (c idClaims) verified() bool {
	return c.EmailVerified != nil && *c.EmailVerified || c.EntraVerified != nil && *c.EntraVerified
}

// oidcCallback finishes a sign-in: GET /auth/callback?code=…&state=….
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	f := s.auth.oidc
	if f == nil {
		s.oidcLogin(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	retry := func(status int, reason, sv, en string) {
		s.log.Warn("oidc sign-in refused", "reason", reason)
		s.signinProblem(w, r, status, true, "", sv, en)
	}
	var flow flowCookie
	ok := false
	for _, name := range []string{secureFlowCookieName, flowCookieName} {
		if ck, err := r.Cookie(name); err == nil {
			flow, ok = f.decode(ck.Value)
			break
		}
	}
	// The flow cookie is good for one answer only.
	http.SetCookie(w, s.flowCookie(r, "", -1))
	q := r.URL.Query()
	if !ok {
		retry(http.StatusBadRequest, "no_flow", "Inloggningen tog för lång tid eller startades i en annan webbläsare. Försök igen.",
			"The sign-in took too long or was started in another browser. Try again.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(flow.State)) != 1 {
		retry(http.StatusBadRequest, "state_mismatch", "Svaret från inloggningstjänsten hörde inte till den här inloggningen, så vi godtog det inte. Försök igen.",
			"The sign-in service's answer did not belong to this sign-in, so it was refused. Try again.")
		return
	}
	if e := q.Get("error"); e != "" {
		retry(http.StatusBadRequest, "provider_error", "Inloggningstjänsten avbröt inloggningen. Försök igen, eller kontakta din IT-avdelning om det inte går.",
			"The sign-in service stopped the sign-in. Try again, or ask your IT department if it keeps failing.")
		return
	}
	p, verifier, err := f.discover(r.Context())
	if err != nil {
		retry(http.StatusBadGateway, "discovery", "Organisationens inloggningstjänst svarar inte just nu. Försök igen om en stund.",
			"Your organisation's sign-in service does not answer right now. Try again in a while.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := s.oauthConfig(r, p).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		retry(http.StatusBadGateway, "exchange", "Inloggningstjänsten godtog inte inloggningen. Försök igen.",
			"The sign-in service did not accept the sign-in. Try again.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		retry(http.StatusBadRequest, "id_token", "Inloggningstjänstens svar kunde inte kontrolleras. Försök igen.",
			"The sign-in service's answer could not be verified. Try again.")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		retry(http.StatusBadRequest, "nonce_mismatch", "Svaret från inloggningstjänsten hörde inte till den här inloggningen, så vi godtog det inte. Försök igen.",
			"The sign-in service's answer did not belong to this sign-in, so it was refused. Try again.")
		return
	}
	var claims idClaims
	if err := idt.Claims(&claims); err != nil || claims.Email == "" || !claims.verified() {
		retry(http.StatusForbidden, "email_unverified", "Inloggningstjänsten gav ingen bekräftad e-postadress, så vi vet inte vem du är här. Be din IT-avdelning att skicka en verifierad e-postadress.",
			"The sign-in service gave no verified e-mail address, so we cannot tell who you are here. Ask your IT department to send a verified e-mail address.")
		return
	}
	email := board.NormalizeEmail(claims.Email)
	acct, err := s.store.AccountByEmail(r.Context(), email)
	if err != nil && board.ErrorCode(err) != board.ENotFound {
		retry(http.StatusServiceUnavailable, "store", "Tjänsten kunde inte läsa kontona just nu. Försök igen om en stund.",
			"The service could not read the accounts right now. Try again in a while.")
		return
	}
	if acct == nil || acct.Disabled {
		reason := "unknown_account"
		if acct != nil {
			reason = "disabled"
		}
		s.log.Warn("oidc sign-in refused", "reason", reason)
		s.signinProblem(w, r, http.StatusForbidden, false, email,
			"Det finns inget aktivt organisatörskonto för din e-postadress i Processkarta. Be en administratör här att lägga till dig (eller aktivera ditt konto). Du behöver inget konto för att delta i en workshop: gå med med koden som processledaren visar.",
			"There is no active organizer account for your e-mail address in Processkarta. Ask an administrator here to add you (or enable your account). You need no account to take part in a workshop: join with the code the facilitator shows.")
		return
	}
	if _, err := s.startSession(w, r, acct, "oidc"); err != nil {
		s.writeError(w, r, err)
		return
	}
	next := flow.Next
	if next == "" {
		next = landing(acct)
	}
	http.Redirect(w, r, next, http.StatusFound)
}

var signinTmpl = template.Must(template.ParseFS(web.Pages(), "footer.html", "signin.html"))

// signinProblem answers a sign-in that cannot go on with a page that says
// why in plain words, in Swedish and English.
func (s *Server) signinProblem(w http.ResponseWriter, r *http.Request, status int, retry bool, email, sv, en string) {
	var buf bytes.Buffer
	data := map[string]any{"Swedish": sv, "English": en, "Email": email, "Retry": retry && s.auth.oidc != nil}
	if err := signinTmpl.ExecuteTemplate(&buf, "signin.html", data); err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
