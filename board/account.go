package board

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Account roles. An admin may do everything on the instance; a coordinator
// what concerns the municipalities of one cluster; a leader what concerns
// the municipalities listed on the account.
const (
	AccountAdmin       = "admin"
	AccountCoordinator = "coordinator"
	AccountLeader      = "leader"
)

// MaxEmailLen is the longest e-mail address an account may have (RFC 5321).
const MaxEmailLen = 254

// MaxAccountMunicipalities bounds a leader's list of municipalities.
const MaxAccountMunicipalities = 290

// Account is an organizer who signs in: a cluster coordinator, a process
// leader or an administrator of the instance. Participants never have one.
type Account struct {
	ID             string    `json:"id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role"`
	Municipalities []string  `json:"municipalities,omitempty"`
	Cluster        string    `json:"cluster,omitempty"`
	Disabled       bool      `json:"disabled,omitempty"`
	PasswordHash   string    `json:"passwordHash,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

// NormalizeEmail trims an address and lower-cases it, so that an account
// is found however its owner types the address.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidEmail reports whether s looks like an e-mail address: one @ with
// text on both sides, a dot in the domain, no spaces or control characters.
// Whether it reaches anyone is for the identity provider to know.
func ValidEmail(s string) bool {
	if len(s) > MaxEmailLen || !utf8.ValidString(s) {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// CheckAccount validates a's e-mail, name, role and scope, and puts the
// scope in canonical form: a leader's municipalities sorted without
// duplicates, nothing but a cluster for a coordinator, no scope for an
// admin. It returns an EInvalid error that says what is wrong.
func CheckAccount(a *Account) error {
	a.Email = NormalizeEmail(a.Email)
	if !ValidEmail(a.Email) {
		return Errorf(EInvalid, "email must be an e-mail address")
	}
	a.Name = strings.TrimSpace(a.Name)
	if err := CheckText("name", a.Name, MaxNameLen, true); err != nil {
		return err
	}
	a.Cluster = strings.TrimSpace(a.Cluster)
	switch a.Role {
	case AccountAdmin:
		if len(a.Municipalities) > 0 || a.Cluster != "" {
			return Errorf(EInvalid, "an admin has every municipality: leave municipalities and cluster out")
		}
	case AccountCoordinator:
		if len(a.Municipalities) > 0 {
			return Errorf(EInvalid, "a coordinator has the municipalities of a cluster: leave municipalities out")
		}
		if err := CheckText("cluster", a.Cluster, MaxTitleLen, true); err != nil {
			return Errorf(EInvalid, "a coordinator needs a cluster (text of at most %d characters)", MaxTitleLen)
		}
	case AccountLeader:
		if a.Cluster != "" {
			return Errorf(EInvalid, "a leader has listed municipalities: leave cluster out")
		}
		if len(a.Municipalities) == 0 {
			return Errorf(EInvalid, "a leader needs at least one municipality")
		}
		if len(a.Municipalities) > MaxAccountMunicipalities {
			return Errorf(EInvalid, "at most %d municipalities", MaxAccountMunicipalities)
		}
		for _, c := range a.Municipalities {
			if _, ok := LookupSCB(c); !ok {
				return Errorf(EInvalid, "municipalities: %q is not one of SCB's municipality codes", c)
			}
		}
		a.Municipalities = slices.Compact(slices.Sorted(slices.Values(a.Municipalities)))
	default:
		return Errorf(EInvalid, "role must be admin, coordinator or leader")
	}
	return nil
}

// Allows reports whether the account may see and manage m: an admin every
// municipality, a coordinator those of its cluster, a leader those listed.
// A disabled account is allowed nothing.
func (a *Account) Allows(m *Municipality) bool {
	if a == nil || a.Disabled || m == nil {
		return false
	}
	switch a.Role {
	case AccountAdmin:
		return true
	case AccountCoordinator:
		return a.Cluster != "" && m.Cluster == a.Cluster
	case AccountLeader:
		return slices.Contains(a.Municipalities, m.Code)
	}
	return false
}

// AllowsCluster reports whether the account may see the cluster called
// name as a whole: an admin any, a coordinator its own.
func (a *Account) AllowsCluster(name string) bool {
	if a == nil || a.Disabled || name == "" {
		return false
	}
	return a.Role == AccountAdmin || a.Role == AccountCoordinator && a.Cluster == name
}

// Session is a signed-in browser of an account. The session id travels in a
// cookie; the store keeps only its hash (HashToken).
type Session struct {
	Hash    string `json:"hash"`
	Account string `json:"account"`
	// Via is how the person signed in: "password" or "oidc".
	Via       string    `json:"via"`
	CreatedAt time.Time `json:"createdAt"`
	LastSeen  time.Time `json:"lastSeen"`
	// IdleUntil moves forward with use; ExpiresAt never does.
	IdleUntil time.Time `json:"idleUntil"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Valid reports whether the session may still be used at t.
func (s *Session) Valid(t time.Time) bool {
	return t.Before(s.IdleUntil) && t.Before(s.ExpiresAt)
}

// Until is when the session ends unless it is used before then.
func (s *Session) Until() time.Time {
	if s.IdleUntil.Before(s.ExpiresAt) {
		return s.IdleUntil
	}
	return s.ExpiresAt
}

// Audit actions: what organizers did that an admin may need to trace.
const (
	AuditBoardCreated      = "board.created"
	AuditBoardDeleted      = "board.deleted"
	AuditBoardExported     = "board.exported"
	AuditStrategyExported  = "strategy.exported"
	AuditParticipantErased = "participant.erased"
	AuditAccountCreated    = "account.created"
	AuditAccountChanged    = "account.changed"
	AuditSessionsRevoked   = "account.sessions_revoked"
)

// AuditKeep is how many audit events the stores keep at least; older ones
// may be dropped.
const AuditKeep = 10_000

// AuditEvent is one organizer action. It names who did it by account id
// (or "organizer-key", or the participant id of a facilitator's token) and
// what it touched by id; never a person's name or address.
type AuditEvent struct {
	At           time.Time `json:"at"`
	Action       string    `json:"action"`
	Account      string    `json:"account,omitempty"`
	Participant  string    `json:"participant,omitempty"`
	Municipality string    `json:"municipality,omitempty"`
	Board        string    `json:"board,omitempty"`
	Target       string    `json:"target,omitempty"`
	Detail       string    `json:"detail,omitempty"`
}

// AccountStore is the part of Store that keeps accounts, their sessions and
// the audit log. Every Store implements it.
type AccountStore interface {
	// CreateAccount stores a; EConflict if its id or e-mail is taken.
	CreateAccount(ctx context.Context, a *Account) error
	// Account returns one account by id.
	Account(ctx context.Context, id string) (*Account, error)
	// AccountByEmail returns the account with the normalized address email.
	AccountByEmail(ctx context.Context, email string) (*Account, error)
	// Accounts returns every account ordered by e-mail.
	Accounts(ctx context.Context) ([]*Account, error)
	// UpdateAccount replaces the stored account of a.ID with a; ENotFound
	// if there is none, EConflict if a's e-mail belongs to another account.
	UpdateAccount(ctx context.Context, a *Account) error

	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session whose id hashes to hash. ENotFound if
	// there is none; a session past its Until may be gone.
	Session(ctx context.Context, hash string) (*Session, error)
	// TouchSession records a use of the session: LastSeen and a later
	// IdleUntil. ENotFound if the session is gone.
	TouchSession(ctx context.Context, hash string, lastSeen, idleUntil time.Time) error
	// DeleteSession ends one session; ending one that is gone is no error.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessions ends every session of an account.
	DeleteSessions(ctx context.Context, accountID string) error

	// AddAudit appends an event to the audit log.
	AddAudit(ctx context.Context, e *AuditEvent) error
	// Audit returns up to limit events, newest first.
	Audit(ctx context.Context, limit int) ([]*AuditEvent, error)
}
