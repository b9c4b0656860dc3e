package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/processkarta/processkarta/board"
)

// Argon2id parameters: OWASP's password storage cheat sheet's first
// configuration (19 MiB of memory, 2 passes, 1 lane). A hash takes some
// tens of milliseconds on one core, which the sign-in rate limits keep
// affordable. Stored hashes carry their parameters, so raising these later
// keeps old hashes verifiable.
const (
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// argonMemory (KiB) and argonTime are variables only so that the server's
// tests, which sign in hundreds of times under the race detector, can use
// cheap hashes; TestPasswordHash checks these values.
var (
	argonMemory uint32 = 19 * 1024
	argonTime   uint32 = 2
)

// Password length bounds. The minimum follows NIST SP 800-63B for a
// password that is the only factor; the maximum only bounds the work a
// request can ask for. Any character counts, spaces included.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// checkPassword says what is wrong with a new password, if anything.
func checkPassword(p string) error {
	if !utf8.ValidString(p) {
		return board.Errorf(board.EInvalid, "password must be text")
	}
	if n := utf8.RuneCountInString(p); n < MinPasswordLen || len(p) > MaxPasswordLen {
		return board.Errorf(board.EInvalid, "password must be %d to %d characters long", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding

// hashPassword returns the password's argon2id hash in the PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func hashPassword(p string) string {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// verifyPassword reports whether p matches the stored hash, comparing in
// constant time. A malformed hash matches nothing.
func verifyPassword(p, stored string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	// Refuse parameters no hash of ours has, so a tampered record cannot
	// make a sign-in allocate gigabytes.
	if mem == 0 || mem > 256*1024 || iter == 0 || iter > 16 || threads == 0 {
		return false
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(p), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when no account has the address given,
// so that a sign-in takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() string { return hashPassword("no account has this password; it only costs time") })
