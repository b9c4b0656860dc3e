package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board"
)

// AccountsConfig configures organizers' sign-in.
type AccountsConfig struct {
	// SessionIdle ends a session not used for this long (default 30
	// minutes); SessionMax ends any session this long after sign-in
	// (default 12 hours).
	SessionIdle, SessionMax time.Duration
	// OIDCIssuer, OIDCClientID and OIDCClientSecret name an OpenID Connect
	// provider; with all three set, GET /auth/login signs in through it.
	OIDCIssuer, OIDCClientID, OIDCClientSecret string
	// CookieSecret signs the short-lived cookie that carries an OpenID
	// Connect sign-in's state, nonce and PKCE verifier between the two legs
	// of the flow. Nodes behind one load balancer need the same secret;
	// empty means a random one per process.
	CookieSecret []byte
	// LoginsPerAccount and LoginsPerAddress bound failed password sign-ins
	// per quarter of an hour (defaults 5 and 20).
	LoginsPerAccount, LoginsPerAddress int
}

func (c AccountsConfig) withDefaults() AccountsConfig {
	orDefault(&c.SessionIdle, 30*time.Minute)
	orDefault(&c.SessionMax, 12*time.Hour)
	orDefault(&c.LoginsPerAccount, 5)
	orDefault(&c.LoginsPerAddress, 20)
	return c
}

// oidcEnabled reports whether an OpenID Connect provider is configured.
func (c AccountsConfig) oidcEnabled() bool {
	return c.OIDCIssuer != "" && c.OIDCClientID != "" && c.OIDCClientSecret != ""
}

// loginWindow is the window of the sign-in rate limits.
const loginWindow = 15 * time.Minute

// secure reports whether the request reached the server over https: by
// its own TLS, by a trusted proxy's X-Forwarded-Proto, or as the public URL
// says. Cookies are marked Secure then.
func (s *Server) secure(r *http.Request) bool {
	if s.requestScheme(r) == "https" {
		return true
	}
	u, err := url.Parse(s.cfg.PublicURL)
	return err == nil && u.Scheme == "https"
}

// startSession signs acct in: a new random session id (so an id planted
// before sign-in is worth nothing), stored as its hash, sent in an
// HttpOnly, SameSite=Lax cookie that the browser drops when it closes.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, acct *board.Account, via string) (*board.Session, error) {
	if old := sessionID(r); old != "" {
		s.store.DeleteSession(r.Context(), board.HashToken(old))
	}
	id := board.NewToken()
	t := time.Now().UTC()
	sess := &board.Session{Hash: board.HashToken(id), Account: acct.ID, Via: via, CreatedAt: t, LastSeen: t,
		IdleUntil: t.Add(s.cfg.Accounts.SessionIdle), ExpiresAt: t.Add(s.cfg.Accounts.SessionMax)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return nil, err
	}
	s.setSessionCookie(w, r, id, false)
	s.log.Info("signed in", "account", acct.ID, "via", via)
	return sess, nil
}

