package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/processkarta/processkarta/board"
)

// maxBody caps every JSON request body; a board document fits well within it.
const maxBody = 1 << 20

var statusOf = map[string]int{
	board.EInvalid:      http.StatusBadRequest,
	board.ENotFound:     http.StatusNotFound,
	board.EConflict:     http.StatusConflict,
	board.EForbidden:    http.StatusForbidden,
	board.EUnauthorized: http.StatusUnauthorized,
	board.ELocked:       http.StatusForbidden,
	board.ETooLarge:     http.StatusRequestEntityTooLarge,
	board.ETooOld:       http.StatusGone,
	board.EUnavailable:  http.StatusServiceUnavailable,
	board.ERateLimited:  http.StatusTooManyRequests,
	board.EVotingClosed: http.StatusConflict,
	board.ENoDots:       http.StatusConflict,
	board.EInternal:     http.StatusInternalServerError,
	board.EBoardFull:    http.StatusRequestEntityTooLarge,
	board.EJoinClosed:   http.StatusForbidden,
	EUnsupportedMedia:   http.StatusUnsupportedMediaType,
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError answers with the contract's JSON error. Internal errors are
// logged, and their details are not sent.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := board.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch {
	case status >= 500:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case status == http.StatusUnauthorized:
		s.security(r, "auth_failed")
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, board.ErrorMessage(err)
	writeJSON(w, status, body)
}

// writeJSON answers with v as JSON. <, > and & stay as they are: escaping
// them would make a board's text up to six times heavier on the wire.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := board.MarshalJSON(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decode reads one JSON value into v strictly: capped size, no unknown
// fields, nothing after the value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return board.Errorf(board.ETooLarge, "the request body is over %d bytes", maxBody)
		}
		return board.Errorf(board.EInvalid, "cannot read the request body")
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) > 0 && b[0] != '{' {
		return board.Errorf(board.EInvalid, "the request body must be a JSON object, {...}")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return board.Errorf(board.EInvalid, "bad JSON: %s", jsonErrText(err))
	}
	if _, err := d.Token(); err != io.EOF {
		return board.Errorf(board.EInvalid, "bad JSON: unexpected data after the value")
	}
	return nil
}

// jsonErrText says what is wrong in plain words, never in Go's.
func jsonErrText(err error) string { return board.JSONProblem(err) }

// writeWithObjects answers with head as a JSON object plus "objects", the
// board's objects written one at a time: a reader of the largest board
// costs one object's encoding beyond the state, not a second copy of the
// whole board.
func writeWithObjects(w http.ResponseWriter, status int, head map[string]any, objects []*board.Object) {
	rest, err := board.MarshalJSON(head)
	if err != nil || len(rest) < 2 {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString(`{"objects":[`)
	for i, o := range objects {
		b, err := o.MarshalJSON()
		if err != nil {
			return // cannot happen: props are strings and numbers
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.Write(b)
	}
	bw.WriteString("]")
	if len(rest) > 2 {
		bw.WriteByte(',')
	}
	bw.Write(rest[1:])
	bw.WriteByte('\n')
	bw.Flush()
}
