package server

import "github.com/go-chi/chi/v5"

// Routes returns the server's router, for tests that walk it.
func Routes(s *Server) chi.Routes { return s.handler.(chi.Routes) }

// ProductionArgon is the password hashing cost the server runs with.
var ProductionArgon = [2]uint32{argonMemory, argonTime}

func init() {
	// Cheap hashes for the many sign-ins of the tests; the format and the
	// verification are the same, and TestPasswordHash checks the real cost.
	argonMemory, argonTime = 1024, 1
}
