package server

import "github.com/go-chi/chi/v5"

// Routes returns the server's router, for tests that walk it.
func Routes(s *Server) chi.Routes { return s.handler.(chi.Routes) }
