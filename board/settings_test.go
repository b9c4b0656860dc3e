package board

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestSettingsMerge(t *testing.T) {
	tb := newTestBoard(t, TemplateProcessMap)
	if tb.st.Settings.Phase != "Nuläge" || tb.st.Settings.Voting.Dots != 3 || !slices.Equal(tb.st.Settings.Voting.Kinds, []string{KindNote, KindStep}) {
		t.Fatalf("initial settings %+v", tb.st.Settings)
	}
	c := tb.settings(t, `{"phase":"Hinder"}`)
	if c.Type != ChangeSettings || c.Settings.Phase != "Hinder" || c.Settings.Voting.Dots != 3 || c.Seq != tb.st.Seq {
		t.Fatalf("change %+v", c)
	}
	// voting and timer merge field by field.
	tb.settings(t, `{"voting":{"open":true,"hidden":true}}`)
	v := tb.st.Settings.Voting
	if !v.Open || !v.Hidden || v.Dots != 3 || len(v.Kinds) != 2 || tb.st.Settings.Phase != "Hinder" {
		t.Fatalf("after voting patch %+v", tb.st.Settings)
	}
	tb.settings(t, `{"voting":{"kinds":["goal"]}}`)
	if v := tb.st.Settings.Voting; !slices.Equal(v.Kinds, []string{KindGoal}) || !v.Open {
		t.Fatalf("kinds replace %+v", v)
	}
	tb.settings(t, `{"timer":{"seconds":300}}`)
	if tb.st.Settings.Timer.EndsAt != nil || tb.st.Settings.Timer.Seconds != 300 {
		t.Fatalf("timer %+v", tb.st.Settings.Timer)
	}
	tb.settings(t, `{"timer":{"start":true}}`)
	if e := tb.st.Settings.Timer.EndsAt; e == nil || *e != testNow+300_000 || tb.st.Settings.Timer.Start {
		t.Fatalf("started timer %+v", tb.st.Settings.Timer)
	}
	tb.settings(t, `{"timer":{"endsAt":null}}`)
	if tb.st.Settings.Timer.EndsAt != nil || tb.st.Settings.Timer.Seconds != 300 {
		t.Fatalf("stopped timer %+v", tb.st.Settings.Timer)
	}
	tb.settings(t, `{"focus":{"x":10,"y":-20,"zoom":2,"at":5}}`)
	if f := tb.st.Settings.Focus; f == nil || f.X != 10 || f.Zoom != 2 || f.At != testNow {
		t.Fatalf("focus %+v", f)
	}
	tb.settings(t, `{"focus":null,"locked":true}`)
	if tb.st.Settings.Focus != nil || !tb.st.Settings.Locked {
		t.Fatalf("after focus null %+v", tb.st.Settings)
	}
	// The change's settings are the whole settings, not the patch.
	c = tb.settings(t, `{"locked":false}`)
	if c.Settings.Phase != "Hinder" || c.Settings.Timer.Seconds != 300 {
		t.Fatalf("change settings %+v", c.Settings)
	}
}

