package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/processkarta/processkarta/board"
)

// caller is the organizer a request acts for: the holder of the organizer
// key (the instance's administrator and its scripts) or a signed-in
// account.
type caller struct {
	key     bool
	account *board.Account
	session *board.Session // for an account signed in with a cookie
}

// keyActor names the organizer key in audit events.
const keyActor = "organizer-key"

func (c *caller) admin() bool {
	if c == nil {
		return false
	}
	return c.key || c.account != nil && c.account.Role == board.AccountAdmin && !c.account.Disabled
}

// actor is the id audit events give the caller by.
func (c *caller) actor() string {
	if c.key {
		return keyActor
	}
	return c.account.ID
}

// allows reports whether the caller may see and manage m.
func (c *caller) allows(m *board.Municipality) bool {
	return c != nil && (c.key || c.account.Allows(m))
}

func (c *caller) allowsCluster(name string) bool {
	return c != nil && (c.key || c.account.AllowsCluster(name))
}

// Cookie names. Behind https the session cookie carries the __Host- prefix,
// which browsers accept only from a secure origin, for path / and with no
// domain: no subdomain can set or shadow it.
const (
	sessionCookie       = "pk_session"
	secureSessionCookie = "__Host-pk_session"
)

// touchEvery is how stale a session's LastSeen may get before a request
// writes it again; it spares the store one write per request.
const touchEvery = time.Minute

type callerKey struct{}

// caller returns who the request acts for: the organizer key as a bearer
// token, or else the account of a valid session cookie. It returns nil
// and no error for a request with neither. A state change authenticated by
// the cookie must come from a browser page of an allowed origin with a
// JSON body; otherwise it is refused (cross-site request forgery).
func (s *Server) caller(r *http.Request) (*caller, error) {
	if c, ok := r.Context().Value(callerKey{}).(*caller); ok {
		return c, nil
	}
	if s.isOrganizer(bearer(r)) {
		return &caller{key: true}, nil
	}
	id := sessionID(r)
	if id == "" {
		return nil, nil
	}
	sess, acct, err := s.sessionAccount(r.Context(), id)
	if err != nil || acct == nil {
		return nil, err
	}
	if err := s.checkCSRF(r); err != nil {
		return nil, err
	}
	return &caller{account: acct, session: sess}, nil
}

// withCaller remembers c for the rest of the request.
func withCaller(r *http.Request, c *caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

// sessionID returns the session cookie's value, if any.
func sessionID(r *http.Request) string {
	for _, name := range []string{secureSessionCookie, sessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// sessionAccount returns the session of id and its account, or nils when
// the session has ended, the account is gone or it is disabled. The account
// is read on every request, so a disabled account or a changed scope takes
// effect at once.
func (s *Server) sessionAccount(ctx context.Context, id string) (*board.Session, *board.Account, error) {
	hash := board.HashToken(id)
	sess, err := s.store.Session(ctx, hash)
	if board.ErrorCode(err) == board.ENotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	t := time.Now()
	if !sess.Valid(t) {
		s.store.DeleteSession(ctx, hash)
		return nil, nil, nil
	}
	acct, err := s.store.Account(ctx, sess.Account)
	if board.ErrorCode(err) == board.ENotFound || err == nil && acct.Disabled {
		s.store.DeleteSession(ctx, hash)
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if t.Sub(sess.LastSeen) >= touchEvery {
		idle := t.Add(s.cfg.Accounts.SessionIdle)
		if idle.After(sess.ExpiresAt) {
			idle = sess.ExpiresAt
		}
		if err := s.store.TouchSession(ctx, hash, t, idle); err == nil {
			sess.LastSeen, sess.IdleUntil = t, idle
		}
	}
	return sess, acct, nil
}

// unsafeMethod reports whether a request may change state.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkCSRF guards cookie-authenticated state changes. A browser sends
// cookies with requests that other sites make, but it always sends Origin
// with a POST, PUT, PATCH or DELETE (or, for a same-origin request, at
// least Sec-Fetch-Site), and no other site can send a JSON body, or use a
// method other than GET, HEAD and POST, without a CORS preflight, which
// this server never grants. So a change needs an allowed Origin and, if it
// has a body, the JSON content type.
func (s *Server) checkCSRF(r *http.Request) error {
	if !unsafeMethod(r.Method) {
		return nil
	}
	if r.Header.Get("Origin") == "" {
		if r.Header.Get("Sec-Fetch-Site") != "same-origin" {
			return board.Errorf(board.EForbidden, "a signed-in change needs an Origin header from an allowed origin")
		}
	} else if !s.originAllowed(r) {
		return board.Errorf(board.EForbidden, "requests from that origin are not allowed")
	}
	hasBody := r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
	if (hasBody || r.Header.Get("Content-Type") != "") && !jsonContent(r) && !xmlImport(r) {
		return board.Errorf(EUnsupportedMedia, "a signed-in change needs Content-Type: application/json")
	}
	return nil
}

// xmlImport: the import endpoint also takes BPMN and diagrams.net files,
// which no other site can send without a preflight either.
func xmlImport(r *http.Request) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return r.URL.Path == "/api/boards/import" && (ct == "application/xml" || ct == "text/xml")
}

func jsonContent(r *http.Request) bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return ct == "application/json"
}

// needCaller answers 401 unless the request has a caller.
func (s *Server) needCaller(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	c, err := s.caller(r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	if c == nil {
		s.writeError(w, r, board.Errorf(board.EUnauthorized, "sign in, or give the organizer key as a bearer token"))
		return nil, false
	}
	return c, true
}

// admin lets through only the organizer key and admin accounts. Anyone
// else signed in gets 404: the admin's endpoints do not exist for them.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.needCaller(w, r)
		if !ok {
			return
		}
		if !c.admin() {
			s.writeError(w, r, board.Errorf(board.ENotFound, "no such page or endpoint"))
			return
		}
		h(w, withCaller(r, c))
	}
}
