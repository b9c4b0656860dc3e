package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
)

// Keys of accounts, sessions and the audit log; global, so one hash slot.
// A session is a string key that Redis expires when the session ends; the
// set of an account's sessions lets an admin end them all.
const (
	kAccounts      = global + "accounts"       // hash: account id → account
	kAccountEmails = global + "account-emails" // hash: e-mail → account id
	kAudit         = global + "audit"          // list, newest first
)

func sessionKey(hash string) string    { return global + "session:" + hash }
func accountSessions(id string) string { return global + "account-sessions:" + id }
func notFoundAccount() error           { return board.Errorf(board.ENotFound, "no such account") }
func notFoundSession() error           { return board.Errorf(board.ENotFound, "no such session") }
func emailTaken() error {
	return board.Errorf(board.EConflict, "an account has that e-mail address already")
}
func expireAt(t time.Time) time.Duration        { return max(time.Until(t), time.Millisecond) }
func sessionTTL(s *board.Session) time.Duration { return expireAt(s.Until()) }

// putAccountScript stores an account and keeps the e-mail index right.
//
// KEYS: accounts, account-emails. ARGV: id, e-mail, account JSON, mode
// ("create" or "update").
// Returns "OK", "EXISTS" (create: the id is taken), "NOACCOUNT" (update: no
// such id) or "EMAIL" (the e-mail belongs to another account).
var putAccountScript = redis.NewScript(`
local old = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[4] == 'create' and old then return 'EXISTS' end
if ARGV[4] == 'update' and not old then return 'NOACCOUNT' end
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return 'EMAIL' end
if old then
  local prev = cjson.decode(old)['email']
  if prev ~= ARGV[2] then redis.call('HDEL', KEYS[2], prev) end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 'OK'
`)

func (s *Store) putAccount(ctx context.Context, a *board.Account, mode string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := json.Marshal(a)
	if err != nil {
		return wrap(err)
	}
	res, err := putAccountScript.Run(ctx, s.rdb, []string{kAccounts, kAccountEmails}, a.ID, a.Email, b, mode).Text()
	if err != nil {
		return wrap(err)
	}
	switch res {
	case "OK":
		return nil
	case "EXISTS":
		return board.Errorf(board.EConflict, "account %s exists already", a.ID)
	case "NOACCOUNT":
		return notFoundAccount()
	case "EMAIL":
		return emailTaken()
	}
	return wrap(errors.New("put account: unexpected reply " + res))
}

// CreateAccount stores a; EConflict if its id or e-mail is taken.
func (s *Store) CreateAccount(ctx context.Context, a *board.Account) error {
	return s.putAccount(ctx, a, "create")
}

// UpdateAccount replaces the stored account of a.ID with a.
func (s *Store) UpdateAccount(ctx context.Context, a *board.Account) error {
	return s.putAccount(ctx, a, "update")
}

// Account returns one account by id.
func (s *Store) Account(ctx context.Context, id string) (*board.Account, error) {
	a, err := hgetJSON[board.Account](ctx, s, kAccounts, id, "account")
	if board.ErrorCode(err) == board.ENotFound {
		return nil, notFoundAccount()
	}
	return a, err
}

// AccountByEmail returns the account with the address email.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*board.Account, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	id, err := s.rdb.HGet(ctx, kAccountEmails, email).Result()
	if errors.Is(err, redis.Nil) {
		return nil, notFoundAccount()
	}
	if err != nil {
		return nil, wrap(err)
	}
	return s.Account(ctx, id)
}

// Accounts returns every account ordered by e-mail.
func (s *Store) Accounts(ctx context.Context) ([]*board.Account, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	all, err := s.rdb.HGetAll(ctx, kAccounts).Result()
	if err != nil {
		return nil, wrap(err)
	}
	out := make([]*board.Account, 0, len(all))
	for _, v := range all {
		a := &board.Account{}
		if err := json.Unmarshal([]byte(v), a); err != nil {
			return nil, wrap(err)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *board.Account) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

// CreateSession stores a new session with a Redis expiry at its end, and
// forgets the account's sessions that Redis has expired meanwhile.
func (s *Store) CreateSession(ctx context.Context, sess *board.Session) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := json.Marshal(sess)
	if err != nil {
		return wrap(err)
	}
	set := accountSessions(sess.Account)
	old, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return wrap(err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, sessionKey(sess.Hash), b, sessionTTL(sess))
		p.SAdd(ctx, set, sess.Hash)
		return nil
	})
	if err != nil {
		return wrap(err)
	}
	for _, h := range old {
		if n, err := s.rdb.Exists(ctx, sessionKey(h)).Result(); err == nil && n == 0 {
			s.rdb.SRem(ctx, set, h)
		}
	}
	return nil
}

// Session returns the session whose id hashes to hash.
func (s *Store) Session(ctx context.Context, hash string) (*board.Session, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	b, err := s.rdb.Get(ctx, sessionKey(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, notFoundSession()
	}
	if err != nil {
		return nil, wrap(err)
	}
	sess := &board.Session{}
	return sess, wrap(json.Unmarshal(b, sess))
}

// touchScript updates a session's times and expiry if it still exists.
//
// KEYS: the session. ARGV: session JSON, expiry in milliseconds.
// Returns 1, or 0 if the session is gone.
var touchScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// TouchSession records a use of the session.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, idleUntil time.Time) error {
	sess, err := s.Session(ctx, hash)
	if err != nil {
		return err
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	sess.LastSeen, sess.IdleUntil = lastSeen, idleUntil
	b, err := json.Marshal(sess)
	if err != nil {
		return wrap(err)
	}
	n, err := touchScript.Run(ctx, s.rdb, []string{sessionKey(hash)}, b, sessionTTL(sess).Milliseconds()).Int()
	if err != nil {
		return wrap(err)
	}
	if n == 0 {
		return notFoundSession()
	}
	return nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return wrap(s.rdb.Del(ctx, sessionKey(hash)).Err())
}

// deleteSessionsScript ends every session of an account.
//
// KEYS: the account's session set. ARGV: the session key prefix.
var deleteSessionsScript = redis.NewScript(`
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. h)
end
redis.call('DEL', KEYS[1])
return 1
`)

// DeleteSessions ends every session of an account.
func (s *Store) DeleteSessions(ctx context.Context, accountID string) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	return wrap(deleteSessionsScript.Run(ctx, s.rdb, []string{accountSessions(accountID)}, sessionKey("")).Err())
}

// AddAudit appends an event, keeping the newest board.AuditKeep.
func (s *Store) AddAudit(ctx context.Context, e *board.AuditEvent) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	b, err := json.Marshal(e)
	if err != nil {
		return wrap(err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, kAudit, b)
		p.LTrim(ctx, kAudit, 0, board.AuditKeep-1)
		return nil
	})
	return wrap(err)
}

// Audit returns up to limit events, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]*board.AuditEvent, error) {
	out := []*board.AuditEvent{}
	if limit <= 0 {
		return out, nil
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	raw, err := s.rdb.LRange(ctx, kAudit, 0, int64(limit-1)).Result()
	if err != nil {
		return nil, wrap(err)
	}
	for _, v := range raw {
		e := &board.AuditEvent{}
		if err := json.Unmarshal([]byte(v), e); err != nil {
			return nil, wrap(err)
		}
		out = append(out, e)
	}
	return out, nil
}
