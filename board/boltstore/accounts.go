package boltstore

import (
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/processkarta/processkarta/board"
)

// Buckets of accounts, sessions and the audit log. They are created by the
// first write, so a file from before accounts existed opens unchanged.
var (
	bAccounts      = []byte("accounts")       // account id → account
	bAccountEmails = []byte("account_emails") // e-mail → account id
	bSessions      = []byte("sessions")       // session hash → session
	bAudit         = []byte("audit")          // seq → event
)

// bucket returns the named top-level bucket, creating it in a writable
// transaction; in a read-only one it may be nil.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if tx.Writable() {
		return tx.CreateBucketIfNotExists(name)
	}
	return tx.Bucket(name), nil
}

// CreateAccount stores a; EConflict if its id or e-mail is taken.
func (s *Store) CreateAccount(ctx context.Context, a *board.Account) error {
	return s.update(func(tx *bolt.Tx) error {
		accts, err := bucket(tx, bAccounts)
		if err != nil {
			return err
		}
		emails, err := bucket(tx, bAccountEmails)
		if err != nil {
			return err
		}
		if accts.Get([]byte(a.ID)) != nil {
			return board.Errorf(board.EConflict, "account %s exists already", a.ID)
		}
		if emails.Get([]byte(a.Email)) != nil {
			return board.Errorf(board.EConflict, "an account has that e-mail address already")
		}
		if err := emails.Put([]byte(a.Email), []byte(a.ID)); err != nil {
			return err
		}
		return putJSON(accts, []byte(a.ID), a)
	})
}

func notFoundAccount() error { return board.Errorf(board.ENotFound, "no such account") }

func getAccount(tx *bolt.Tx, id string) (*board.Account, error) {
	b, _ := bucket(tx, bAccounts)
	if b == nil {
		return nil, notFoundAccount()
	}
	a := &board.Account{}
	ok, err := getJSON(b, []byte(id), a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFoundAccount()
	}
	return a, nil
}

// Account returns one account by id.
func (s *Store) Account(ctx context.Context, id string) (*board.Account, error) {
	var a *board.Account
	err := s.view(func(tx *bolt.Tx) (err error) {
		a, err = getAccount(tx, id)
		return err
	})
	return a, err
}

// AccountByEmail returns the account with the address email.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*board.Account, error) {
	var a *board.Account
	err := s.view(func(tx *bolt.Tx) (err error) {
		emails := tx.Bucket(bAccountEmails)
		if emails == nil {
			return notFoundAccount()
		}
		id := emails.Get([]byte(email))
		if id == nil {
			return notFoundAccount()
		}
		a, err = getAccount(tx, string(id))
		return err
	})
	return a, err
}

// Accounts returns every account ordered by e-mail.
func (s *Store) Accounts(ctx context.Context) ([]*board.Account, error) {
	out := []*board.Account{}
	err := s.view(func(tx *bolt.Tx) error {
		emails := tx.Bucket(bAccountEmails)
		if emails == nil {
			return nil
		}
		// Keys are sorted, so walking the e-mail index gives the order.
		return emails.ForEach(func(_, id []byte) error {
			a, err := getAccount(tx, string(id))
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateAccount replaces the stored account of a.ID with a.
func (s *Store) UpdateAccount(ctx context.Context, a *board.Account) error {
	return s.update(func(tx *bolt.Tx) error {
		old, err := getAccount(tx, a.ID)
		if err != nil {
			return err
		}
		emails, err := bucket(tx, bAccountEmails)
		if err != nil {
			return err
		}
		if old.Email != a.Email {
			if emails.Get([]byte(a.Email)) != nil {
				return board.Errorf(board.EConflict, "an account has that e-mail address already")
			}
			if err := emails.Delete([]byte(old.Email)); err != nil {
				return err
			}
			if err := emails.Put([]byte(a.Email), []byte(a.ID)); err != nil {
				return err
			}
		}
		return putJSON(tx.Bucket(bAccounts), []byte(a.ID), a)
	})
}

// CreateSession stores a new session, and drops sessions that have ended
// so the bucket holds only live ones.
func (s *Store) CreateSession(ctx context.Context, sess *board.Session) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bSessions)
		if err != nil {
			return err
		}
		if err := dropEnded(b, time.Now()); err != nil {
			return err
		}
		return putJSON(b, []byte(sess.Hash), sess)
	})
}

// dropEnded deletes the sessions past their Until. Organizer sessions are
// few, so a walk at each sign-in costs little.
func dropEnded(b *bolt.Bucket, now time.Time) error {
	var ended [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var sess board.Session
		if json.Unmarshal(v, &sess) != nil || !now.Before(sess.Until()) {
			ended = append(ended, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range ended {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func notFoundSession() error { return board.Errorf(board.ENotFound, "no such session") }

// Session returns the session whose id hashes to hash.
func (s *Store) Session(ctx context.Context, hash string) (*board.Session, error) {
	sess := &board.Session{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bSessions)
		if b == nil {
			return notFoundSession()
		}
		ok, err := getJSON(b, []byte(hash), sess)
		if err == nil && !ok {
			err = notFoundSession()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// TouchSession records a use of the session.
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen, idleUntil time.Time) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bSessions)
		if err != nil {
			return err
		}
		var sess board.Session
		ok, err := getJSON(b, []byte(hash), &sess)
		if err != nil {
			return err
		}
		if !ok {
			return notFoundSession()
		}
		sess.LastSeen, sess.IdleUntil = lastSeen, idleUntil
		return putJSON(b, []byte(hash), &sess)
	})
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bSessions)
		if err != nil {
			return err
		}
		return b.Delete([]byte(hash))
	})
}

// DeleteSessions ends every session of an account.
func (s *Store) DeleteSessions(ctx context.Context, accountID string) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bSessions)
		if err != nil {
			return err
		}
		var mine [][]byte
		err = b.ForEach(func(k, v []byte) error {
			var sess board.Session
			if err := json.Unmarshal(v, &sess); err != nil {
				return err
			}
			if sess.Account == accountID {
				mine = append(mine, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range mine {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddAudit appends an event, dropping the oldest beyond board.AuditKeep.
func (s *Store) AddAudit(ctx context.Context, e *board.AuditEvent) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bAudit)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(b, be64(seq), e); err != nil {
			return err
		}
		if seq > board.AuditKeep {
			return b.Delete(be64(seq - board.AuditKeep))
		}
		return nil
	})
}

// Audit returns up to limit events, newest first.
func (s *Store) Audit(ctx context.Context, limit int) ([]*board.AuditEvent, error) {
	out := []*board.AuditEvent{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAudit)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			e := &board.AuditEvent{}
			if err := json.Unmarshal(v, e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
