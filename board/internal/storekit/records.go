package storekit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/processkarta/processkarta/board"
)

// Records is a board in the form the stores keep it: the info and settings
// as JSON, and one JSON value per object, participant and voter, so that a
// change rewrites only the records it touched.
type Records struct {
	Seq          uint64
	Info         []byte
	Settings     []byte
	Objects      map[string][]byte // object id → object JSON
	Participants map[string][]byte // participant id → participant JSON
	Tokens       map[string]string // token hash → participant id
	Votes        map[string][]byte // voter → JSON {target: dots}
	Summary      []byte            // the board's board.Summary as JSON
}

// Encode returns the records of st.
func Encode(st *board.State) (*Records, error) {
	r := &Records{
		Seq:          st.Seq,
		Objects:      make(map[string][]byte, len(st.Objects)),
		Participants: make(map[string][]byte, len(st.Participants)),
		Tokens:       make(map[string]string, len(st.Tokens)),
		Votes:        make(map[string][]byte, len(st.Votes)),
	}
	var err error
	if r.Info, err = board.MarshalJSON(st.Info); err != nil {
		return nil, err
	}
	if r.Settings, err = board.MarshalJSON(st.Settings); err != nil {
		return nil, err
	}
	for id, o := range st.Objects {
		if r.Objects[id], err = board.MarshalJSON(o); err != nil {
			return nil, err
		}
	}
	for id, p := range st.Participants {
		if r.Participants[id], err = board.MarshalJSON(p); err != nil {
			return nil, err
		}
	}
	for h, id := range st.Tokens {
		r.Tokens[h] = id
	}
	for v, m := range st.Votes {
		if r.Votes[v], err = board.MarshalJSON(m); err != nil {
			return nil, err
		}
	}
	if r.Summary, err = board.MarshalJSON(board.Summarize(st, st.Info.CreatedAt.UnixMilli())); err != nil {
		return nil, err
	}
	return r, nil
}

// Decode returns the state the records hold.
func Decode(r *Records) (*board.State, error) {
	var info board.Info
	if err := json.Unmarshal(r.Info, &info); err != nil {
		return nil, fmt.Errorf("board info: %w", err)
	}
	var settings board.Settings
	if err := json.Unmarshal(r.Settings, &settings); err != nil {
		return nil, fmt.Errorf("board settings: %w", err)
	}
	st := board.NewState(info, settings)
	st.Seq = r.Seq
	for id, b := range r.Objects {
		o := &board.Object{}
		if err := json.Unmarshal(b, o); err != nil {
			return nil, fmt.Errorf("object %s: %w", id, err)
		}
		st.Objects[id] = o
	}
	for id, b := range r.Participants {
		p := &board.Participant{}
		if err := json.Unmarshal(b, p); err != nil {
			return nil, fmt.Errorf("participant %s: %w", id, err)
		}
		st.Participants[id] = p
	}
	for h, id := range r.Tokens {
		st.Tokens[h] = id
	}
	for v, b := range r.Votes {
		m := map[string]int{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("votes of %s: %w", v, err)
		}
		st.Votes[v] = m
	}
	return st, nil
}

// Touched names the records a change may write. Take it from the state
// before the change is applied, then ask for the Writes after.
type Touched struct {
	objects      []string
	participants []string
	tokens       []string
	voters       []string
	settings     bool
	summary      bool  // the change may change the board's summary
	at           int64 // when the change was made
}

