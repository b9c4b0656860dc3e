package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/processkarta/processkarta/board"
)

// API calls the REST endpoints.
type API struct {
	Base string       // e.g. "http://127.0.0.1:8080"
	Key  string       // the organizer key, for organizer calls
	HTTP *http.Client // nil: http.DefaultClient
}

// APIError is an error answer: the status with the contract's error body.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Do sends in as JSON (nil: no body) with bearer, and decodes the answer
// into out (nil: discard). An answer of 400 or more is an *APIError.
func (a *API) Do(ctx context.Context, method, path, bearer string, in, out any) error {
	var body io.Reader
	if in != nil {
		switch v := in.(type) {
		case []byte:
			body = bytes.NewReader(v)
		case string:
			body = strings.NewReader(v)
		default:
			b, err := json.Marshal(in)
			if err != nil {
				return err
			}
			body = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.Base, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// BoardCreated is the answer to creating or importing a board.
type BoardCreated struct {
	ID               string  `json:"id"`
	Title            string  `json:"title"`
	Municipality     string  `json:"municipality"`
	Strategy         *string `json:"strategy"`
	Template         string  `json:"template"`
	JoinCode         string  `json:"joinCode"`
	FacilitatorToken string  `json:"facilitatorToken"`
}

// Joined is the answer to joining a board.
type Joined struct {
	Board struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"board"`
	Participant board.Participant `json:"participant"`
	Token       string            `json:"token"`
}

// EnsureMunicipality creates the municipality unless it exists.
func (a *API) EnsureMunicipality(ctx context.Context, code string) error {
	err := a.Do(ctx, "POST", "/api/municipalities", a.Key, map[string]string{"code": code}, nil)
	if e, ok := err.(*APIError); ok && e.Status == http.StatusConflict {
		return nil
	}
	return err
}

// CreateBoard creates a board for a municipality (which must exist).
func (a *API) CreateBoard(ctx context.Context, title, municipality, template string) (*BoardCreated, error) {
	var out BoardCreated
	err := a.Do(ctx, "POST", "/api/boards", a.Key, map[string]string{"title": title, "municipality": municipality, "template": template}, &out)
	return &out, err
}

// Join joins a board by its code.
func (a *API) Join(ctx context.Context, code, name, administration, position string) (*Joined, error) {
	var out Joined
	err := a.Do(ctx, "POST", "/api/join", "", map[string]string{"code": code, "name": name, "administration": administration, "position": position}, &out)
	return &out, err
}

// Facilitated is the answer to taking a board as facilitator.
type Facilitated struct {
	Token       string            `json:"token"`
	Participant board.Participant `json:"participant"`
}

// Facilitate gives the organizer a facilitator token for a board, under
// name (empty: the server's default).
func (a *API) Facilitate(ctx context.Context, boardID, name string) (*Facilitated, error) {
	var out Facilitated
	in := map[string]string{}
	if name != "" {
		in["name"] = name
	}
	err := a.Do(ctx, "POST", "/api/boards/"+boardID+"/facilitate", a.Key, in, &out)
	return &out, err
}

func (a *API) client() *http.Client {
	if a.HTTP == nil {
		return http.DefaultClient
	}
	return a.HTTP
}

// Metric reads one sample of the server's Prometheus text at /metrics: the
// line whose name (with its labels, as written) is name. It is 0 when the
// server has no such sample yet.
func (a *API) Metric(ctx context.Context, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.Base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := a.client().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, sc.Err()
}
