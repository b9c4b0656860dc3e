package board

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The browser keeps copies of three server rules so that an edit shows at
// once: applyOp (web/static/js/model.js), mergeSettings and addVote
// (web/static/js/rules.js). testdata/vectors holds cases of (state,
// message) → state that this test runs through the server's code and
// web/test/vectors.test.mjs through the browser's, so the copies cannot
// drift. A case with "error" is one the server refuses: the state stays as
// it was, and the browser's copy must leave it so too.
//
// To add a case, write its inputs with any "want" and run
//
//	go test ./board -run TestVectors -update-vectors
//
// which fills in what the server does; read the result before committing.
var updateVectors = flag.Bool("update-vectors", false, "rewrite the wanted states in testdata/vectors from the server's code")

// Participants of the vector boards: a facilitator, three politicians, a
// manager and one of position "other".
var vectorPeople = []*Participant{
	{ID: "00000000-0000-4000-8000-00000000f001", Name: "Fia", Administration: "Miljö", Position: PositionOfficial, Role: RoleFacilitator},
	{ID: "00000000-0000-4000-8000-00000000b001", Name: "Per", Administration: "Bygg", Position: PositionPolitician, Role: RoleParticipant},
	{ID: "00000000-0000-4000-8000-00000000b002", Name: "Pia", Administration: "Bygg", Position: PositionPolitician, Role: RoleParticipant},
	{ID: "00000000-0000-4000-8000-00000000b003", Name: "Pål", Administration: "Bygg", Position: PositionPolitician, Role: RoleParticipant},
	{ID: "00000000-0000-4000-8000-00000000c001", Name: "Maja", Administration: "Miljö", Position: PositionManager, Role: RoleParticipant},
	{ID: "00000000-0000-4000-8000-00000000d001", Name: "Otto", Administration: "Annat", Position: PositionOther, Role: RoleParticipant},
}

const vectorBoard = "00000000-0000-4000-8000-0000000000b0"

type opsVectors struct {
	About   string          `json:"about"`
	Objects json.RawMessage `json:"objects"`
	Cases   []struct {
		Name    string          `json:"name"`
		Objects json.RawMessage `json:"objects,omitempty"` // instead of the shared ones
		Author  string          `json:"author"`
		At      int64           `json:"at"`
		Ops     []Op            `json:"ops"`
		Error   string          `json:"error,omitempty"`
		Want    json.RawMessage `json:"want"`
	} `json:"cases"`
}

type settingsVectors struct {
	About    string          `json:"about"`
	Settings json.RawMessage `json:"settings"`
	Cases    []struct {
		Name     string          `json:"name"`
		Settings json.RawMessage `json:"settings,omitempty"` // instead of the shared ones
		Patch    json.RawMessage `json:"patch"`
		Now      int64           `json:"now"`
		Error    string          `json:"error,omitempty"`
		Want     json.RawMessage `json:"want"`
	} `json:"cases"`
}

type votesVectors struct {
	About        string          `json:"about"`
	Participants []*Participant  `json:"participants"`
	Objects      json.RawMessage `json:"objects"`
	Cases        []struct {
		Name   string                    `json:"name"`
		Voting Voting                    `json:"voting"`
		Votes  map[string]map[string]int `json:"votes"`
		Viewer string                    `json:"viewer"`
		Target string                    `json:"target"`
		Delta  int                       `json:"delta"`
		Error  string                    `json:"error,omitempty"`
		// View is the votes message the viewer has before the vote, as
		// the server sends it; Want is the one after.
		View json.RawMessage `json:"view"`
		Want json.RawMessage `json:"want"`
	} `json:"cases"`
}

func TestVectorsApplyOp(t *testing.T) {
	var v opsVectors
	readVectors(t, "ops.json", &v)
	if len(v.Cases) < 15 {
		t.Fatalf("%d cases, want at least 15", len(v.Cases))
	}
	for i := range v.Cases {
		c := &v.Cases[i]
		objects := v.Objects
		if c.Objects != nil {
			objects = c.Objects
		}
		st := vectorState(t, objects, Settings{Phase: "Idéer", Voting: Voting{Dots: 3, Kinds: []string{}}})
		runVector(t, st, c.Name, &c.Error, &c.Want, func() any { return st.SortedObjects() }, func() (*Change, error) {
			return st.PrepareOps(st.Participants[c.Author], "batch", c.Ops, c.At)
		})
	}
	writeVectors(t, "ops.json", &v)
}

func TestVectorsMergeSettings(t *testing.T) {
	var v settingsVectors
	readVectors(t, "settings.json", &v)
	if len(v.Cases) < 15 {
		t.Fatalf("%d cases, want at least 15", len(v.Cases))
	}
	for i := range v.Cases {
		c := &v.Cases[i]
		raw := v.Settings
		if c.Settings != nil {
			raw = c.Settings
		}
		var base Settings
		if err := json.Unmarshal(raw, &base); err != nil {
			t.Fatalf("%s: settings: %v", c.Name, err)
		}
		st := vectorState(t, nil, base)
		runVector(t, st, c.Name, &c.Error, &c.Want, func() any { return st.Settings }, func() (*Change, error) {
			return st.PrepareSettings(st.Participants[vectorPeople[0].ID], "batch", c.Patch, c.Now)
		})
	}
	writeVectors(t, "settings.json", &v)
}

