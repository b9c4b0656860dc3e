package server

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"

	"github.com/processkarta/processkarta/board"
)

// clientAddr is the address a request comes from: the peer, or, when the
// peer is a trusted proxy, the first address in X-Forwarded-For (read from
// the right) that is not itself a trusted proxy.
func (s *Server) clientAddr(r *http.Request) netip.Addr {
	peer := peerAddr(r)
	if !s.trusted(peer) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	for i := len(all) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(all[i]))
		if err != nil {
			break // a forged or broken entry: stop at the last good hop
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addrKey is what rate limits and caps count by: an IPv4 address, or the
// /64 an IPv6 address is in (one household or office gets a whole /64, and
// picking a new address in it costs nothing).
func addrKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

// clientKey is addrKey of the request's client address.
func (s *Server) clientKey(r *http.Request) string { return addrKey(s.clientAddr(r)) }

// requestScheme is the scheme the client used: https when TLS ends here or,
// from a trusted proxy, when X-Forwarded-Proto says so.
func (s *Server) requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if s.trusted(peerAddr(r)) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return "https"
	}
	return "http"
}

// originAllowed reports whether a request with this Origin header may act:
// no Origin means no browser, and so no cross-site request to fear. The
// origin must match, scheme and host, one of the allowed origins or else
// the public URL or else the server's own origin as the request shows it.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	got := strings.ToLower(u.Scheme + "://" + withPort(u.Scheme, u.Host))
	for _, o := range s.allowedOrigins(r) {
		if got == o {
			return true
		}
	}
	return false
}

// allowedOrigins lists the origins that may act, normalized by origin().
func (s *Server) allowedOrigins(r *http.Request) []string {
	if len(s.cfg.AllowedOrigins) > 0 {
		out := make([]string, 0, len(s.cfg.AllowedOrigins))
		for _, o := range s.cfg.AllowedOrigins {
			if n := origin(o); n != "" {
				out = append(out, n)
			}
		}
		return out
	}
	if s.cfg.PublicURL != "" {
		return []string{origin(s.cfg.PublicURL)}
	}
	return []string{origin(s.requestScheme(r) + "://" + r.Host)}
}

// origin returns scheme://host:port of a URL, lower-case, with the default
// port spelled out so that https://a and https://a:443 compare equal.
func origin(raw string) string {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + withPort(u.Scheme, u.Host))
}

func withPort(scheme, host string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	if scheme == "https" {
		return host + ":443"
	}
	return host + ":80"
}

// guardStateChange refuses state-changing API calls a foreign web page
// could make: a body that is not JSON (a cross-site form or a text/plain
// fetch needs no preflight; JSON does) gets 415, a foreign Origin 403.
func (s *Server) guardStateChange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if !s.originAllowed(r) {
			s.security(r, "origin_refused", "origin", r.Header.Get("Origin"))
			s.writeError(w, r, board.Errorf(board.EForbidden, "requests from another site are not allowed here"))
			return
		}
		ct := r.Header.Get("Content-Type")
		if ct != "" || (r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody) {
			mt, _, _ := mime.ParseMediaType(ct)
			if mt != "application/json" && !(xmlBodyAllowed(r) && (mt == "application/xml" || mt == "text/xml")) {
				s.security(r, "content_type_refused", "contentType", truncate(ct, 80))
				s.writeError(w, r, board.Errorf(EUnsupportedMedia, "send the body as JSON with Content-Type: application/json"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// EUnsupportedMedia is the error code of a body that is not JSON (415).
const EUnsupportedMedia = "unsupported_media_type"

// xmlBodyAllowed: the import endpoint also takes BPMN and diagrams.net
// files. A browser cannot send XML across sites without a preflight either.
func xmlBodyAllowed(r *http.Request) bool { return r.URL.Path == "/api/boards/import" }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// connLimiter caps the requests (websockets included, for their whole
// life) open at once from one address key.
type connLimiter struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (l *connLimiter) acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// capConns answers 429 to an address that has ConnsPerAddress requests
// and websockets open already.
func (s *Server) capConns(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := s.clientKey(r)
		if !s.conns.acquire(key) {
			s.security(r, "connection_cap", "addr", key)
			w.Header().Set("Retry-After", "5")
			s.writeError(w, r, board.Errorf(board.ERateLimited, "too many open connections from your address; close some tabs or wait a moment"))
			return
		}
		defer s.conns.release(key)
		next.ServeHTTP(w, r)
	})
}

// security logs one security event as structured data: what happened,
// where and from which address, never a token or a key.
func (s *Server) security(r *http.Request, event string, attrs ...any) {
	base := []any{"event", event, "addr", s.clientKey(r), "method", r.Method, "path", r.URL.Path}
	s.log.Warn("security", append(base, attrs...)...)
}
