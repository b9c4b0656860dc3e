package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// peakRSS is the child's peak resident memory in MB since the last
// resetPeak (Linux: VmHWM).
func peakRSS(t *testing.T, pid int) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// resetPeak starts a new peak measurement (writing 5 to clear_refs).
func resetPeak(pid int) { _ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) }

type served struct {
	base, key string
	api       *client.API
	c         *child
}

func serveChild(t *testing.T, extra string) *served {
	t.Helper()
	addr := freeAddr(t)
	const key = "limits-test-organizer-key"
	c := startChild(t, "-addr "+addr+" -organizer-key "+key+" -data "+t.TempDir()+" "+extra)
	base := "http://" + addr
	return &served{base: base, key: key, api: &client.API{Base: base, Key: key}, c: c}
}

func (s *served) board(t *testing.T, ctx context.Context) *client.BoardCreated {
	t.Helper()
	if err := s.api.EnsureMunicipality(ctx, "1480"); err != nil {
		t.Fatal(err)
	}
	b, err := s.api.CreateBoard(ctx, "Målworkshop", "1480", "goal-workshop")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 10, item 1, from outside the process: one participant fills a
// board as fast as the server lets them. The board stops at its text
// budget with board_full, markup costs what it weighs on the wire, the
// server's peak memory while 10 readers fetch the board and two sockets
// never read their welcome stays bounded, and the full board exports.
func TestOneParticipantCannotExhaustMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	j, err := s.api.Join(ctx, b.JoinCode, "Angripare", "", "other")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := client.Dial(ctx, s.base, b.ID, j.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Drop()
	pid := s.c.cmd.Process.Pid
	start := time.Now()
	long := strings.Repeat("å", board.MaxTextLen) // 8,000 bytes, 4,000 characters
	sent, full := 0, false
	for sent < 4*board.MaxBoardTextBytes && !full {
		var ops []board.Op
		for range 4 {
			ops = append(ops, board.Op{Op: "create", ID: uuid.NewString(), Kind: "goal", Props: map[string]any{
				"title": "<b>Mål</b> & <i>mer</i>", "description": long, "target": long, "indicator": long}})
			sent += 3 * len(long)
		}
		_, err := ws.Ops(ctx, ops...)
		var ce *client.Error
		switch {
		case err == nil:
		case errorAs(err, &ce) && ce.Code == board.EBoardFull:
			full = true
		case errorAs(err, &ce) && ce.Code == board.ERateLimited:
			time.Sleep(200 * time.Millisecond) // the bytes-per-second budget: wait as told
		default:
			t.Fatal(err)
		}
	}
	if !full {
		t.Fatalf("a participant stored %d bytes of text without board_full", sent)
	}
	t.Logf("the board was full after %.1f s (%d bytes sent)", time.Since(start).Seconds(), sent)

	// Two sockets that never read: the server must not hold the board for them twice.
	for range 2 {
		raw, _, err := websocket.Dial(ctx, strings.Replace(s.base, "http", "ws", 1)+"/api/boards/"+b.ID+"/ws?token="+j.Token, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.CloseNow()
	}
	resetPeak(pid)
	before := peakRSS(t, pid)
	var wg sync.WaitGroup
	var size atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/api/boards/"+b.ID, nil)
			req.Header.Set("Authorization", "Bearer "+j.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if strings.Contains(string(body), `\u003c`) || !strings.Contains(string(body), "<b>Mål</b> & <i>mer</i>") {
				t.Error("markup escaped on the wire")
			}
			size.Store(int64(len(body)))
		}()
	}
	wg.Wait()
	peak := peakRSS(t, pid)
	t.Logf("GET /api/boards/{id}: %.2f MB; peak RSS %.0f MB (%.0f MB before the 10 readers)", float64(size.Load())/1e6, peak, before)
	if size.Load() > 3*board.MaxBoardTextBytes {
		t.Fatalf("the largest board is %d bytes on the wire", size.Load())
	}
	if peak > 250 {
		t.Fatalf("peak RSS %.0f MB while 10 readers fetch the largest board", peak)
	}
	var e struct{ Bytes int }
	if err := s.api.Do(ctx, "POST", "/api/boards/"+b.ID+"/exports", b.FacilitatorToken, nil, &e); err != nil {
		t.Fatalf("the full board did not export: %v", err)
	}
	t.Logf("its PDF: %d bytes", e.Bytes)
}

// Issue 10, item 2, from outside the process: one token tries 1,000
// sockets; four stay open, the rest are refused (4429, or 429 at the
// address's connection cap), and another participant and the facilitator
// still get in.
func TestOneTokenCannotBlockTheBoard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := serveChild(t, "")
	b := s.board(t, ctx)
	j, err := s.api.Join(ctx, b.JoinCode, "Många flikar", "", "other")
	if err != nil {
		t.Fatal(err)
	}
	pid := s.c.cmd.Process.Pid
	resetPeak(pid)
	url := strings.Replace(s.base, "http", "ws", 1) + "/api/boards/" + b.ID + "/ws?token=" + j.Token
	var open, refused atomic.Int32
	var mu sync.Mutex
	var keep []*websocket.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	for range 1000 {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.Dial(ctx, url, nil)
			if err != nil {
				refused.Add(1) // 429 before the upgrade
				return
			}
			rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
			defer rcancel()
			if _, _, err := c.Read(rctx); err != nil {
				if websocket.CloseStatus(err) == 4429 {
					refused.Add(1)
				}
				c.CloseNow()
				return
			}
			open.Add(1)
			mu.Lock()
			keep = append(keep, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range keep {
			c.CloseNow()
		}
	}()
	t.Logf("1,000 sockets of one token: %d open, %d refused; peak RSS %.0f MB", open.Load(), refused.Load(), peakRSS(t, pid))
	if open.Load() > 4 || open.Load() == 0 {
		t.Fatalf("%d sockets of one token are open", open.Load())
	}
	if int(open.Load()+refused.Load()) != 1000 {
		t.Fatalf("%d open and %d refused of 1000", open.Load(), refused.Load())
	}
	other, err := s.api.Join(ctx, b.JoinCode, "Annan", "", "official")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{other.Token, b.FacilitatorToken} {
		c, err := client.Dial(ctx, s.base, b.ID, tok, nil)
		if err != nil {
			t.Fatalf("after the flood: %v", err)
		}
		c.Drop()
	}
}

func errorAs(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}
