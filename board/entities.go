package board

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Municipality is a Swedish kommun, identified by its 4-digit SCB code.
type Municipality struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	County    string    `json:"county,omitempty"`
	Cluster   string    `json:"cluster,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Strategy is one revision of a municipality's energy and climate strategy.
// Exported PDFs attach to it.
type Strategy struct {
	ID           string    `json:"id"`
	Municipality string    `json:"municipality"`
	Title        string    `json:"title"`
	Revision     string    `json:"revision"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Key identifies a strategy within its municipality: the title and the
// revision, case and runs of spaces ignored. Two strategies of one
// municipality may not share a key, since people could not tell them apart
// in a list.
func (s *Strategy) Key() string {
	norm := func(v string) string { return strings.ToLower(strings.Join(strings.Fields(v), " ")) }
	return norm(s.Title) + "\x00" + norm(s.Revision)
}

// Info is a board's descriptive data; it does not change with edits.
type Info struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Municipality string    `json:"municipality"`
	Strategy     string    `json:"strategy"`
	Template     string    `json:"template"`
	JoinCode     string    `json:"joinCode,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	// From is the board of the same municipality this one continues (a
	// workshop series), or "".
	From string `json:"from,omitempty"`
	// FromTitle is the title of the board From names.
	FromTitle string `json:"fromTitle,omitempty"`
	// LastChange is when the board last changed: the time of its latest
	// change, or its creation. Store.Boards fills it from the change log;
	// it is not stored with the info.
	LastChange time.Time `json:"-"`
}

// Roles of a participant.
const (
	RoleFacilitator = "facilitator"
	RoleParticipant = "participant"
	RoleObserver    = "observer"
)

// Positions of a participant in the municipal organisation.
const (
	PositionOfficial   = "official"
	PositionManager    = "manager"
	PositionPolitician = "politician"
	PositionOther      = "other"
)

// Positions lists the valid positions in the order reports show them.
var Positions = []string{PositionPolitician, PositionManager, PositionOfficial, PositionOther}

// Participant is a person on a board. The token that authenticates them is
// kept only as a hash, in State.Tokens.
type Participant struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Administration string `json:"administration"`
	Position       string `json:"position"`
	Role           string `json:"role"`
	JoinedAt       int64  `json:"joinedAt"`
}

// CanEdit reports whether the participant may change objects and vote on a
// board in the given lock state.
func (p *Participant) CanEdit(locked bool) bool {
	switch p.Role {
	case RoleFacilitator:
		return true
	case RoleParticipant:
		return !locked
	}
	return false
}

// Export is the metadata of a stored PDF export. The PDF itself is stored
// beside it and never changes.
type Export struct {
	ID            string    `json:"id"`
	Board         string    `json:"board"`
	Municipality  string    `json:"municipality"`
	Strategy      string    `json:"strategy"`
	Title         string    `json:"title"`
	FileName      string    `json:"fileName"`
	FileNameASCII string    `json:"fileNameAscii"`
	Seq           uint64    `json:"seq"`
	Lang          string    `json:"lang"`
	CreatedAt     time.Time `json:"createdAt"`
	Bytes         int       `json:"bytes"`
	SHA256        string    `json:"sha256"`
	// Anonymous is true when the PDF names no person (it was made without
	// names). An export without it may name people, so erasing one of the
	// board's participants deletes it.
	Anonymous bool `json:"anonymous"`
	// Report is true when the PDF holds its report as an accessible web
	// page (GET /api/exports/{id}/html); exports made before that do not.
	Report bool `json:"report"`
}

// Limits on text lengths, counts and sizes.
const (
	MaxTitleLen     = 200
	MaxTextLen      = 4000
	MaxNameLen      = 100
	MaxCoord        = 1_000_000
	MaxOpsPerBatch  = 500
	MaxObjects      = 5000
	MaxParticipants = 1000
	MaxDots         = 50
	// MaxBoardTextBytes is the most bytes of text (all text props of all
	// objects together) a board holds: 1 MiB, some 3,000 sticky notes of
	// a paragraph each. With it, the largest board costs about 2.5 MB as
	// JSON, and a PDF export of it is always made.
	MaxBoardTextBytes = 1 << 20
)

// ValidText reports whether s is valid UTF-8 of at most max characters with
// no control characters other than newline and tab.
func ValidText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

// CheckText returns an EInvalid error naming field unless s is valid text of
// at most max characters; with required, it must also not be blank. The
// message says which rule s breaks.
func CheckText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return Errorf(EInvalid, "%s is required", field)
	}
	if p := TextProblem(s, max); p != "" {
		return Errorf(EInvalid, "%s %s", field, p)
	}
	return nil
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// joinAlphabet has no look-alikes (no 0/O, 1/I/L, 5/S, 2/Z, 8/B) so a code
// can be read from a projector across a room.
const joinAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// JoinCodeLen is the length of a join code.
const JoinCodeLen = 6

// NewJoinCode returns a random join code.
func NewJoinCode() string {
	b := make([]byte, JoinCodeLen)
	for i := range b {
		b[i] = joinAlphabet[randIntn(len(joinAlphabet))]
	}
	return string(b)
}

// NormalizeJoinCode upper-cases a typed code and drops spaces and dashes;
// it returns "" if the result cannot be a join code.
func NormalizeJoinCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if len(s) != JoinCodeLen {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(joinAlphabet, rune(s[i])) {
			return ""
		}
	}
	return s
}

func randIntn(n int) int {
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err)
		}
		// Reject the top of the range so every symbol is equally likely.
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}

// NewToken returns a random secret of 256 bits, hex encoded.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// HashToken returns the hash under which a token is stored.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
