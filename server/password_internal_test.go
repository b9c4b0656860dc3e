package server

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	// OWASP's first argon2id configuration: 19 MiB, 2 passes, 1 lane.
	if ProductionArgon != [2]uint32{19 * 1024, 2} || argonThreads != 1 {
		t.Fatalf("argon2id cost %v, %d lanes", ProductionArgon, argonThreads)
	}
	mem, iter := argonMemory, argonTime
	argonMemory, argonTime = ProductionArgon[0], ProductionArgon[1]
	defer func() { argonMemory, argonTime = mem, iter }()
	h := hashPassword("rätt häftklammer 2026")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s", h)
	}
	if h == hashPassword("rätt häftklammer 2026") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !verifyPassword("rätt häftklammer 2026", h) || verifyPassword("rätt häftklammer 2027", h) || verifyPassword("", h) {
		t.Fatal("verify")
	}
	// Hashes made with other costs (older or cheaper) still verify.
	argonMemory, argonTime = 1024, 1
	cheap := hashPassword("x")
	argonMemory, argonTime = ProductionArgon[0], ProductionArgon[1]
	if !verifyPassword("x", cheap) {
		t.Fatal("a hash of another cost does not verify")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=4000000,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA", h[:len(h)-2]} {
		if verifyPassword("rätt häftklammer 2026", bad) {
			t.Fatalf("%q verified", bad)
		}
	}
	for _, p := range []string{"kort", strings.Repeat("x", 11), strings.Repeat("x", 257)} {
		if checkPassword(p) == nil {
			t.Fatalf("password %q accepted", p)
		}
	}
	if checkPassword("tolv tecken!") != nil {
		t.Fatal("a 12-character password refused")
	}
}