// setSessionCookie sets the session cookie, or with clear removes it.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, id string, clear bool) {
	name := sessionCookie
	secure := s.secure(r)
	if secure {
		name = secureSessionCookie
	}
	c := &http.Cookie{Name: name, Value: id, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if clear {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
}

// accountOut is an account as the API shows it: never the password hash.
type accountOut struct {
	ID             string    `json:"id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role"`
	Municipalities []string  `json:"municipalities,omitempty"`
	Cluster        string    `json:"cluster,omitempty"`
	Disabled       bool      `json:"disabled"`
	Password       bool      `json:"password"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func toAccountOut(a *board.Account) accountOut {
	return accountOut{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role, Municipalities: a.Municipalities, Cluster: a.Cluster,
		Disabled: a.Disabled, Password: a.PasswordHash != "", CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// landing is where an account starts: a coordinator on the cluster
// overview, anyone else on the start page with their municipality.
func landing(a *board.Account) string {
	switch {
	case a.Role == board.AccountCoordinator:
		return "/k/" + url.PathEscape(a.Cluster)
	case a.Role == board.AccountLeader && len(a.Municipalities) > 0:
		return "/?kommun=" + url.QueryEscape(a.Municipalities[0])
	}
	return "/"
}

type sessionOut struct {
	Account   *accountOut `json:"account"`
	Landing   string      `json:"landing,omitempty"`
	Via       string      `json:"via,omitempty"`
	ExpiresAt *time.Time  `json:"expiresAt,omitempty"`
	OIDC      bool        `json:"oidc"`
}

func (s *Server) sessionBody(acct *board.Account, sess *board.Session) sessionOut {
	out := sessionOut{OIDC: s.cfg.Accounts.oidcEnabled()}
	if acct != nil {
		a := toAccountOut(acct)
		until := sess.Until()
		out.Account, out.Landing, out.Via, out.ExpiresAt = &a, landing(acct), sess.Via, &until
	}
	return out
}

// getSession answers who is signed in with this browser: the account, or
// null; and whether a sign-in through an identity provider is offered.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	var acct *board.Account
	var sess *board.Session
	if id := sessionID(r); id != "" {
		var err error
		if sess, acct, err = s.sessionAccount(r.Context(), id); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, s.sessionBody(acct, sess))
}

// signIn checks an e-mail and password and starts a session. Failed
// attempts count per account and per address; over either limit the
// answer is 429 whatever the password, so guessing stalls. The answer for
// an unknown address is the same as for a wrong password, and takes as
// long.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.checkCSRF(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	email := board.NormalizeEmail(in.Email)
	if !board.ValidEmail(email) || in.Password == "" || len(in.Password) > MaxPasswordLen {
		s.writeError(w, r, board.Errorf(board.EInvalid, "give the e-mail address and password of your account"))
		return
	}
	addr := s.clientKey(r)
	if s.auth.loginAddr.blocked(addr) || s.auth.loginAcct.blocked(email) {
		s.log.Warn("sign-in refused", "reason", "rate_limited")
		w.Header().Set("Retry-After", "900")
		s.writeError(w, r, board.Errorf(board.ERateLimited, "too many failed sign-ins; wait a quarter of an hour or ask an admin"))
		return
	}
	acct, err := s.store.AccountByEmail(r.Context(), email)
	if err != nil && board.ErrorCode(err) != board.ENotFound {
		s.writeError(w, r, err)
		return
	}
	hash := dummyHash()
	if acct != nil && acct.PasswordHash != "" {
		hash = acct.PasswordHash
	}
	if !verifyPassword(in.Password, hash) || acct == nil || acct.PasswordHash == "" || acct.Disabled {
		s.auth.loginAddr.allow(addr)
		s.auth.loginAcct.allow(email)
		reason := "wrong_password"
		switch {
		case acct == nil:
			reason = "unknown_account"
		case acct.Disabled:
			reason = "disabled"
		}
		// The account id, never the address typed: that may be a
		// password typed into the wrong field.
		attrs := []any{"reason", reason}
		if acct != nil {
			attrs = append(attrs, "account", acct.ID)
		}
		s.log.Warn("sign-in failed", attrs...)
		s.writeError(w, r, board.Errorf(board.EUnauthorized, "wrong e-mail address or password"))
		return
	}
	sess, err := s.startSession(w, r, acct, "password")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.sessionBody(acct, sess))
}

// signOut ends this browser's session, here and in the store.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if id := sessionID(r); id != "" {
		if err := s.checkCSRF(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.store.DeleteSession(r.Context(), board.HashToken(id)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.setSessionCookie(w, r, "", true)
	w.WriteHeader(http.StatusNoContent)
}

// localPath reports whether a path given to redirect to after sign-in
// stays on this site: a local absolute path, not "//host" or "/\host".
func localPath(p string) bool {
	return strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "/\\") && !strings.ContainsAny(p, "\r\n")
}

// authState is what sign-in keeps per process.
type authState struct {
	loginAddr, loginAcct *rateLimiter
	owners               ownerCache
	oidc                 *oidcFlow
}

func newAuthState(cfg AccountsConfig) *authState {
	a := &authState{
		loginAddr: newRateLimiter(cfg.LoginsPerAddress, loginWindow),
		loginAcct: newRateLimiter(cfg.LoginsPerAccount, loginWindow),
	}
	if cfg.oidcEnabled() {
		a.oidc = newOIDCFlow(cfg)
	}
	return a
}
