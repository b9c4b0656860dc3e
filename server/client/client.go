// This file is long because the Go client is one connection and the
// replica it keeps, which share their lock and state.

// Package client speaks Processkarta's websocket protocol from Go: it keeps
// a replica of a board, sends batches and waits for their ack or reject,
// and reconnects with since. The tests and the load tool use it; so can a
// script.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/board"
)

// Message is any server message, decoded loosely; Type says which fields
// are set.
type Message struct {
	Type         string            `json:"type"`
	Protocol     int               `json:"protocol"`
	You          board.Participant `json:"you"`
	Board        BoardInfo         `json:"board"`
	Seq          uint64            `json:"seq"`
	Now          int64             `json:"now"`
	At           int64             `json:"at"`
	ID           string            `json:"id"`
	Code         string            `json:"code"`
	Message      string            `json:"message"`
	Retry        bool              `json:"retry"`
	Author       string            `json:"author"`
	Objects      []*board.Object   `json:"objects"`
	Ops          []board.Op        `json:"ops"`
	Settings     *board.Settings   `json:"settings"`
	Votes        *board.VotesView  `json:"votes"`
	Participants []Participant     `json:"participants"`
	Delta        bool              `json:"delta"`   // participants: only who changed
	Removed      []string          `json:"removed"` // participants delta: who left the board
	Online       []string          `json:"online"`  // participants delta: who came online
	Offline      []string          `json:"offline"` // participants delta: who went offline
	Peers        []Peer            `json:"peers"`
	JoinCode     string            `json:"joinCode"` // joincode: a facilitator's new join code
	Revealed     []*board.Object   `json:"revealed"` // settings: notes an ended private round shows
	// welcome on a large board: how many participants there are, and
	// that Participants holds only some of them.
	ParticipantCount    int  `json:"participantCount"`
	ParticipantsPartial bool `json:"participantsPartial"`
}

// BoardInfo is the board part of a welcome.
type BoardInfo struct {
	ID           string  `json:"id"`
	Title        string  `json:"title"`
	Municipality string  `json:"municipality"`
	Strategy     *string `json:"strategy"`
	Template     string  `json:"template"`
	JoinCode     string  `json:"joinCode"`
}

// Participant is a participant with their online state.
type Participant struct {
	board.Participant
	Online bool `json:"online"`
}

// Peer is one participant's presence.
type Peer struct {
	Participant string                        `json:"participant"`
	Cursor      *struct{ X, Y float64 }       `json:"cursor"`
	Selection   []string                      `json:"selection"`
	Editing     *string                       `json:"editing"`
	View        *struct{ X, Y, Zoom float64 } `json:"view"`
	Gone        bool                          `json:"gone"`
}

