package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// neverReadEnv makes the test binary, re-executed, a websocket client
// that connects to the URL in it and then never reads.
const neverReadEnv = "PROCESSKARTA_TEST_NEVER_READ"

// neverRead connects to url with a small receive buffer, says
// "connected" on stdout, and then reads nothing from the socket until its
// stdin closes (the test ends or dies).
func neverRead(url string) int {
	small := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return serr
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: small.DialContext}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "never-read client:", err)
		return 1
	}
	defer ws.CloseNow()
	fmt.Println("connected")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// metricOf reads one sample of the server's /metrics, 0 if absent.
func metricOf(t *testing.T, base, name string) float64 {
	t.Helper()
	v, err := (&client.API{Base: base}).Metric(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// eventually checks cond every 50 ms until it holds, failing after limit.
func eventually(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isOnline(c *client.Client, pid string) bool {
	for _, p := range c.ParticipantsNow() {
		if p.ID == pid {
			return p.Online
		}
	}
	return false
}

// A participant whose client never reads, as its own OS process with a
// small receive buffer, while three others write large notes: the server
// drops it (its queue overflows, or a write to it times out) instead of
// waiting on it or buffering without end. A fourth participant who reads
// gets every change in order and promptly, and the server's peak memory
// stays bounded.
func TestClientThatNeverReadsIsDropped(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	s := serveChild(t, "")
	bd := s.processBoard(t, ctx)
	pid := s.c.cmd.Process.Pid

	var mu sync.Mutex
	sent := map[string]time.Time{}
	var lat []time.Duration
	jr, err := s.api.Join(ctx, bd.JoinCode, "Läsare", "", "official")
	if err != nil {
		t.Fatal(err)
	}
	reader, err := client.Dial(ctx, s.base, bd.ID, jr.Token, &client.Options{OnMessage: func(m *client.Message) {
		if m.Type != "ops" || len(m.Ops) == 0 {
			return
		}
		text, _ := m.Ops[0].Props["text"].(string)
		key, _, _ := strings.Cut(text, " ")
		mu.Lock()
		if at, ok := sent[key]; ok {
			lat = append(lat, time.Since(at))
		}
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Drop()

	// Writers replace the text of twelve notes each, about 96 KB a
	// message, as fast as their per-socket budgets let them (a budget is
	// spent in a burst, then refills slowly: each phase has writers of
	// its own). The first phase measures the reader's latency without
	// the never-reading client.
	long := strings.Repeat("å", board.MaxTextLen-10)
	writers := func(phase string) (stop func() []time.Duration) {
		mu.Lock()
		lat = nil
		mu.Unlock()
		done := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			j, err := s.api.Join(ctx, bd.JoinCode, fmt.Sprintf("Skribent %s%d", phase, w), "", "official")
			if err != nil {
				t.Fatal(err)
			}
			c, err := client.Dial(ctx, s.base, bd.ID, j.Token, nil)
			if err != nil {
				t.Fatal(err)
			}
			var notes []string
			var creates []board.Op
			for k := range 12 {
				notes = append(notes, uuid.NewString())
				creates = append(creates, board.Op{Op: "create", ID: notes[k], Kind: "note", Props: map[string]any{"text": "", "x": float64(w*100 + k), "y": 0.0}})
			}
			if _, err := c.Ops(ctx, creates...); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Drop()
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					case <-tick.C:
					}
					key := phase + strconv.Itoa(w) + "/" + strconv.Itoa(i)
					ops := make([]board.Op, len(notes))
					for k, id := range notes {
						ops[k] = board.Op{Op: "update", ID: id, Props: map[string]any{"text": key + " " + long}}
					}
					mu.Lock()
					sent[key] = time.Now()
					mu.Unlock()
					_, err := c.Ops(ctx, ops...)
					var ce *client.Error
					if err != nil && !(errorAs(err, &ce) && ce.Code == board.ERateLimited) {
						t.Errorf("writer %s%d: %v", phase, w, err)
						return
					}
				}
			}()
		}
		return func() []time.Duration {
			close(done)
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			d := slices.Clone(lat)
			slices.Sort(d)
			return d
		}
	}
	pct := func(d []time.Duration, q float64) time.Duration {
		if len(d) == 0 {
			t.Fatal("no change reached the reader")
		}
		return d[int(q*float64(len(d)-1))]
	}
	counted := func() int { mu.Lock(); defer mu.Unlock(); return len(lat) }
	stop := writers("a")
	eventually(t, "40 changes to the reader", 60*time.Second, func() bool { return counted() >= 40 })
	before := stop()

	jn, err := s.api.Join(ctx, bd.JoinCode, "Läser aldrig", "", "other")
	if err != nil {
		t.Fatal(err)
	}
	slow := exec.Command(os.Args[0], "-test.run=^$")
	slow.Env = append(os.Environ(), neverReadEnv+"="+strings.Replace(s.base, "http", "ws", 1)+"/api/boards/"+bd.ID+"/ws?token="+jn.Token)
	slow.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	slow.Stderr = os.Stderr
	stdin, _ := slow.StdinPipe()
	out, _ := slow.StdoutPipe()
	if err := slow.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); slow.Process.Kill(); slow.Wait() })
	lines := bufio.NewReader(out)
	if line, err := lines.ReadString('\n'); err != nil || line != "connected\n" {
		t.Fatalf("the never-reading client did not connect: %q %v", line, err)
	}
	exited := make(chan struct{})
	go func() { io.Copy(io.Discard, lines); close(exited) }()
	eventually(t, "the never-reading client shown online", 10*time.Second, func() bool { return isOnline(reader, jn.Participant.ID) })

	resetPeak(pid)
	start := time.Now()
	stop = writers("b")
	eventually(t, "the never-reading client dropped", 60*time.Second, func() bool {
		return metricOf(t, s.base, `processkarta_ws_closed_total{reason="lagging"}`)+metricOf(t, s.base, `processkarta_ws_closed_total{reason="write_failed"}`) >= 1 &&
			!isOnline(reader, jn.Participant.ID)
	})
	dropped := time.Since(start)
	during := stop()
	peak := peakRSS(t, pid)
	select {
	case <-exited:
		t.Fatal("the never-reading client left by itself; the test proves nothing")
	default:
	}
	if reader.Gaps() != 0 {
		t.Fatal("the reading participant missed changes")
	}
	t.Logf("dropped after %v; the reader's latency without it p50 %v p99 %v (%d changes), with it p50 %v p99 %v (%d changes); server peak RSS %.0f MB",
		dropped.Round(100*time.Millisecond), pct(before, .5), pct(before, .99), len(before), pct(during, .5), pct(during, .99), len(during), peak)
	// Waiting on the stalled socket would hold every change for its write
	// timeout (10 s); two seconds over the latency without it is noise on
	// a busy machine, not a wait.
	if pct(during, .99) > pct(before, .99)+2*time.Second {
		t.Errorf("the never-reading client slowed the reader: p99 %v, %v without it", pct(during, .99), pct(before, .99))
	}
	if peak > 250 {
		t.Errorf("server peak RSS %.0f MB with one client that never reads", peak)
	}
}