// Touch returns the records that change c, applied to before, may write.
func Touch(before *board.State, c *board.Change) *Touched {
	t := &Touched{summary: board.AffectsSummary(before, c), at: c.At}
	switch c.Type {
	case board.ChangeOps:
		deleted := map[string]bool{}
		for i := range c.Ops {
			t.objects = append(t.objects, c.Ops[i].ID)
			if c.Ops[i].Op == board.OpDelete {
				deleted[c.Ops[i].ID] = true
			}
		}
		if len(deleted) > 0 {
			// Deleting an object takes the dots placed on it away.
			for voter, m := range before.Votes {
				for target := range m {
					if deleted[target] {
						t.voters = append(t.voters, voter)
						break
					}
				}
			}
		}
	case board.ChangeSettings:
		t.settings = true
		// An ended private round rewrites the notes it shows.
		t.objects = append(t.objects, c.Revealed...)
		if c.ClearVotes || c.Settings != nil && c.Settings.Voting.Open && !before.Settings.Voting.Open {
			// Opening a vote, or clearing the votes, takes every voter's
			// dots.
			for voter := range before.Votes {
				t.voters = append(t.voters, voter)
			}
		}
	case board.ChangeVote:
		if c.Vote != nil {
			t.voters = append(t.voters, c.Vote.Voter)
		}
	case board.ChangeJoin:
		if c.Participant != nil {
			t.participants = append(t.participants, c.Participant.ID)
		}
		if c.TokenHash != "" {
			t.tokens = append(t.tokens, c.TokenHash)
		}
	case board.ChangeParticipant:
		if c.Participant != nil {
			t.participants = append(t.participants, c.Participant.ID)
		}
	case board.ChangeErase:
		gone := map[string]bool{}
		for _, id := range c.Erased {
			gone[id] = true
			t.participants = append(t.participants, id)
			t.voters = append(t.voters, id)
		}
		for h, id := range before.Tokens {
			if gone[id] {
				t.tokens = append(t.tokens, h)
			}
		}
	case board.ChangeRemove:
		gone := c.RemovedIDs()
		t.participants = append(t.participants, gone...)
		t.voters = append(t.voters, gone...)
		for h, id := range before.Tokens {
			if slices.Contains(gone, id) {
				t.tokens = append(t.tokens, h)
			}
		}
	}
	return t
}

// Writes is what one change does to a board's records. A nil value (an
// empty participant id for Tokens) deletes the record.
type Writes struct {
	Objects      map[string][]byte
	Participants map[string][]byte
	Tokens       map[string]string
	Votes        map[string][]byte
	Settings     []byte // nil: unchanged
}