func TestSettingsRules(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	before := mustJSON(t, tb.st)
	bad := map[string]string{
		`{"phase":"Nuläge"}`:                  EInvalid, // a process-map phase
		`{"phase":""}`:                        EInvalid,
		`{"colour":"red"}`:                    EInvalid,
		`{"voting":{"open":true,"dots":0}}`:   EInvalid,
		`{"voting":{"dots":51}}`:              EInvalid,
		`{"voting":{"dots":-1}}`:              EInvalid,
		`{"voting":{"open":true,"kinds":[]}}`: EInvalid,
		`{"voting":{"kinds":["link"]}}`:       EInvalid,
		`{"voting":{"kinds":["circle"]}}`:     EInvalid,
		`{"voting":{"kinds":["goal","goal","goal","goal","goal","goal","goal","goal","goal","goal"]}}`: EInvalid,
		`{"timer":{"seconds":86401}}`:                 EInvalid,
		`{"timer":{"seconds":-1}}`:                    EInvalid,
		`{"timer":{"seconds":0,"start":true}}`:        EInvalid,
		`{"timer":{"endsAt":-5}}`:                     EInvalid,
		`{"timer":{"endsAt":9999999999999999}}`:       EInvalid,
		`{"focus":{"x":0,"y":0,"zoom":0}}`:            EInvalid,
		`{"focus":{"x":0,"y":0,"zoom":21}}`:           EInvalid,
		`{"focus":{"x":2000000,"y":0,"zoom":1}}`:      EInvalid,
		`{"locked":"yes"}`:                            EInvalid,
		`{}{}`:                                        EInvalid,
		`[1]`:                                         EInvalid,
		``:                                            EInvalid,
		`{"voting":{"open":true,"kinds":["goal"]}} x`: EInvalid,
	}
	for patch, code := range bad {
		_, err := tb.st.PrepareSettings(tb.fac, "s", json.RawMessage(patch), testNow)
		if ErrorCode(err) != code {
			t.Errorf("PrepareSettings(%s): %v, want %s", patch, err, code)
		}
	}
	for _, p := range []*Participant{nil, tb.part, tb.obs} {
		if _, err := tb.st.PrepareSettings(p, "s", json.RawMessage(`{"locked":true}`), testNow); ErrorCode(err) != EForbidden {
			t.Errorf("settings by %v: %v", p, err)
		}
	}
	if mustJSON(t, tb.st) != before {
		t.Fatal("failed settings changed the state")
	}
	// A valid patch must not alias the state's settings.
	c, err := tb.st.PrepareSettings(tb.fac, "s", json.RawMessage(`{"voting":{"kinds":["note"]}}`), testNow)
	if err != nil {
		t.Fatal(err)
	}
	c.Settings.Voting.Kinds[0] = "frame"
	if mustJSON(t, tb.st) != before {
		t.Fatal("PrepareSettings aliases the state")
	}
}

