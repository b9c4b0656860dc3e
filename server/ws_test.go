package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/boltstore"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// snapshotObjects reads the server's board through the REST API.
func snapshotObjects(t testing.TB, n *node, boardID string) (uint64, map[string]*board.Object) {
	t.Helper()
	var snap struct {
		Seq     uint64
		Objects []*board.Object
	}
	if err := n.api.Do(ctxT(t), "GET", "/api/boards/"+boardID, testKey, nil, &snap); err != nil {
		t.Fatal(err)
	}
	m := map[string]*board.Object{}
	for _, o := range snap.Objects {
		m[o.ID] = o
	}
	return snap.Seq, m
}

func sameObjects(a, b map[string]*board.Object) string {
	if len(a) != len(b) {
		return "different counts"
	}
	for id, x := range a {
		y := b[id]
		if y == nil {
			return "missing " + id
		}
		if x.Kind != y.Kind || x.CreatedBy != y.CreatedBy || x.CreatedAt != y.CreatedAt || x.UpdatedAt != y.UpdatedAt || len(x.Props) != len(y.Props) {
			return "object " + id + " differs"
		}
		for k, v := range x.Props {
			if y.Props[k] != v {
				return "object " + id + " prop " + k + " differs"
			}
		}
	}
	return ""
}

func TestWSSyncAckAndFanout(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "process-map")
	j := join(t, n, b.JoinCode, "Anna", "official")
	ctx := ctxT(t)
	fac := dial(t, n, b.ID, b.FacilitatorToken)
	anna := dial(t, n, b.ID, j.Token)
	if anna.You().Role != "participant" || fac.Info().JoinCode == "" || anna.Info().JoinCode != "" {
		t.Fatalf("welcome: you %+v, join code shown to participant: %q", anna.You(), anna.Info().JoinCode)
	}
	lanes := 0
	for _, o := range anna.Objects() {
		if o.Kind == "lane" {
			lanes++
		}
	}
	if lanes != 5 {
		t.Fatalf("process-map has %d lanes", lanes)
	}

	step, noteOp := id(), note("Hinder: ingen budget", 400, 120)
	link := id()
	seq, err := anna.Ops(ctx,
		board.Op{Op: "create", ID: step, Kind: "step", Props: map[string]any{"text": "Ta fram underlag", "x": 300.0, "y": 100.0, "color": "#AABBCC"}},
		noteOp,
		board.Op{Op: "create", ID: link, Kind: "link", Props: map[string]any{"from": step, "to": noteOp.ID, "label": "leder till"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := fac.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	// Colors are normalized; the ack carried the normalized ops.
	if got := anna.Objects()[step].Props["color"]; got != "#aabbcc" {
		t.Fatalf("author's replica has color %v", got)
	}
	// Deleting the step deletes the link: both replicas follow.
	seq, err = fac.Ops(ctx, board.Op{Op: "delete", ID: step})
	if err != nil {
		t.Fatal(err)
	}
	if err := anna.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	if _, ok := anna.Objects()[link]; ok {
		t.Fatal("link survived the deletion of its end")
	}
	// A rejected batch changes nothing.
	_, err = anna.Ops(ctx, note("ok", 1, 1), board.Op{Op: "update", ID: id(), Props: map[string]any{"text": "x"}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "not_found" {
		t.Fatalf("want not_found reject, got %v", err)
	}
	_, server := snapshotObjects(t, n, b.ID)
	for _, c := range []*client.Client{anna, fac} {
		if d := sameObjects(c.Objects(), server); d != "" {
			t.Fatalf("replica differs from server: %s", d)
		}
		if c.Gaps() != 0 {
			t.Fatal("gap in seq")
		}
	}
}

func TestWSCatchUp(t *testing.T) {
	store := openBolt(t, boltstore.WithLogBound(150))
	n := startNode(t, store, nil, server.Limits{RecentChanges: 120, EditsPerSecond: 1000, EditBurst: 1000})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	writer := dial(t, n, b.ID, b.FacilitatorToken)
	j := join(t, n, b.JoinCode, "Bo", "manager")

	var got []client.Message
	var mu sync.Mutex
	reader, err := client.Dial(ctx, n.URL(), b.ID, j.Token, &client.Options{OnMessage: func(m *client.Message) {
		mu.Lock()
		got = append(got, *m)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Drop()
	reader.Drop()
	from := reader.Seq()
	var last uint64
	for i := range 100 {
		if last, err = writer.Ops(ctx, note("n", float64(i), 0)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	if err := reader.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reader.WaitSeq(ctx, last); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if got[0].Type != "welcome" || got[0].Objects != nil {
		t.Fatalf("catch-up welcome carried objects: %v", got[0].Type)
	}
	var seqs []uint64
	for _, m := range got[1:] {
		if m.Type == "ops" {
			seqs = append(seqs, m.Seq)
		}
	}
	mu.Unlock()
	if len(seqs) != 100 || seqs[0] != from+1 || seqs[99] != last {
		t.Fatalf("catch-up: %d ops messages %v, from %d last %d", len(seqs), seqs, from, last)
	}
	_, server := snapshotObjects(t, n, b.ID)
	if d := sameObjects(reader.Objects(), server); d != "" {
		t.Fatal(d)
	}

	// Past the kept window, the welcome carries the whole board.
	reader.Drop()
	for i := range 200 {
		if last, err = writer.Ops(ctx, note("m", float64(i), 10)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	if err := reader.Reconnect(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	full := got[0].Type == "welcome" && len(got[0].Objects) == 300
	mu.Unlock()
	if !full || reader.Seq() != last {
		t.Fatalf("want a full welcome at seq %d, got seq %d", last, reader.Seq())
	}
}

// since=0 still gets the template's objects, which no change holds.
func TestWSSinceZeroIsFull(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "process-map")
	ctx := ctxT(t)
	ws, _, err := websocket.Dial(ctx, strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+b.ID+"/ws?since=0&token="+b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	_, raw, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var w client.Message
	if err := json.Unmarshal(raw, &w); err != nil || w.Type != "welcome" {
		t.Fatalf("first message: %s", raw)
	}
	if len(w.Objects) != 7 {
		t.Fatalf("welcome after since=0 has %d objects, want the template's 7", len(w.Objects))
	}
}

func closeCode(t *testing.T, c *client.Client) websocket.StatusCode {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
	return c.CloseStatus()
}

func dialErr(t *testing.T, n *node, boardID, token string, opts *client.Options) error {
	t.Helper()
	c, err := client.Dial(ctxT(t), n.URL(), boardID, token, opts)
	if err == nil {
		c.Drop()
	}
	return err
}

func TestWSBadInput(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{MaxMessageBytes: 64 << 10, EditsPerSecond: 5, EditBurst: 20})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)

	err := dialErr(t, n, b.ID, b.FacilitatorToken, &client.Options{Origin: "https://evil.example"})
	if e, ok := err.(*client.Error); !ok || e.Code != "http_403" {
		t.Fatalf("cross-site origin: %v", err)
	}
	if err := dialErr(t, n, b.ID, b.FacilitatorToken, &client.Options{Origin: n.URL()}); err != nil {
		t.Fatalf("own origin refused: %v", err)
	}
	if e, ok := dialErr(t, n, b.ID, "wrong", nil).(*client.Error); !ok || e.Code != "closed_4401" {
		t.Fatalf("bad token: %v", e)
	}
	if e, ok := dialErr(t, n, "00000000-0000-0000-0000-000000000000", "x", nil).(*client.Error); !ok || e.Code != "closed_4404" {
		t.Fatalf("no board: %v", e)
	}

	var rec recorder
	c, err := client.Dial(ctx, n.URL(), b.ID, b.FacilitatorToken, &client.Options{OnMessage: rec.on})
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{`not json`, `{"type":"dance","id":"1"}`, `{"id":"1"}`, `[1,2]`, `{"type":"ops","ops":[]}`} {
		if err := c.WriteRaw(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return len(rec.of("error")) == 5 })
	for _, e := range rec.of("error") {
		if e.Code != "bad_message" || e.Message == "" {
			t.Fatalf("error message: %+v", e)
		}
	}
	// A ping (the browser's heartbeat) is answered with a pong.
	if err := c.WriteRaw(ctx, `{"type":"ping"}`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(rec.of("pong")) == 1 })
	// Known types with bad fields are rejected by id.
	for _, tc := range []struct {
		ops  []board.Op
		code string
	}{
		{[]board.Op{{Op: "create", ID: "x", Kind: "note"}}, "invalid"},
		{[]board.Op{{Op: "create", ID: id(), Kind: "note", Props: map[string]any{"x": 1.0, "y": 2e7}}}, "invalid"},
		{[]board.Op{{Op: "create", ID: id(), Kind: "note", Props: map[string]any{"x": 1.0, "y": 2.0, "text": strings.Repeat("ö", 4001)}}}, "invalid"},
		{[]board.Op{{Op: "create", ID: id(), Kind: "widget"}}, "invalid"},
		{[]board.Op{{Op: "explode", ID: id()}}, "invalid"},
	} {
		_, err := c.Ops(ctx, tc.ops...)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != tc.code {
			t.Fatalf("ops %v: want reject %s, got %v", tc.ops, tc.code, err)
		}
	}
	if _, err := c.Settings(ctx, map[string]any{"phase": "Nope"}); err == nil {
		t.Fatal("bad phase accepted")
	}
	if seq, objs := snapshotObjects(t, n, b.ID); len(objs) != 0 || seq != 0 {
		t.Fatalf("bad input stored something: seq %d, %d objects", seq, len(objs))
	}

	// An oversized frame closes with 1009.
	big := `{"type":"ops","id":"big","ops":[` + strings.Repeat(" ", 70<<10) + `]}`
	_ = c.WriteRaw(ctx, big)
	if code := closeCode(t, c); code != websocket.StatusMessageTooBig {
		t.Fatalf("oversized frame: close %d", code)
	}

	// A flood closes with 4429.
	c2 := dial(t, n, b.ID, b.FacilitatorToken)
	for i := 0; i < 100; i++ {
		if c2.WriteRaw(ctx, `{"type":"vote","id":"v`+string(rune('a'+i%26))+`","target":"`+id()+`","delta":1}`) != nil {
			break
		}
	}
	if code := closeCode(t, c2); code != 4429 {
		t.Fatalf("flood: close %d", code)
	}
}

func TestWSRemovedAndShutdown(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	j := join(t, n, b.JoinCode, "Cecilia", "politician")
	c := dial(t, n, b.ID, j.Token)
	if err := n.api.Do(ctxT(t), "DELETE", "/api/boards/"+b.ID+"/participants/"+j.Participant.ID, b.FacilitatorToken, nil, nil); err != nil {
		t.Fatal(err)
	}
	if code := closeCode(t, c); code != 4401 {
		t.Fatalf("removed participant: close %d", code)
	}
	if e, ok := dialErr(t, n, b.ID, j.Token, nil).(*client.Error); !ok || e.Code != "closed_4401" {
		t.Fatalf("revoked token: %v", e)
	}
	f := dial(t, n, b.ID, b.FacilitatorToken)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n.srv.Shutdown(ctx)
	if code := closeCode(t, f); code != websocket.StatusGoingAway {
		t.Fatalf("shutdown: close %d", code)
	}
	resp, err := http.Get(n.URL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Fatalf("readyz while draining: %d", resp.StatusCode)
	}
}

func TestWSPresenceCoalescedAndOnline(t *testing.T) {
	n := boltNode(t)
	b := newBoard(t, n, "blank")
	j := join(t, n, b.JoinCode, "Dan", "official")
	ctx := ctxT(t)
	var rec recorder
	watcher := dialRecorded(t, n, b.ID, b.FacilitatorToken, &rec)
	dan := dial(t, n, b.ID, j.Token)
	waitFor(t, func() bool { return online(watcher, j.Participant.ID) })

	// 50 Hz of cursor moves for a second reach the watcher at most 20 times.
	// The sleep paces the moves (it makes the 50 Hz); it synchronises
	// nothing.
	start := time.Now()
	last := 0
	for i := 0; time.Since(start) < time.Second; i++ {
		if err := dan.Presence(ctx, &[2]float64{float64(i), 5}, nil, ""); err != nil {
			t.Fatal(err)
		}
		last = i
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	lastX := func() (x float64, k int) {
		presence := rec.of("presence")
		for _, m := range presence {
			for _, p := range m.Peers {
				if p.Participant == j.Participant.ID && p.Cursor != nil {
					x = p.Cursor.X
				}
			}
		}
		return x, len(presence)
	}
	// The latest position arrives, however the moves were coalesced.
	waitFor(t, func() bool { x, _ := lastX(); return x == float64(last) })
	// At most one flush per 50 ms while Dan moved, and one after.
	if _, k := lastX(); k == 0 || k > int(elapsed/(50*time.Millisecond))+2 {
		t.Fatalf("%d presence messages in %v", k, elapsed)
	}
	// Someone arriving now sees Dan's cursor at once, though Dan is still.
	seen := make(chan float64, 1)
	late, err := client.Dial(ctx, n.URL(), b.ID, b.FacilitatorToken, &client.Options{OnMessage: func(m *client.Message) {
		for _, p := range m.Peers {
			if p.Participant == j.Participant.ID && p.Cursor != nil {
				select {
				case seen <- p.Cursor.X:
				default:
				}
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Drop()
	select {
	case x := <-seen:
		if x != float64(last) {
			t.Fatalf("newcomer saw Dan's cursor at %v, want %v", x, last)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a newcomer got no presence of the people already there")
	}
	dan.Drop()
	waitFor(t, func() bool { return !online(watcher, j.Participant.ID) })
}

func online(c *client.Client, pid string) bool {
	for _, p := range c.ParticipantsNow() {
		if p.ID == pid {
			return p.Online
		}
	}
	return false
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A peer that stops answering pings is dropped, and a board takes only so
// many connections.
func TestWSDeadPeerAndConnectionLimit(t *testing.T) {
	n := startNode(t, openBolt(t), nil, server.Limits{PingInterval: 200 * time.Millisecond, ConnsPerBoard: 2})
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	// A raw socket that never reads never answers a ping.
	dead, _, err := websocket.Dial(ctx, strings.Replace(n.URL(), "http", "ws", 1)+"/api/boards/"+b.ID+"/ws?token="+b.FacilitatorToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dead.CloseNow()
	waitFor(t, func() bool { return metric(t, n, `processkarta_ws_closed_total{reason="dead"}`) >= 1 })
	waitFor(t, func() bool { return metric(t, n, "processkarta_ws_connections") == 0 })

	c1 := dial(t, n, b.ID, b.FacilitatorToken)
	j := join(t, n, b.JoinCode, "Deltagare", "official")
	_ = dial(t, n, b.ID, j.Token)
	if e, ok := dialErr(t, n, b.ID, j.Token, nil).(*client.Error); !ok || e.Code != "closed_4403" {
		t.Fatalf("third connection: %v", e)
	}
	// The board's cap never refuses a facilitator (issue 10, item 2).
	_ = dial(t, n, b.ID, b.FacilitatorToken)
	// The live ones answer pings and stay.
	time.Sleep(600 * time.Millisecond)
	if _, err := c1.Ops(ctx, note("lever", 1, 1)); err != nil {
		t.Fatalf("a live connection was dropped: %v", err)
	}
}