// Error is a reject from the server, or a protocol failure.
type Error struct {
	Code    string
	Message string
	Retry   bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrClosed is returned for messages whose connection ended before an
// answer came; their fate is learnt after Reconnect.
var ErrClosed = errors.New("client: connection closed")

// The server writes the type first, so presence is known by its prefix.
var presencePrefix = []byte(`{"type":"presence"`)

// Options tune a client.
type Options struct {
	// Origin is sent as the Origin header, as a browser would.
	Origin string
	// OnMessage, if set, sees every message after the replica applied it
	// and before anyone waiting for its seq is let go. It runs with the
	// replica locked, so it must not call the Client's methods.
	OnMessage func(*Message)
	// SkipPresence leaves presence messages undecoded, for load tests.
	SkipPresence bool
	// HTTPClient dials the websocket; nil means http.DefaultClient.
	HTTPClient *http.Client
}

// Client is one connection to a board, and a replica of the board that
// survives reconnects.
type Client struct {
	base, boardID, token string
	opts                 Options

	mu           sync.Mutex
	ws           *websocket.Conn
	seq          uint64
	welcomeSeq   uint64
	you          board.Participant
	info         BoardInfo
	objects      map[string]*board.Object
	settings     board.Settings
	votes        board.VotesView
	participants []Participant
	partial      bool // the welcome listed only some participants
	waiting      map[string]chan result
	closeStatus  websocket.StatusCode
	closed       chan struct{}
	gaps         int
	nextID       atomic.Uint64
	serverOffset time.Duration
}

type result struct {
	seq uint64
	err error
}

// Dial connects to a board at base (e.g. "http://127.0.0.1:8080") with a
// board token and waits for the welcome.
func Dial(ctx context.Context, base, boardID, token string, opts *Options) (*Client, error) {
	c := &Client{base: strings.TrimRight(base, "/"), boardID: boardID, token: token, objects: map[string]*board.Object{}}
	if opts != nil {
		c.opts = *opts
	}
	if err := c.connect(ctx, false); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) wsURL(withSince bool) string {
	u := c.base + "/api/boards/" + url.PathEscape(c.boardID) + "/ws?token=" + url.QueryEscape(c.token)
	if withSince {
		u += "&since=" + strconv.FormatUint(c.seq, 10)
	}
	return "ws" + strings.TrimPrefix(u, "http")
}

func (c *Client) connect(ctx context.Context, withSince bool) error {
	h := http.Header{}
	if c.opts.Origin != "" {
		h.Set("Origin", c.opts.Origin)
	}
	c.mu.Lock()
	u := c.wsURL(withSince)
	c.mu.Unlock()
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: c.opts.HTTPClient})
	if err != nil {
		if resp != nil {
			return &Error{Code: "http_" + strconv.Itoa(resp.StatusCode), Message: err.Error()}
		}
		return err
	}
	ws.SetReadLimit(64 << 20)
	_, b, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return &Error{Code: "closed_" + strconv.Itoa(int(websocket.CloseStatus(err))), Message: err.Error()}
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil || m.Type != "welcome" {
		ws.CloseNow()
		return &Error{Code: "protocol", Message: "first message is not a welcome"}
	}
	c.mu.Lock()
	c.ws = ws
	c.closed = make(chan struct{})
	c.waiting = map[string]chan result{}
	c.closeStatus = -1
	c.applyWelcome(&m)
	closed := c.closed
	if c.opts.OnMessage != nil {
		c.opts.OnMessage(&m)
	}
	c.mu.Unlock()
	go c.readLoop(ws, closed)
	return nil
}

func (c *Client) applyWelcome(m *Message) {
	c.you, c.info, c.welcomeSeq = m.You, m.Board, m.Seq
	c.serverOffset = time.Until(time.UnixMilli(m.Now))
	if m.Objects != nil {
		c.objects = make(map[string]*board.Object, len(m.Objects))
		for _, o := range m.Objects {
			c.objects[o.ID] = o
		}
		c.seq = m.Seq
	}
	if m.Settings != nil {
		c.settings = *m.Settings
	}
	if m.Votes != nil {
		c.votes = *m.Votes
	}
	c.participants = m.Participants
	c.partial = m.ParticipantsPartial
}

func (c *Client) readLoop(ws *websocket.Conn, closed chan struct{}) {
	defer func() {
		c.mu.Lock()
		for id, ch := range c.waiting {
			ch <- result{err: ErrClosed}
			delete(c.waiting, id)
		}
		c.mu.Unlock()
		close(closed)
	}()
	for {
		_, b, err := ws.Read(context.Background())
		if err != nil {
			c.mu.Lock()
			c.closeStatus = websocket.CloseStatus(err)
			c.mu.Unlock()
			return
		}
		if c.opts.SkipPresence && bytes.HasPrefix(b, presencePrefix) {
			continue
		}
		var m Message
		if err := json.Unmarshal(b, &m); err != nil {
			continue
		}
		c.mu.Lock()
		c.handle(&m)
		// Before the lock is let go: whoever waits for this seq then
		// finds the message already seen by OnMessage.
		if c.opts.OnMessage != nil {
			c.opts.OnMessage(&m)
		}
		c.mu.Unlock()
	}
}

