package server

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
)

// accountRoutes are sign-in and the admin's account management, under /api.
func (s *Server) accountRoutes(r chi.Router) {
	r.Post("/session", s.signIn)
	r.Get("/session", s.getSession)
	r.Delete("/session", s.signOut)
	r.Post("/accounts", s.admin(s.createAccount))
	r.Get("/accounts", s.admin(s.listAccounts))
	r.Get("/accounts/{id}", s.admin(s.getAccount))
	r.Patch("/accounts/{id}", s.admin(s.updateAccount))
	r.Delete("/accounts/{id}/sessions", s.admin(s.revokeSessions))
	r.Get("/audit", s.admin(s.listAudit))
}

// authPages are the OpenID Connect sign-in's two legs and the admin page.
func (s *Server) authPages(r chi.Router, page func(string) http.HandlerFunc) {
	r.Get("/auth/login", s.oidcLogin)
	r.Get("/auth/callback", s.oidcCallback)
	r.Get("/admin", s.adminPage(page("admin.html")))
}

// adminPage serves the admin page to the organizer key's holder (who
// gives the key on the page) and to admin accounts; to other signed-in
// accounts it does not exist.
func (s *Server) adminPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c, _ := s.caller(r); c != nil && !c.admin() {
			s.writeError(w, r, board.Errorf(board.ENotFound, "no such page or endpoint"))
			return
		}
		h(w, r)
	}
}

type accountIn struct {
	Email          *string   `json:"email"`
	Name           *string   `json:"name"`
	Role           *string   `json:"role"`
	Municipalities *[]string `json:"municipalities"`
	Cluster        *string   `json:"cluster"`
	Password       *string   `json:"password"`
	Disabled       *bool     `json:"disabled"`
}

// apply sets the fields given; a role change clears the scope the new role
// does not use, unless the same request sets it.
func (in *accountIn) apply(a *board.Account) error {
	if in.Email != nil {
		a.Email = *in.Email
	}
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Role != nil && *in.Role != a.Role {
		a.Role = *in.Role
		if in.Municipalities == nil {
			a.Municipalities = nil
		}
		if in.Cluster == nil {
			a.Cluster = ""
		}
	}
	if in.Municipalities != nil {
		a.Municipalities = slices.Clone(*in.Municipalities)
	}
	if in.Cluster != nil {
		a.Cluster = *in.Cluster
	}
	if in.Disabled != nil {
		a.Disabled = *in.Disabled
	}
	if err := board.CheckAccount(a); err != nil {
		return err
	}
	if in.Password != nil {
		if *in.Password == "" {
			a.PasswordHash = "" // sign-in through the identity provider only
		} else {
			if err := checkPassword(*in.Password); err != nil {
				return err
			}
			a.PasswordHash = hashPassword(*in.Password)
		}
	}
	return nil
}

// changed names the fields of an update for the audit log, never values.
func (in *accountIn) changed() string {
	var f []string
	for name, set := range map[string]bool{"email": in.Email != nil, "name": in.Name != nil, "role": in.Role != nil,
		"municipalities": in.Municipalities != nil, "cluster": in.Cluster != nil, "password": in.Password != nil, "disabled": in.Disabled != nil} {
		if set {
			f = append(f, name)
		}
	}
	slices.Sort(f)
	return strings.Join(f, ",")
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request) {
	var in accountIn
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Email == nil || in.Role == nil {
		s.writeError(w, r, board.Errorf(board.EInvalid, "an account needs email, name and role"))
		return
	}
	t := time.Now().UTC()
	a := &board.Account{ID: newID(), CreatedAt: t, UpdatedAt: t}
	if err := in.apply(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.CreateAccount(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, &board.AuditEvent{Action: board.AuditAccountCreated, Target: a.ID, Detail: a.Role})
	writeJSON(w, http.StatusCreated, toAccountOut(a))
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	as, err := s.store.Accounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]accountOut, 0, len(as))
	for _, a := range as {
		out = append(out, toAccountOut(a))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) loadAccount(w http.ResponseWriter, r *http.Request) *board.Account {
	a, err := s.store.Account(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return nil
	}
	return a
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	if a := s.loadAccount(w, r); a != nil {
		writeJSON(w, http.StatusOK, toAccountOut(a))
	}
}

// updateAccount changes an account: PATCH with the fields to change. A
// disabled account's sessions end at once; so do they when its password
// changes.
func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request) {
	var in accountIn
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a := s.loadAccount(w, r)
	if a == nil {
		return
	}
	if err := in.apply(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	a.UpdatedAt = time.Now().UTC()
	if err := s.store.UpdateAccount(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	if a.Disabled || in.Password != nil {
		if err := s.store.DeleteSessions(r.Context(), a.ID); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.audit(r, &board.AuditEvent{Action: board.AuditAccountChanged, Target: a.ID, Detail: in.changed()})
	writeJSON(w, http.StatusOK, toAccountOut(a))
}

// revokeSessions signs an account out everywhere.
func (s *Server) revokeSessions(w http.ResponseWriter, r *http.Request) {
	a := s.loadAccount(w, r)
	if a == nil {
		return
	}
	if err := s.store.DeleteSessions(r.Context(), a.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, &board.AuditEvent{Action: board.AuditSessionsRevoked, Target: a.ID})
	w.WriteHeader(http.StatusNoContent)
}
