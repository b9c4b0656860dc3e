// Package board is Processkarta's domain: municipalities, strategies, boards
// with their objects, ops, settings, votes and participants, the pure rules
// that turn a request into a sequenced Change, and the Store interface that
// the adapters in its subpackages implement.
package board

import (
	"errors"
	"fmt"
)

// Error codes shared by the domain, the stores and the transports. The HTTP
// layer maps each to a status; the websocket layer sends them in reject and
// error messages.
const (
	EInvalid      = "invalid"        // the input breaks a rule
	ENotFound     = "not_found"      // no such thing
	EConflict     = "conflict"       // it exists already, or a reference clashes
	EForbidden    = "forbidden"      // the role does not allow it
	EUnauthorized = "unauthorized"   // no valid key or token
	ELocked       = "locked"         // the board is locked for participants
	ETooLarge     = "too_large"      // over a size or count limit
	ETooOld       = "too_old"        // the change log no longer holds that seq
	EUnavailable  = "unavailable"    // the store cannot be reached; retry later
	ERateLimited  = "rate_limited"   // too many requests
	EInternal     = "internal"       // a bug or an unexpected failure
	EVotingClosed = "voting_closed"  // a vote while no voting session is open
	ENoDots       = "no_dots_left"   // the voter's budget is spent
	EBoardFull    = "board_full"     // the board's text budget (MaxBoardTextBytes) is spent
	EJoinClosed   = "joining_closed" // the facilitator closed the board to new participants
	EBadMessage   = "bad_message"    // a websocket frame that is not a protocol message
)

// Error is a domain error with a machine-readable code and a message meant
// for people.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of an *Error anywhere in its
// chain, "" for nil, and EInternal for anything else.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the human text of err; for errors that are not an
// *Error it hides the details, which may hold internals.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