// step accepts a sequenced message: the next seq, or the same seq again
// for the votes message that follows a settings change.
func (c *Client) step(seq uint64) bool {
	switch {
	case seq == c.seq+1:
		c.seq = seq
		return true
	case seq == c.seq:
		return true
	}
	c.gaps++
	return false
}

// handle applies one message to the replica; c.mu is held.
func (c *Client) handle(m *Message) {
	switch m.Type {
	case "ack":
		if c.step(m.Seq) {
			for i := range m.Ops {
				board.ApplyOp(c.objects, &m.Ops[i], c.you.ID, m.At)
			}
		}
		if ch := c.waiting[m.ID]; ch != nil {
			ch <- result{seq: m.Seq}
			delete(c.waiting, m.ID)
		}
	case "reject":
		if ch := c.waiting[m.ID]; ch != nil {
			ch <- result{err: &Error{Code: m.Code, Message: m.Message, Retry: m.Retry}}
			delete(c.waiting, m.ID)
		}
	case "ops":
		if c.step(m.Seq) {
			for i := range m.Ops {
				board.ApplyOp(c.objects, &m.Ops[i], m.Author, m.At)
			}
		}
	case "settings":
		if c.step(m.Seq) && m.Settings != nil {
			c.settings = *m.Settings
			for _, o := range m.Revealed {
				c.objects[o.ID] = o
			}
		}
	case "votes":
		if c.step(m.Seq) && m.Votes != nil {
			c.votes = *m.Votes
		}
	case "participants":
		if m.Seq == 0 || c.step(m.Seq) {
			if m.Delta {
				c.participants = mergeParticipants(c.participants, m)
			} else {
				c.participants = m.Participants
			}
		}
	case "joincode":
		c.info.JoinCode = m.JoinCode
	}
}

// send writes a message with a fresh id and waits for its ack or reject.
func (c *Client) send(ctx context.Context, m map[string]any) (uint64, error) {
	id := strconv.FormatUint(c.nextID.Add(1), 10) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	m["id"] = id
	b, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	ch := make(chan result, 1)
	c.mu.Lock()
	ws, closed := c.ws, c.closed
	select {
	case <-closed:
		c.mu.Unlock()
		return 0, ErrClosed
	default:
	}
	c.waiting[id] = ch
	c.mu.Unlock()
	if err := ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		return 0, ErrClosed
	}
	select {
	case r := <-ch:
		return r.seq, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Ops sends a batch and returns the seq it was applied as.
func (c *Client) Ops(ctx context.Context, ops ...board.Op) (uint64, error) {
	return c.send(ctx, map[string]any{"type": "ops", "ops": ops})
}

// Settings sends a partial settings object (facilitators only).
func (c *Client) Settings(ctx context.Context, patch any) (uint64, error) {
	return c.send(ctx, map[string]any{"type": "settings", "settings": patch})
}

// Vote places (1) or takes back (-1) a dot.
func (c *Client) Vote(ctx context.Context, target string, delta int) (uint64, error) {
	return c.send(ctx, map[string]any{"type": "vote", "target": target, "delta": delta})
}

// Presence sends the cursor (nil: none), selection and editing object.
func (c *Client) Presence(ctx context.Context, cursor *[2]float64, selection []string, editing string) error {
	// The type first, as the browser writes it: the server reads such
	// messages when it next sends presence (docs/protocol.md).
	m := struct {
		Type      string    `json:"type"`
		Cursor    *cursorXY `json:"cursor"`
		Selection []string  `json:"selection"`
		Editing   *string   `json:"editing"`
	}{Type: "presence", Selection: selection}
	if cursor != nil {
		m.Cursor = &cursorXY{cursor[0], cursor[1]}
	}
	if editing != "" {
		m.Editing = &editing
	}
	if m.Selection == nil {
		m.Selection = []string{}
	}
	return c.WriteRaw(ctx, m)
}

type cursorXY struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// WriteRaw sends any JSON value as one frame, for tests of bad input.
func (c *Client) WriteRaw(ctx context.Context, v any) error {
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err
		}
	}
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	return ws.Write(ctx, websocket.MessageText, b)
}

