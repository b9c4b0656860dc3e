// This file is long because it holds State with every Prepare function,
// the pure steps that turn a request into a change; they share one set of
// validation helpers and are read together.

package board

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
)

// Op is one operation of a batch: create, update or delete an object.
type Op struct {
	Op    string         `json:"op"`
	ID    string         `json:"id"`
	Kind  string         `json:"kind,omitempty"`
	Props map[string]any `json:"props,omitempty"`
	// PrivateTo is set by the server on an op that concerns a private
	// note: only that participant and the facilitators receive it.
	PrivateTo string `json:"privateTo,omitempty"`
}

// Op names.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// Change types: every accepted change has one and takes the next seq.
const (
	ChangeOps         = "ops"
	ChangeSettings    = "settings"
	ChangeVote        = "vote"
	ChangeJoin        = "join"
	ChangeParticipant = "participant" // a role change
	ChangeRemove      = "remove"
)

// Change is one sequenced, accepted change to a board. Stores keep it in the
// board's change log; State.Apply replays it without validating again.
type Change struct {
	Seq    uint64 `json:"seq"`
	Type   string `json:"type"`
	At     int64  `json:"at"` // unix milliseconds, the server's clock
	Author string `json:"author,omitempty"`
	Batch  string `json:"batch,omitempty"` // the client's batch id

	Ops         []Op         `json:"ops,omitempty"` // normalized: cascades spelled out
	Settings    *Settings    `json:"settings,omitempty"`
	Vote        *Vote        `json:"vote,omitempty"`
	Participant *Participant `json:"participant,omitempty"` // join or role change
	TokenHash   string       `json:"tokenHash,omitempty"`   // join
	Removed     string       `json:"removed,omitempty"`     // remove: participant id
	Erased      []string     `json:"erased,omitempty"`      // erase: participant ids
	// ClearVotes (settings) takes every dot off the board.
	ClearVotes bool `json:"clearVotes,omitempty"`
	// Revealed (settings) lists the private objects an ended private
	// round shows to everyone.
	Revealed []string `json:"revealed,omitempty"`
	// RemovedMore are further participants removed by the same change (a
	// facilitator's bulk removal); Removed holds the first.
	RemovedMore []string `json:"removedMore,omitempty"`
}

// RemovedIDs returns every participant a remove change removes.
func (c *Change) RemovedIDs() []string {
	if c.Type != ChangeRemove || c.Removed == "" {
		return nil
	}
	return append([]string{c.Removed}, c.RemovedMore...)
}

// next returns a change of type typ at the seq after the state's: the one
// place a change gets its seq. Stores check it (storekit.CheckNext) and
// never set it themselves.
func (s *State) next(typ string, at int64, author, batch string) *Change {
	return &Change{Seq: s.Seq + 1, Type: typ, At: at, Author: author, Batch: batch}
}

// idOrNone is the participant's id, or "" for the system (a nil
// participant: an organizer acting through the API).
func (p *Participant) idOrNone() string {
	if p == nil {
		return ""
	}
	return p.ID
}

// Vote is one dot placed (+1) or taken back (-1) by a voter on a target.
type Vote struct {
	Voter  string `json:"voter"`
	Target string `json:"target"`
	Delta  int    `json:"delta"`
}

// State is a whole board at one seq.
type State struct {
	Info         Info                      `json:"info"`
	Seq          uint64                    `json:"seq"`
	Objects      map[string]*Object        `json:"objects"`
	Settings     Settings                  `json:"settings"`
	Votes        map[string]map[string]int `json:"votes"` // voter → target → dots
	Participants map[string]*Participant   `json:"participants"`
	Tokens       map[string]string         `json:"tokens"` // token hash → participant id

	// text is TextBytes, kept by Apply once textKnown.
	text      int
	textKnown bool
}

// NewState returns an empty board with the given info and settings.
func NewState(info Info, settings Settings) *State {
	return &State{
		Info:         info,
		Objects:      map[string]*Object{},
		Settings:     settings,
		Votes:        map[string]map[string]int{},
		Participants: map[string]*Participant{},
		Tokens:       map[string]string{},
	}
}

// Clone returns a deep copy of s.
func (s *State) Clone() *State {
	c := *s
	c.Objects = make(map[string]*Object, len(s.Objects))
	for id, o := range s.Objects {
		c.Objects[id] = o.Clone()
	}
	c.Settings = s.Settings.clone()
	c.Votes = make(map[string]map[string]int, len(s.Votes))
	for v, m := range s.Votes {
		c.Votes[v] = maps.Clone(m)
	}
	c.Participants = make(map[string]*Participant, len(s.Participants))
	for id, p := range s.Participants {
		pp := *p
		c.Participants[id] = &pp
	}
	c.Tokens = maps.Clone(s.Tokens)
	return &c
}