func TestVoting(t *testing.T) {
	tb := newTestBoard(t, TemplateGoalWorkshop)
	var goals []string
	for _, o := range tb.st.SortedObjects() {
		if o.Kind == KindGoal {
			goals = append(goals, o.ID)
		}
	}
	frame := ""
	for id, o := range tb.st.Objects {
		if o.Kind == KindFrame {
			frame = id
		}
	}
	voteErr := func(p *Participant, target string, delta int, code string) {
		t.Helper()
		before := mustJSON(t, tb.st)
		if _, err := tb.st.PrepareVote(p, "v", target, delta, testNow); ErrorCode(err) != code {
			t.Fatalf("vote: %v, want %s", err, code)
		}
		if mustJSON(t, tb.st) != before {
			t.Fatal("a failed vote changed the state")
		}
	}
	voteErr(tb.part, goals[0], 1, EVotingClosed)
	tb.settings(t, `{"voting":{"open":true,"dots":2,"hidden":true}}`)
	voteErr(tb.obs, goals[0], 1, EForbidden)
	voteErr(nil, goals[0], 1, EForbidden)
	voteErr(tb.part, goals[0], 2, EInvalid)
	voteErr(tb.part, goals[0], 0, EInvalid)
	voteErr(tb.part, uuid.NewString(), 1, ENotFound)
	voteErr(tb.part, frame, 1, EInvalid)
	voteErr(tb.part, goals[0], -1, EInvalid)
	tb.vote(t, tb.part, goals[0], 1)
	tb.vote(t, tb.part, goals[0], 1)
	voteErr(tb.part, goals[1], 1, ENoDots)
	tb.vote(t, tb.part, goals[0], -1)
	tb.vote(t, tb.part, goals[1], 1)
	tb.vote(t, tb.mgr, goals[1], 1)
	tb.vote(t, tb.fac, goals[2], 1)
	if tb.st.DotsUsed(tb.part.ID) != 2 || tb.st.Votes[tb.part.ID][goals[0]] != 1 {
		t.Fatalf("votes %v", tb.st.Votes)
	}
	tb.settings(t, `{"locked":true}`)
	voteErr(tb.mgr, goals[1], 1, ELocked)
	tb.vote(t, tb.fac, goals[2], 1)
	tb.settings(t, `{"locked":false}`)

	// Open and hidden: participants see only their own dots.
	pv := tb.st.VotesFor(tb.part)
	if pv.Tallies != nil || pv.ByPosition != nil || pv.Voters != nil || !pv.Open || !pv.Hidden {
		t.Fatalf("participant view while hidden: %+v", pv)
	}
	if pv.Mine[goals[0]] != 1 || pv.Mine[goals[1]] != 1 || pv.DotsLeft != 0 || pv.Dots != 2 {
		t.Fatalf("participant's own view %+v", pv)
	}
	if ov := tb.st.VotesFor(tb.obs); ov.Tallies != nil || len(ov.Mine) != 0 {
		t.Fatalf("observer view %+v", ov)
	}
	fv := tb.st.VotesFor(tb.fac)
	if fv.Tallies[goals[1]] != 2 || fv.Tallies[goals[0]] != 1 || fv.Tallies[goals[2]] != 2 || fv.Voters == nil || *fv.Voters != 3 {
		t.Fatalf("facilitator view %+v", fv)
	}
	if fv.ByPosition[goals[1]][PositionPolitician] != 1 || fv.ByPosition[goals[1]][PositionManager] != 1 {
		t.Fatalf("by position %+v", fv.ByPosition)
	}
	if nv := tb.st.VotesFor(nil); nv.Tallies != nil || nv.DotsLeft != 0 {
		t.Fatalf("nil view %+v", nv)
	}
	tb.settings(t, `{"voting":{"anonymous":true}}`)
	if fv := tb.st.VotesFor(tb.fac); fv.Voters != nil || fv.Tallies == nil {
		t.Fatalf("anonymous facilitator view %+v", fv)
	}
	// Closed: everyone sees tallies.
	tb.settings(t, `{"voting":{"open":false}}`)
	if pv := tb.st.VotesFor(tb.part); pv.Tallies[goals[1]] != 2 || pv.Voters != nil {
		t.Fatalf("participant view after close %+v", pv)
	}
	voteErr(tb.part, goals[0], -1, EVotingClosed)
	// No view ever names another person.
	for _, p := range []*Participant{tb.part, tb.mgr, tb.obs, tb.fac} {
		s := mustJSON(t, tb.st.VotesFor(p))
		for _, other := range []*Participant{tb.part, tb.mgr, tb.obs, tb.fac} {
			if strings.Contains(s, other.ID) || strings.Contains(s, other.Name) {
				t.Fatalf("view of %s names %s: %s", p.Name, other.Name, s)
			}
		}
	}
	// Opening without "hidden" opens hidden, whatever the last vote was.
	tb.settings(t, `{"voting":{"hidden":false}}`)
	tb.settings(t, `{"voting":{"open":true}}`)
	if !tb.st.Settings.Voting.Hidden {
		t.Fatal("a vote opened without hidden is not hidden")
	}
	tb.settings(t, `{"voting":{"open":false}}`)
	// Open and not hidden, when asked: tallies for everyone.
	tb.settings(t, `{"voting":{"open":true,"hidden":false}}`)
	if len(tb.st.Votes) != 0 {
		t.Fatalf("opening a vote kept old dots: %v", tb.st.Votes)
	}
	tb.vote(t, tb.mgr, goals[3], 1)
	if pv := tb.st.VotesFor(tb.part); pv.Tallies[goals[3]] != 1 || pv.DotsLeft != 2 || len(pv.Mine) != 0 {
		t.Fatalf("open visible view %+v", pv)
	}
	// Changing other settings while open keeps the dots.
	tb.settings(t, `{"phase":"Rösta"}`)
	if tb.st.Votes[tb.mgr.ID][goals[3]] != 1 {
		t.Fatal("a settings change cleared votes")
	}
	// Removing a participant removes their dots.
	c, err := tb.st.PrepareRemove(tb.fac, tb.mgr.ID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tb.st.Apply(c)
	if len(tb.st.Votes) != 0 {
		t.Fatalf("votes of a removed participant: %v", tb.st.Votes)
	}
	if err := checkObjects(tb.st); err != nil {
		t.Fatal(err)
	}
}

func TestParticipants(t *testing.T) {
	tb := newTestBoard(t, TemplateBlank)
	st := tb.st
	p := &Participant{ID: uuid.NewString(), Name: "Ny", Position: PositionOther, Role: RoleParticipant, JoinedAt: 5}
	c, err := st.PrepareJoin(p, "hash", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c.Participant.JoinedAt != testNow || p.JoinedAt != 5 || c.TokenHash != "hash" || c.Author != p.ID {
		t.Fatalf("join change %+v", c)
	}
	st.Apply(c)
	if st.Tokens["hash"] != p.ID || st.Participants[p.ID].Name != "Ny" {
		t.Fatal("join not applied")
	}
	if _, err := st.PrepareJoin(p, "h2", testNow); ErrorCode(err) != EConflict {
		t.Fatalf("join twice: %v", err)
	}
	for _, bad := range []Participant{
		{ID: "x", Name: "", Position: PositionOther, Role: RoleParticipant},
		{ID: "x", Name: "   ", Position: PositionOther, Role: RoleParticipant},
		{ID: "x", Name: long(MaxNameLen + 1), Position: PositionOther, Role: RoleParticipant},
		{ID: "x", Name: "A", Administration: long(MaxTitleLen + 1), Position: PositionOther, Role: RoleParticipant},
		{ID: "x", Name: "A", Position: "mayor", Role: RoleParticipant},
		{ID: "x", Name: "A", Position: PositionOther, Role: "admin"},
		{ID: "x", Name: "A\x00", Position: PositionOther, Role: RoleParticipant},
	} {
		if _, err := st.PrepareJoin(&bad, "h", testNow); ErrorCode(err) != EInvalid {
			t.Errorf("join %+v: %v", bad, err)
		}
	}
	// Roles.
	if _, err := st.PrepareRole(tb.part, p.ID, RoleObserver, testNow); ErrorCode(err) != EForbidden {
		t.Fatalf("role by participant: %v", err)
	}
	if _, err := st.PrepareRole(tb.fac, p.ID, "king", testNow); ErrorCode(err) != EInvalid {
		t.Fatalf("bad role: %v", err)
	}
	if _, err := st.PrepareRole(tb.fac, uuid.NewString(), RoleObserver, testNow); ErrorCode(err) != ENotFound {
		t.Fatalf("role of nobody: %v", err)
	}
	c, err = st.PrepareRole(nil, p.ID, RoleObserver, testNow)
	if err != nil || c.Author != "" {
		t.Fatalf("role by organizer: %v %+v", err, c)
	}
	st.Apply(c)
	if st.Participants[p.ID].Role != RoleObserver {
		t.Fatal("role not applied")
	}
	// Removal revokes every token of the participant.
	st.Tokens["second"] = p.ID
	if _, err := st.PrepareRemove(tb.part, p.ID, testNow); ErrorCode(err) != EForbidden {
		t.Fatalf("remove by participant: %v", err)
	}
	if _, err := st.PrepareRemove(tb.fac, uuid.NewString(), testNow); ErrorCode(err) != ENotFound {
		t.Fatalf("remove nobody: %v", err)
	}
	c, err = st.PrepareRemove(tb.fac, p.ID, testNow)
	if err != nil || c.Author != tb.fac.ID {
		t.Fatal(err)
	}
	st.Apply(c)
	if st.Participants[p.ID] != nil || st.Tokens["hash"] != "" || st.Tokens["second"] != "" {
		t.Fatal("removal left the participant or a token")
	}
	if !tb.fac.CanEdit(true) || tb.part.CanEdit(true) || !tb.part.CanEdit(false) || tb.obs.CanEdit(false) {
		t.Fatal("CanEdit")
	}
	// A full board takes no one else.
	for len(st.Participants) < MaxParticipants {
		id := uuid.NewString()
		st.Participants[id] = &Participant{ID: id}
	}
	if _, err := st.PrepareJoin(&Participant{ID: uuid.NewString(), Name: "Sist", Position: PositionOther, Role: RoleParticipant}, "h", testNow); ErrorCode(err) != ETooLarge {
		t.Fatalf("join a full board: %v", err)
	}
}

func TestJoinCodesAndTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := NewJoinCode()
		if NormalizeJoinCode(c) != c {
			t.Fatalf("code %q does not normalize to itself", c)
		}
		seen[c] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct codes of 200", len(seen))
	}
	if got := NormalizeJoinCode("k7m-4qx"); got != "K7M4QX" {
		t.Fatalf("normalize %q", got)
	}
	for _, bad := range []string{"K0M4QX", "K7M4Q", "K7M4QXX", "K7M4QI", ""} {
		if NormalizeJoinCode(bad) != "" {
			t.Errorf("%q normalized", bad)
		}
	}
	a, b := NewToken(), NewToken()
	h := HashToken(a)
	if len(a) != 64 || a == b || h == a || h != HashToken(string([]byte(a))) || h == HashToken(b) {
		t.Fatal("tokens")
	}
}

func TestErrors(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(Errorf(ENotFound, "x")) != ENotFound {
		t.Fatal("ErrorCode")
	}
	if ErrorCode(json.Unmarshal([]byte("{"), &struct{}{})) != EInternal {
		t.Fatal("a plain error is internal")
	}
	if ErrorMessage(Errorf(EInvalid, "bad %d", 1)) != "bad 1" || ErrorMessage(json.Unmarshal([]byte("{"), &struct{}{})) != "internal error" {
		t.Fatal("ErrorMessage")
	}
}