// Reconnect drops the connection, if any, and connects again with since,
// keeping the replica.
func (c *Client) Reconnect(ctx context.Context) error {
	c.Drop()
	return c.connect(ctx, true)
}

// ReconnectTo connects again with since to another node at base (after
// the one it was on went away), keeping the replica.
func (c *Client) ReconnectTo(ctx context.Context, base string) error {
	c.mu.Lock()
	c.base = strings.TrimRight(base, "/")
	c.mu.Unlock()
	return c.Reconnect(ctx)
}

// Drop closes the connection abruptly, as a lost network would.
func (c *Client) Drop() {
	c.mu.Lock()
	ws, closed := c.ws, c.closed
	c.mu.Unlock()
	ws.CloseNow()
	<-closed
}

// Close closes the connection normally.
func (c *Client) Close() error {
	c.mu.Lock()
	ws, closed := c.ws, c.closed
	c.mu.Unlock()
	err := ws.Close(websocket.StatusNormalClosure, "")
	<-closed
	return err
}

// Done is closed when the current connection ends.
func (c *Client) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// CloseStatus is the close code of the last connection, or -1 while open.
func (c *Client) CloseStatus() websocket.StatusCode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeStatus
}

// Seq is the last seq the replica applied.
func (c *Client) Seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Gaps counts sequenced messages that did not follow on; it must stay 0.
func (c *Client) Gaps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gaps
}

// You is the participant this client acts as.
func (c *Client) You() board.Participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.you
}

// Info is the board as the welcome described it.
func (c *Client) Info() BoardInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Objects returns a copy of the replica's objects.
func (c *Client) Objects() map[string]*board.Object {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]*board.Object, len(c.objects))
	for id, o := range c.objects {
		out[id] = o.Clone()
	}
	return out
}

// SettingsNow returns the replica's settings.
func (c *Client) SettingsNow() board.Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings
}

// VotesNow returns the replica's votes view.
func (c *Client) VotesNow() board.VotesView {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.votes
}

// Partial reports whether the welcome listed only some of the
// participants (a large board); AskParticipants fetches the others.
func (c *Client) Partial() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.partial
}

// AskParticipants asks the server for the entries of ids, or of everyone
// when ids is empty; they arrive as a participants delta and are merged
// into ParticipantsNow.
func (c *Client) AskParticipants(ctx context.Context, ids ...string) error {
	m := map[string]any{"type": "participants", "id": "p" + strconv.FormatUint(c.nextID.Add(1), 10)}
	if len(ids) == 0 {
		m["all"] = true
	} else {
		m["ids"] = ids
	}
	return c.WriteRaw(ctx, m)
}

// ParticipantsNow returns the last participants list.
func (c *Client) ParticipantsNow() []Participant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Participant(nil), c.participants...)
}

// WaitSeq waits until the replica has applied seq.
func (c *Client) WaitSeq(ctx context.Context, seq uint64) error {
	for {
		if c.Seq() >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for seq %d, have %d: %w", seq, c.Seq(), ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// mergeParticipants applies a participants delta to a list: changed
// entries replace those with the same id in place, new ones are added at
// the end (the order of joining), removed ids are dropped, and online and
// offline ids change only that. It returns a new slice, so that lists
// handed out earlier do not change.
func mergeParticipants(list []Participant, d *Message) []Participant {
	out := make([]Participant, 0, len(list)+len(d.Participants))
	at := make(map[string]int, len(list))
	for _, p := range list {
		if slices.Contains(d.Removed, p.ID) {
			continue
		}
		at[p.ID] = len(out)
		out = append(out, p)
	}
	for _, p := range d.Participants {
		if i, ok := at[p.ID]; ok {
			out[i] = p
			continue
		}
		at[p.ID] = len(out)
		out = append(out, p)
	}
	for _, id := range d.Online {
		if i, ok := at[id]; ok {
			out[i].Online = true
		}
	}
	for _, id := range d.Offline {
		if i, ok := at[id]; ok {
			out[i].Online = false
		}
	}
	return out
}