// Writes returns the records t names as they are in after, the state with
// the change applied.
func (t *Touched) Writes(after *board.State) (*Writes, error) {
	w := &Writes{
		Objects:      map[string][]byte{},
		Participants: map[string][]byte{},
		Tokens:       map[string]string{},
		Votes:        map[string][]byte{},
	}
	var err error
	for _, id := range t.objects {
		w.Objects[id] = nil
		if o := after.Objects[id]; o != nil {
			if w.Objects[id], err = board.MarshalJSON(o); err != nil {
				return nil, err
			}
		}
	}
	for _, id := range t.participants {
		w.Participants[id] = nil
		if p := after.Participants[id]; p != nil {
			if w.Participants[id], err = board.MarshalJSON(p); err != nil {
				return nil, err
			}
		}
	}
	for _, h := range t.tokens {
		w.Tokens[h] = after.Tokens[h]
	}
	for _, v := range t.voters {
		w.Votes[v] = nil
		if m := after.Votes[v]; len(m) > 0 {
			if w.Votes[v], err = board.MarshalJSON(m); err != nil {
				return nil, err
			}
		}
	}
	if t.settings {
		if w.Settings, err = board.MarshalJSON(after.Settings); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Partial returns a copy of the part of before that t names, enough for
// Apply to compute the change's effect on those records without copying
// or touching the whole state: apply the change to it and ask Writes.
func (t *Touched) Partial(before *board.State) *board.State {
	// Settings are shared: Apply replaces them whole, never in place.
	p := board.NewState(before.Info, before.Settings)
	p.Seq = before.Seq
	for _, id := range t.objects {
		if o := before.Objects[id]; o != nil {
			p.Objects[id] = o.Clone()
		}
	}
	for _, id := range t.participants {
		if pp := before.Participants[id]; pp != nil {
			c := *pp
			p.Participants[id] = &c
		}
	}
	for _, h := range t.tokens {
		if id, ok := before.Tokens[h]; ok {
			p.Tokens[h] = id
		}
	}
	for _, v := range t.voters {
		if m := before.Votes[v]; m != nil {
			c := make(map[string]int, len(m))
			for k, n := range m {
				c[k] = n
			}
			p.Votes[v] = c
		}
	}
	return p
}

// Summary returns the board's summary after the change as JSON, or nil if
// the change leaves it as it was. before is the whole state before the
// change; after holds at least the records t names with the change applied
// (the whole state, or a Partial of it).
func (t *Touched) Summary(before, after *board.State) ([]byte, error) {
	if !t.summary {
		return nil, nil
	}
	view := after
	if before != after {
		// A shallow copy of before with the touched records of after:
		// enough to read, and cheap next to the change's own writes.
		view = board.NewState(after.Info, after.Settings)
		view.Seq = after.Seq
		for id, o := range before.Objects {
			view.Objects[id] = o
		}
		for _, id := range t.objects {
			if o := after.Objects[id]; o != nil {
				view.Objects[id] = o
			} else {
				delete(view.Objects, id)
			}
		}
		for id, p := range before.Participants {
			view.Participants[id] = p
		}
		for _, id := range t.participants {
			if p := after.Participants[id]; p != nil {
				view.Participants[id] = p
			} else {
				delete(view.Participants, id)
			}
		}
	}
	return board.MarshalJSON(board.Summarize(view, t.at))
}

// DecodeSummary reads a summary stored as JSON.
func DecodeSummary(b []byte) (*board.Summary, error) {
	sum := &board.Summary{}
	if err := json.Unmarshal(b, sum); err != nil {
		return nil, fmt.Errorf("board summary: %w", err)
	}
	return sum, nil
}

// SummaryCache keeps decoded summaries by board, with the stored bytes
// they came from: a summary whose bytes are unchanged is not decoded
// again. Reading many boards' summaries then costs a comparison each, not
// a JSON decode. The summaries it returns are shared: read-only.
type SummaryCache struct {
	mu sync.Mutex
	m  map[string]cachedSummary
}

type cachedSummary struct {
	raw []byte
	sum *board.Summary
}

// maxCachedSummaries bounds the cache; past it, it starts over.
const maxCachedSummaries = 50_000

// Decode returns the summary stored as raw for board id.
func (c *SummaryCache) Decode(id string, raw []byte) (*board.Summary, error) {
	c.mu.Lock()
	if e, ok := c.m[id]; ok && bytes.Equal(e.raw, raw) {
		c.mu.Unlock()
		return e.sum, nil
	}
	c.mu.Unlock()
	sum, err := DecodeSummary(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSummaries {
		c.m = map[string]cachedSummary{}
	}
	c.m[id] = cachedSummary{raw: bytes.Clone(raw), sum: sum}
	c.mu.Unlock()
	return sum, nil
}

// CompleteSummaries finishes a store's Summaries: out holds the stored
// summaries of boardIDs in order, and missing the indexes of boards that
// have none stored (stored before summaries were kept, or gone). Each of
// those is loaded and summed up instead; a board that does not exist is
// left out of the result.
func CompleteSummaries(ctx context.Context, boardIDs []string, out []*board.Summary, missing []int, load func(context.Context, string) (*board.State, error)) ([]*board.Summary, error) {
	for _, i := range missing {
		st, err := load(ctx, boardIDs[i])
		if board.ErrorCode(err) == board.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = board.Summarize(st, st.Info.CreatedAt.UnixMilli())
	}
	kept := out[:0]
	for _, v := range out {
		if v != nil {
			kept = append(kept, v)
		}
	}
	return kept, nil
}