// SortedObjects returns the objects ordered by id, for stable output.
func (s *State) SortedObjects() []*Object {
	out := make([]*Object, 0, len(s.Objects))
	for _, o := range s.Objects {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b *Object) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// Apply replays an accepted change onto s. It never fails: the change was
// validated against the state at Seq-1 when it was prepared. A change whose
// seq is not the next one is ignored, which makes replay idempotent.
func (s *State) Apply(c *Change) {
	if c.Seq != s.Seq+1 {
		return
	}
	s.Seq = c.Seq
	switch c.Type {
	case ChangeOps:
		if !s.textKnown {
			s.text, s.textKnown = s.countText(), true
		}
		for i := range c.Ops {
			before := objectTextBytes(s.Objects[c.Ops[i].ID])
			s.applyOp(&c.Ops[i], c.Author, c.At)
			s.text += objectTextBytes(s.Objects[c.Ops[i].ID]) - before
		}
	case ChangeSettings:
		if c.Settings != nil {
			if c.Settings.Voting.Open && !s.Settings.Voting.Open {
				// Opening a vote starts a new session with no dots placed.
				s.Votes = map[string]map[string]int{}
			}
			s.Settings = c.Settings.clone()
		}
		if c.ClearVotes {
			s.Votes = map[string]map[string]int{}
		}
		for _, id := range c.Revealed {
			if o := s.Objects[id]; o != nil {
				o.PrivateTo = ""
			}
		}
	case ChangeVote:
		if v := c.Vote; v != nil {
			m := s.Votes[v.Voter]
			if m == nil {
				m = map[string]int{}
				s.Votes[v.Voter] = m
			}
			m[v.Target] += v.Delta
			if m[v.Target] <= 0 {
				delete(m, v.Target)
			}
			if len(m) == 0 {
				delete(s.Votes, v.Voter)
			}
		}
	case ChangeJoin:
		if p := c.Participant; p != nil {
			pp := *p
			s.Participants[p.ID] = &pp
			if c.TokenHash != "" {
				s.Tokens[c.TokenHash] = p.ID
			}
		}
	case ChangeParticipant:
		if p := c.Participant; p != nil {
			if old, ok := s.Participants[p.ID]; ok {
				old.Role = p.Role
			}
		}
	case ChangeErase:
		s.applyErase(c)
	case ChangeRemove:
		gone := c.RemovedIDs()
		for _, id := range gone {
			delete(s.Participants, id)
			delete(s.Votes, id)
		}
		for h, id := range s.Tokens {
			if slices.Contains(gone, id) {
				delete(s.Tokens, h)
			}
		}
	}
}

// ApplyOp applies one normalized op to an object map, as every replica does.
// It is exported for clients that keep their own replica.
func ApplyOp(objects map[string]*Object, op *Op, author string, at int64) {
	switch op.Op {
	case OpCreate:
		o := &Object{ID: op.ID, Kind: op.Kind, Props: make(map[string]any, len(op.Props)), CreatedBy: author, CreatedAt: at, UpdatedAt: at, PrivateTo: op.PrivateTo}
		for k, v := range op.Props {
			if v != nil {
				o.Props[k] = v
			}
		}
		objects[op.ID] = o
	case OpUpdate:
		o := objects[op.ID]
		if o == nil {
			return
		}
		for k, v := range op.Props {
			if v == nil {
				delete(o.Props, k)
			} else {
				o.Props[k] = v
			}
		}
		o.UpdatedAt = at
	case OpDelete:
		delete(objects, op.ID)
	}
}

func (s *State) applyOp(op *Op, author string, at int64) {
	ApplyOp(s.Objects, op, author, at)
	if op.Op == OpDelete {
		for v, m := range s.Votes {
			delete(m, op.ID)
			if len(m) == 0 {
				// A voter whose last dot went with the object has voted
				// for nothing: the voters count must not include them.
				delete(s.Votes, v)
			}
		}
	}
}

// overlay lets a batch be validated in order without touching the state:
// it records the objects the batch has changed so far (nil: deleted).
type overlay struct {
	s       *State
	by      *Participant // who makes the batch
	changed map[string]*Object
	count   int
}

func (ov *overlay) get(id string) *Object {
	if o, ok := ov.changed[id]; ok {
		return o
	}
	return ov.s.Objects[id]
}

func (ov *overlay) each(f func(*Object)) {
	for id, o := range ov.s.Objects {
		if _, ok := ov.changed[id]; !ok {
			f(o)
		}
	}
	for _, o := range ov.changed {
		if o != nil {
			f(o)
		}
	}
}

// PrepareOps validates a batch from participant p against s and returns the
// change to commit, with cascades (links to a deleted object, lanes of
// objects in a deleted lane) spelled out as ops of their own. It changes
// nothing.
func (s *State) PrepareOps(p *Participant, batch string, ops []Op, now int64) (*Change, error) {
	if err := s.checkEditor(p); err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, Errorf(EInvalid, "a batch needs at least one op")
	}
	if len(ops) > MaxOpsPerBatch {
		return nil, Errorf(ETooLarge, "a batch holds at most %d ops", MaxOpsPerBatch)
	}
	ov := &overlay{s: s, by: p, changed: map[string]*Object{}, count: len(s.Objects)}
	out := make([]Op, 0, len(ops))
	for i := range ops {
		n, err := ov.op(&ops[i])
		if err != nil {
			if e, ok := err.(*Error); ok && len(ops) > 1 {
				return nil, Errorf(e.Code, "op %d: %s", i, e.Message)
			}
			return nil, err
		}
		out = append(out, n...)
	}
	if ov.count > MaxObjects {
		return nil, Errorf(ETooLarge, "a board holds at most %d objects", MaxObjects)
	}
	if grow := ov.textGrowth(); grow > 0 {
		if total := s.TextBytes() + grow; total > MaxBoardTextBytes {
			return nil, Errorf(EBoardFull, "the board is full: its text would weigh %d bytes, and a board holds at most %d; shorten or delete some text", total, MaxBoardTextBytes)
		}
	}
	c := s.next(ChangeOps, now, p.ID, batch)
	c.Ops = out
	return c, nil
}

