package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
)

func account(email, role string) *board.Account {
	a := &board.Account{ID: uuid.NewString(), Email: email, Name: "Namn", Role: role, CreatedAt: now(), UpdatedAt: now()}
	switch role {
	case board.AccountLeader:
		a.Municipalities = []string{"0780"}
	case board.AccountCoordinator:
		a.Cluster = "Kronoberg"
	}
	return a
}

func testAccounts(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	got, err := s.Accounts(ctx)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a new store has %d accounts", len(got))
	}
	_, err = s.Account(ctx, uuid.NewString())
	wantCode(t, err, board.ENotFound)
	_, err = s.AccountByEmail(ctx, "nobody@example.se")
	wantCode(t, err, board.ENotFound)

	b := account("b@example.se", board.AccountLeader)
	b.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
	a := account("a@example.se", board.AccountCoordinator)
	must(t, s.CreateAccount(ctx, b))
	must(t, s.CreateAccount(ctx, a))
	wantCode(t, s.CreateAccount(ctx, account("a@example.se", board.AccountAdmin)), board.EConflict)
	dupID := account("c@example.se", board.AccountAdmin)
	dupID.ID = a.ID
	wantCode(t, s.CreateAccount(ctx, dupID), board.EConflict)

	got1, err := s.Account(ctx, b.ID)
	must(t, err)
	if mustJSON(t, got1) != mustJSON(t, b) {
		t.Fatalf("Account = %s, want %s", mustJSON(t, got1), mustJSON(t, b))
	}
	byMail, err := s.AccountByEmail(ctx, "a@example.se")
	must(t, err)
	if byMail.ID != a.ID || byMail.Cluster != "Kronoberg" {
		t.Fatalf("AccountByEmail = %+v", byMail)
	}
	list, err := s.Accounts(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("Accounts not ordered by e-mail: %s", mustJSON(t, list))
	}

	// A change of address moves the index with it; the old address is free.
	b.Email, b.Disabled = "b2@example.se", true
	must(t, s.UpdateAccount(ctx, b))
	_, err = s.AccountByEmail(ctx, "b@example.se")
	wantCode(t, err, board.ENotFound)
	moved, err := s.AccountByEmail(ctx, "b2@example.se")
	must(t, err)
	if moved.ID != b.ID || !moved.Disabled {
		t.Fatalf("after the update: %+v", moved)
	}
	must(t, s.CreateAccount(ctx, account("b@example.se", board.AccountAdmin)))

	// Taking another account's address changes nothing.
	a2 := *a
	a2.Email, a2.Name = "b2@example.se", "Annat"
	wantCode(t, s.UpdateAccount(ctx, &a2), board.EConflict)
	still, err := s.Account(ctx, a.ID)
	must(t, err)
	if still.Email != "a@example.se" || still.Name != a.Name {
		t.Fatalf("a refused update changed the account: %+v", still)
	}
	ghost := account("ghost@example.se", board.AccountAdmin)
	wantCode(t, s.UpdateAccount(ctx, ghost), board.ENotFound)

	// Two creators racing for one address: exactly one wins.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateAccount(ctx, account("race@example.se", board.AccountAdmin))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else if board.ErrorCode(err) != board.EConflict {
			t.Fatalf("racing create: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates of one address succeeded, want 1", won)
	}

	// Accounts survive a reopen.
	must(t, s.Close())
	s2 := open(t)
	again, err := s2.AccountByEmail(ctx, "a@example.se")
	must(t, err)
	if mustJSON(t, again) != mustJSON(t, a) {
		t.Fatalf("after reopen: %s, want %s", mustJSON(t, again), mustJSON(t, a))
	}
}

func session(account string, idle time.Duration) *board.Session {
	t := now()
	return &board.Session{Hash: board.HashToken(board.NewToken()), Account: account, Via: "password",
		CreatedAt: t, LastSeen: t, IdleUntil: t.Add(idle), ExpiresAt: t.Add(12 * time.Hour)}
}

func testSessions(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	_, err := s.Session(ctx, board.HashToken("nothing"))
	wantCode(t, err, board.ENotFound)
	wantCode(t, s.TouchSession(ctx, board.HashToken("nothing"), now(), now().Add(time.Hour)), board.ENotFound)
	must(t, s.DeleteSession(ctx, board.HashToken("nothing")))

	a1, a2 := uuid.NewString(), uuid.NewString()
	s1, s2, s3 := session(a1, time.Hour), session(a1, time.Hour), session(a2, time.Hour)
	for _, x := range []*board.Session{s1, s2, s3} {
		must(t, s.CreateSession(ctx, x))
	}
	got, err := s.Session(ctx, s1.Hash)
	must(t, err)
	if mustJSON(t, got) != mustJSON(t, s1) {
		t.Fatalf("Session = %s, want %s", mustJSON(t, got), mustJSON(t, s1))
	}
	seen, until := now().Add(time.Minute), now().Add(2*time.Hour)
	must(t, s.TouchSession(ctx, s1.Hash, seen, until))
	got, err = s.Session(ctx, s1.Hash)
	must(t, err)
	if !got.LastSeen.Equal(seen) || !got.IdleUntil.Equal(until) || !got.ExpiresAt.Equal(s1.ExpiresAt) {
		t.Fatalf("after touch: %+v", got)
	}

	must(t, s.DeleteSession(ctx, s2.Hash))
	_, err = s.Session(ctx, s2.Hash)
	wantCode(t, err, board.ENotFound)

	// Ending an account's sessions leaves the others' alone.
	s4 := session(a1, time.Hour)
	must(t, s.CreateSession(ctx, s4))
	must(t, s.DeleteSessions(ctx, a1))
	for _, h := range []string{s1.Hash, s4.Hash} {
		_, err = s.Session(ctx, h)
		wantCode(t, err, board.ENotFound)
	}
	if _, err := s.Session(ctx, s3.Hash); err != nil {
		t.Fatalf("another account's session ended too: %v", err)
	}
	must(t, s.DeleteSessions(ctx, uuid.NewString()))

	// Sessions survive a reopen.
	must(t, s.Close())
	s5 := open(t)
	if _, err := s5.Session(ctx, s3.Hash); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

func testAudit(t *testing.T, open func(t *testing.T) board.Store) {
	s := open(t)
	ctx := ctxT(t)
	got, err := s.Audit(ctx, 10)
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("a new store has %d audit events", len(got))
	}
	for i := range 5 {
		must(t, s.AddAudit(ctx, &board.AuditEvent{At: now(), Action: board.AuditBoardCreated, Account: "acct",
			Municipality: "0780", Board: fmt.Sprintf("b%d", i)}))
	}
	got, err = s.Audit(ctx, 3)
	must(t, err)
	if len(got) != 3 || got[0].Board != "b4" || got[1].Board != "b3" || got[2].Board != "b2" {
		t.Fatalf("Audit(3) = %s, want b4, b3, b2", mustJSON(t, got))
	}
	if got[0].Action != board.AuditBoardCreated || got[0].Account != "acct" || got[0].Municipality != "0780" {
		t.Fatalf("event = %+v", got[0])
	}
	must(t, s.Close())
	all, err := open(t).Audit(ctx, 100)
	must(t, err)
	if len(all) != 5 {
		t.Fatalf("after reopen: %d events, want 5", len(all))
	}
}
