package server

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// The scope of an account is checked in one place for everything a path
// names: organizer, boardAuth and exportAuth resolve each path parameter of
// the matched route to the municipality it belongs to and answer 404, as
// for something that does not exist, when the caller's scope does not hold
// it. A new organizer endpoint gets the check by being wrapped in
// organizer; a path parameter without a rule here is refused (fail closed)
// and fails the test that walks the router.

// scopeRule says which resource a path parameter names, by the route's
// path prefix.
type scopeRule struct {
	param    string
	prefixes []string
	kind     string // "municipality", "board", "strategy", "export", "cluster", or "" (decided by another parameter)
}

var scopeRules = []scopeRule{
	{"code", []string{"/api/municipalities/"}, "municipality"},
	{"id", []string{"/api/boards/", "/b/"}, "board"},
	{"pid", []string{"/api/boards/"}, ""},
	{"id", []string{"/api/strategies/", "/s/"}, "strategy"},
	{"id", []string{"/api/exports/"}, "export"},
	{"name", []string{"/api/clusters/", "/k/"}, "cluster"},
}

func ruleFor(pattern, param string) (scopeRule, bool) {
	for _, r := range scopeRules {
		if r.param != param {
			continue
		}
		for _, p := range r.prefixes {
			if strings.HasPrefix(pattern, p) {
				return r, true
			}
		}
	}
	return scopeRule{}, false
}

// notFound is the answer for a resource outside the caller's scope; it is
// the same as for one that does not exist.
func notFound(kind, id string) error {
	switch kind {
	case "municipality":
		return board.Errorf(board.ENotFound, "no municipality %q", id)
	case "board":
		return board.Errorf(board.ENotFound, "no such board")
	case "strategy":
		return board.Errorf(board.ENotFound, "no strategy %q", id)
	case "export":
		return board.Errorf(board.ENotFound, "no such export")
	case "cluster":
		return board.Errorf(board.ENotFound, "no cluster %q", id)
	}
	return board.Errorf(board.ENotFound, "no such page or endpoint")
}

// checkScope checks every path parameter of the matched route against the
// caller's scope.
func (s *Server) checkScope(r *http.Request, c *caller) error {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return nil
	}
	pattern := rctx.RoutePattern()
	for i, key := range rctx.URLParams.Keys {
		if key == "*" {
			continue
		}
		rule, ok := ruleFor(pattern, key)
		if !ok {
			s.log.Error("a route's path parameter has no scope rule; refused", "route", pattern, "param", key)
			return notFound("", "")
		}
		if c.admin() || rule.kind == "" {
			continue
		}
		if err := s.checkResource(r.Context(), c, rule.kind, rctx.URLParams.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkResource answers 404 unless the resource of kind and id is within
// the caller's scope. For an account, a resource that does not exist gets
// the same 404 here, before the handler reads the body, so that no answer
// tells an existing resource outside the scope from a missing one.
func (s *Server) checkResource(ctx context.Context, c *caller, kind, id string) error {
	if c.admin() {
		return nil
	}
	if kind == "cluster" {
		if !c.allowsCluster(id) {
			return notFound(kind, id)
		}
		return nil
	}
	code, err := s.owner(ctx, kind, id)
	if board.ErrorCode(err) == board.ENotFound {
		return notFound(kind, id)
	}
	if err != nil {
		return err
	}
	ok, err := s.allowsCode(ctx, c, code)
	if err != nil {
		return err
	}
	if !ok {
		return notFound(kind, id)
	}
	return nil
}

// allowsCode reports whether the caller's scope holds the municipality
// with code. A municipality that does not exist is in nobody's scope but
// the admin's.
func (s *Server) allowsCode(ctx context.Context, c *caller, code string) (bool, error) {
	if c.admin() {
		return true, nil
	}
	m, err := s.store.Municipality(ctx, code)
	if board.ErrorCode(err) == board.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.allows(m), nil
}

// scopeMunicipality answers like a missing municipality unless the caller
// may work in the one with code; for codes named in a body or a query.
func (s *Server) scopeMunicipality(ctx context.Context, c *caller, code string) error {
	ok, err := s.allowsCode(ctx, c, code)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("municipality", code)
	}
	return nil
}

// owner returns the code of the municipality a board, strategy or export
// belongs to. The answer never changes for an id, so it is cached.
func (s *Server) owner(ctx context.Context, kind, id string) (string, error) {
	if kind == "municipality" {
		return id, nil
	}
	key := kind + ":" + id
	if code, ok := s.auth.owners.get(key); ok {
		return code, nil
	}
	var code string
	switch kind {
	case "board":
		st, err := s.store.Load(ctx, id)
		if err != nil {
			return "", err
		}
		code = st.Info.Municipality
	case "strategy":
		st, err := s.store.Strategy(ctx, id)
		if err != nil {
			return "", err
		}
		code = st.Municipality
	case "export":
		e, err := s.store.Export(ctx, id)
		if err != nil {
			return "", err
		}
		code = e.Municipality
	default:
		return "", board.Errorf(board.ENotFound, "unknown resource")
	}
	s.auth.owners.put(key, code)
	return code, nil
}

// ownerCache maps "kind:id" to a municipality code, bounded by clearing
// when full (cheap to refill, and ids are never reused).
type ownerCache struct {
	mu sync.Mutex
	m  map[string]string
}

const ownerCacheMax = 100_000

func (o *ownerCache) get(k string) (string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	v, ok := o.m[k]
	return v, ok
}

func (o *ownerCache) put(k, v string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil || len(o.m) >= ownerCacheMax {
		o.m = map[string]string{}
	}
	o.m[k] = v
}

// organizer lets through the organizer key and signed-in accounts, with
// every resource the path names within the account's scope.
func (s *Server) organizer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.needCaller(w, r)
		if !ok {
			return
		}
		if err := s.checkScope(r, c); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, withCaller(r, c))
	}
}

// callerOf returns the caller that organizer or admin let through.
func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	return c
}

// allowedCodes returns the set of municipality codes the caller may see,
// or nil when it may see all; for lists.
func (s *Server) allowedCodes(ctx context.Context, c *caller) (map[string]bool, error) {
	if c == nil || c.admin() {
		return nil, nil
	}
	ms, err := s.store.Municipalities(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, m := range ms {
		if c.allows(m) {
			set[m.Code] = true
		}
	}
	return set, nil
}

// wsOutsideScope reports whether a websocket request comes from a
// signed-in account whose scope does not hold the board, without a token
// of the board: it is then closed like one to a board that does not exist
// (4404). A participant's token works whoever is signed in, since anyone
// may join a workshop by its code.
func (s *Server) wsOutsideScope(r *http.Request) bool {
	if sessionID(r) == "" {
		return false
	}
	c, err := s.caller(r)
	if err != nil || c == nil || c.admin() {
		return false
	}
	st, err := s.store.Load(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return false
	}
	if token := r.URL.Query().Get("token"); token != "" {
		if id, ok := st.Tokens[board.HashToken(token)]; ok && st.Participants[id] != nil {
			return false
		}
	}
	ok, err := s.allowsCode(r.Context(), c, st.Info.Municipality)
	return err == nil && !ok
}

// scopedPage serves an organizer page (a strategy revision, a cluster) to
// signed-in accounts only within their scope; outside it, the page does
// not exist. Without a session the page is served as it is, and its data
// comes from the API, which checks the organizer key the page sends.
func (s *Server) scopedPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, _ := s.caller(r); c != nil {
			if err := s.checkScope(r, c); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		h(w, r)
	}
}