// TextBytes is the weight of a board's text: the bytes of every text prop
// of every object. A board holds at most MaxBoardTextBytes of it, which
// bounds what a board costs in memory, on the wire and in an export.
func (s *State) TextBytes() int {
	if s.textKnown {
		return s.text
	}
	return s.countText()
}

// countText adds up the text of every object. Apply keeps the sum from
// then on, so that a commit does not walk the whole board under the
// store's lock (code that changes Objects other than by Apply does so
// before the first Apply, when building a state).
func (s *State) countText() int {
	n := 0
	for _, o := range s.Objects {
		n += objectTextBytes(o)
	}
	return n
}

func objectTextBytes(o *Object) int {
	if o == nil {
		return 0
	}
	n := 0
	for k, v := range o.Props {
		if t, ok := v.(string); ok && propSpecs[k].typ == tString {
			n += len(t)
		}
	}
	return n
}

// textGrowth is how many bytes of text the batch adds, net.
func (ov *overlay) textGrowth() int {
	d := 0
	for id, o := range ov.changed {
		d += objectTextBytes(o) - objectTextBytes(ov.s.Objects[id])
	}
	return d
}

func (s *State) checkEditor(p *Participant) error {
	if p == nil {
		return Errorf(EForbidden, "not a participant of this board")
	}
	if p.Role == RoleObserver {
		return Errorf(EForbidden, "observers cannot edit")
	}
	if !p.CanEdit(s.Settings.Locked) {
		return Errorf(ELocked, "the board is locked by the facilitator")
	}
	return nil
}