func TestVectorsAddVote(t *testing.T) {
	var v votesVectors
	readVectors(t, "votes.json", &v)
	if len(v.Cases) < 15 {
		t.Fatalf("%d cases, want at least 15", len(v.Cases))
	}
	if *updateVectors {
		v.Participants = vectorPeople
	}
	for i := range v.Cases {
		c := &v.Cases[i]
		st := vectorState(t, v.Objects, Settings{Phase: "Idéer", Voting: c.Voting})
		for voter, m := range c.Votes {
			st.Votes[voter] = maps.Clone(m) // Apply changes it
		}
		viewer := st.Participants[c.Viewer]
		before := runVector(t, st, c.Name, &c.Error, &c.Want, func() any { return st.VotesFor(viewer) }, func() (*Change, error) {
			return st.PrepareVote(viewer, "batch", c.Target, c.Delta, 5000)
		})
		if *updateVectors {
			c.View = before
		} else if !sameJSON(t, before, c.View) {
			t.Errorf("%s: the view before the vote is not what the server sends:\n got %s\nwant %s", c.Name, before, c.View)
		}
	}
	writeVectors(t, "votes.json", &v)
}

// vectorState is a blank board with the vector participants and objects
// (a JSON list in the wire form) at seq 1.
func vectorState(t *testing.T, objects json.RawMessage, s Settings) *State {
	t.Helper()
	st := NewState(Info{ID: vectorBoard, Template: TemplateBlank}, s)
	st.Seq = 1
	for _, p := range vectorPeople {
		pp := *p
		st.Participants[p.ID] = &pp
	}
	if objects != nil {
		var list []*Object
		if err := json.Unmarshal(objects, &list); err != nil {
			t.Fatalf("objects: %v", err)
		}
		for _, o := range list {
			st.Objects[o.ID] = o
		}
	}
	return st
}

// runVector runs one case on st: what look shows before and after the
// change prepare makes is applied (if the server accepts it), recorded
// under -update-vectors or else compared with the case. It returns what
// look showed before.
func runVector(t *testing.T, st *State, name string, code *string, want *json.RawMessage, look func() any, prepare func() (*Change, error)) json.RawMessage {
	t.Helper()
	before := mustMarshal(t, look())
	ch, err := prepare()
	if err == nil {
		st.Apply(ch)
	}
	got := mustMarshal(t, look())
	if *updateVectors {
		*code, *want = ErrorCode(err), got
	} else {
		checkVector(t, name, *code, err, before, got, *want)
	}
	return before
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkVector compares what the server did with what the case wants: the
// refusal (if any) by its code, and the state after.
func checkVector(t *testing.T, name, wantErr string, err error, before, got, want json.RawMessage) {
	t.Helper()
	if code := ErrorCode(err); code != wantErr {
		t.Errorf("%s: error %q (%v), want %q", name, code, err, wantErr)
	}
	if err != nil && !sameJSON(t, before, got) {
		t.Errorf("%s: a refused message changed the state", name)
	}
	if !sameJSON(t, got, want) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func sameJSON(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func readVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vectors", name))
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// writeVectors rewrites the file under -update-vectors.
func writeVectors(t *testing.T, name string, v any) {
	t.Helper()
	if !*updateVectors {
		return
	}
	b, err := MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := indentVectors(&out, b, 0); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile(filepath.Join("testdata", "vectors", name), out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// indentVectors writes JSON one object, op or setting a line: the file
// and its cases are indented, and lists down to those in a case; every
// other object is compact.
func indentVectors(out *bytes.Buffer, raw []byte, depth int) error {
	raw = bytes.TrimSpace(raw)
	isCase := depth == 2 && bytes.HasPrefix(raw, []byte(`{"name":`))
	expand := len(raw) > 0 && (raw[0] == '[' && depth < 4 || raw[0] == '{' && (depth == 0 || isCase))
	if !expand {
		return json.Compact(out, raw)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	open, _ := d.Token()
	pad := "\n" + strings.Repeat("  ", depth+1)
	out.WriteString(fmt.Sprint(open))
	n := 0
	for d.More() {
		if n++; n > 1 {
			out.WriteByte(',')
		}
		out.WriteString(pad)
		if open == json.Delim('{') {
			k, err := d.Token()
			if err != nil {
				return err
			}
			kb, _ := json.Marshal(k)
			out.Write(kb)
			out.WriteString(": ")
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return err
		}
		if err := indentVectors(out, v, depth+1); err != nil {
			return err
		}
	}
	if n > 0 {
		out.WriteString("\n" + strings.Repeat("  ", depth))
	}
	if open == json.Delim('{') {
		out.WriteByte('}')
	} else {
		out.WriteByte(']')
	}
	return nil
}
