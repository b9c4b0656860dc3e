package server

import (
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
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, board.ErrorMessage(err)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
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

func jsonErrText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return "field " + te.Field + " must be " + te.Type.String()
		}
		return "expected " + te.Type.String()
	}
	if err == io.EOF {
		return "empty body"
	}
	return err.Error()
}