func (ov *overlay) op(op *Op) ([]Op, error) {
	if !ValidID(op.ID) {
		return nil, Errorf(EInvalid, "id must be a UUID in lower case")
	}
	if op.PrivateTo != "" {
		return nil, Errorf(EInvalid, "privateTo is kept by the server")
	}
	cur := ov.get(op.ID)
	if op.Op != OpCreate && cur != nil && !cur.VisibleTo(ov.by) {
		cur = nil // someone else's private note: as if it were not there
	}
	switch op.Op {
	case OpCreate:
		if cur != nil {
			return nil, Errorf(EConflict, "object %s exists already", op.ID)
		}
		spec, ok := kindSpecs[op.Kind]
		if !ok {
			return nil, Errorf(EInvalid, "unknown kind %q", op.Kind)
		}
		o := &Object{ID: op.ID, Kind: op.Kind, Props: make(map[string]any, len(op.Props))}
		if err := ov.setProps(o, spec, op.Props); err != nil {
			return nil, err
		}
		for name, req := range spec.props {
			if _, has := o.Props[name]; req && !has {
				return nil, Errorf(EInvalid, "%s needs %q", article(op.Kind), name)
			}
		}
		owner, err := ov.privateOwner(o, true)
		if err != nil {
			return nil, err
		}
		o.PrivateTo = owner
		ov.changed[op.ID] = o
		ov.count++
		return []Op{{Op: OpCreate, ID: op.ID, Kind: op.Kind, Props: maps.Clone(o.Props), PrivateTo: owner}}, nil
	case OpUpdate:
		if cur == nil {
			return nil, Errorf(ENotFound, "no object %s", op.ID)
		}
		if op.Kind != "" && op.Kind != cur.Kind {
			return nil, Errorf(EInvalid, "the kind of an object cannot change")
		}
		if len(op.Props) == 0 {
			return nil, Errorf(EInvalid, "an update needs props")
		}
		o := cur.Clone()
		if err := ov.setProps(o, kindSpecs[cur.Kind], op.Props); err != nil {
			return nil, err
		}
		if owner, err := ov.privateOwner(o, false); err != nil {
			return nil, err
		} else if owner != cur.PrivateTo {
			// Those who saw the link would keep a ghost of it, or those
			// who did not would see it appear half made.
			return nil, Errorf(EInvalid, "a link cannot be moved to or from a private note")
		}
		ov.changed[op.ID] = o
		norm := make(map[string]any, len(op.Props))
		for k := range op.Props {
			norm[k] = o.Props[k] // nil where unset
		}
		return []Op{{Op: OpUpdate, ID: op.ID, Props: norm, PrivateTo: cur.PrivateTo}}, nil
	case OpDelete:
		if cur == nil {
			return nil, Errorf(ENotFound, "no object %s", op.ID)
		}
		if op.Kind != "" || len(op.Props) > 0 {
			return nil, Errorf(EInvalid, "a delete takes only an id")
		}
		var out []Op
		var cascade []*Object
		ov.each(func(o *Object) {
			if o.ID == op.ID {
				return
			}
			if o.Kind == KindLink && (o.Text("from") == op.ID || o.Text("to") == op.ID) {
				cascade = append(cascade, o)
			} else if o.Text("lane") == op.ID || o.Text("goal") == op.ID {
				cascade = append(cascade, o)
			}
		})
		// Map iteration is random; the normalized ops must not be.
		slices.SortFunc(cascade, func(a, b *Object) int { return cmpString(a.ID, b.ID) })
		for _, o := range cascade {
			if o.Kind == KindLink {
				ov.changed[o.ID] = nil
				ov.count--
				out = append(out, Op{Op: OpDelete, ID: o.ID, PrivateTo: o.PrivateTo})
			} else {
				// An object loses its lane, an action its goal, with
				// the object it referred to.
				ref := "lane"
				if o.Text("goal") == op.ID {
					ref = "goal"
				}
				c := o.Clone()
				delete(c.Props, ref)
				ov.changed[o.ID] = c
				out = append(out, Op{Op: OpUpdate, ID: o.ID, Props: map[string]any{ref: nil}, PrivateTo: o.PrivateTo})
			}
		}
		ov.changed[op.ID] = nil
		ov.count--
		return append(out, Op{Op: OpDelete, ID: op.ID, PrivateTo: cur.PrivateTo}), nil
	}
	return nil, Errorf(EInvalid, "unknown op %q", op.Op)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (ov *overlay) setProps(o *Object, spec kindSpec, props map[string]any) error {
	for name, v := range props {
		if reserved[name] {
			return Errorf(EInvalid, "%q is kept by the server", name)
		}
		req, allowed := spec.props[name]
		if !allowed {
			return Errorf(EInvalid, "%s has no prop %q", article(o.Kind), name)
		}
		if v == nil {
			if req {
				return Errorf(EInvalid, "prop %q of a %s cannot be unset", name, o.Kind)
			}
			delete(o.Props, name)
			continue
		}
		nv, err := checkValue(name, v)
		if err != nil {
			return err
		}
		switch propSpecs[name].typ {
		case tLaneRef:
			if r := ov.get(nv.(string)); r == nil || r.Kind != KindLane {
				return Errorf(EInvalid, "lane %s is not a lane on this board", nv)
			}
		case tGoalRef:
			if r := ov.get(nv.(string)); r == nil || r.Kind != KindGoal {
				return Errorf(EInvalid, "goal %s is not a goal on this board", nv)
			}
		case tNodeRef:
			id := nv.(string)
			if id == o.ID {
				return Errorf(EInvalid, "a link cannot point to itself")
			}
			if r := ov.get(id); r == nil || r.Kind == KindLink || !r.VisibleTo(ov.by) {
				return Errorf(EInvalid, "%s %s is not an object on this board", name, id)
			}
		}
		o.Props[name] = nv
	}
	if o.Kind == KindLink && o.Props["from"] != nil && o.Props["from"] == o.Props["to"] {
		return Errorf(EInvalid, "a link needs two different ends")
	}
	return nil
}

// DecodeOps decodes a JSON array of ops strictly: unknown fields are refused.
func DecodeOps(b []byte) ([]Op, error) {
	var ops []Op
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&ops); err != nil {
		return nil, Errorf(EInvalid, "ops must be a list of op objects: %s", JSONProblem(err))
	}
	return ops, nil
}
