package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
	"github.com/processkarta/processkarta/server/client"
)

// The child mode: the test binary re-executed serves like the real
// command, so the test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if path := os.Getenv(checkFileEnv); path != "" {
		os.Exit(checkChild(path, os.Stdout))
	}
	if url := os.Getenv(neverReadEnv); url != "" {
		os.Exit(neverRead(url))
	}
	if args := os.Getenv("PROCESSKARTA_TEST_CHILD"); args != "" {
		err := run(context.Background(), strings.Fields(args), os.Getenv, os.Stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type child struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

// childCommand is the server run as its own process with args: this test
// binary re-executed, or with PROCESSKARTA_TEST_SERVER_BIN another build
// (an older release, say) under the same tests — how the fault and limit
// tests are shown to fail before their fix.
func childCommand(args string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if bin := os.Getenv("PROCESSKARTA_TEST_SERVER_BIN"); bin != "" {
		cmd = exec.Command(bin, strings.Fields(args)...)
	}
	cmd.Env = append(os.Environ(), append(env, "PROCESSKARTA_TEST_CHILD="+args)...)
	return cmd
}

func startChild(t *testing.T, args string, env ...string) *child {
	t.Helper()
	cmd := childCommand(args, env...)
	out := &bytes.Buffer{}
	pr, pw, _ := os.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "serving on") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the server did not start")
	}
	c := &child{cmd: cmd, out: out}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

func (c *child) kill9(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait()
}

// The REST flow and websocket edits on the real command, then SIGKILL and
// a restart: everything acknowledged is still there.
func testSurvivesKill(t *testing.T, args string) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addr := freeAddr(t)
	const key = "kill-test-organizer-key"
	args += " -addr " + addr + " -organizer-key " + key
	c := startChild(t, args)
	base := "http://" + addr
	api := &client.API{Base: base, Key: key}
	if err := api.EnsureMunicipality(ctx, "0180"); err != nil {
		t.Fatal(err)
	}
	var st struct{ ID string }
	if err := api.Do(ctx, "POST", "/api/municipalities/0180/strategies", key, map[string]string{"title": "Energi- och klimatstrategi", "revision": "2026"}, &st); err != nil {
		t.Fatal(err)
	}
	b, err := api.CreateBoard(ctx, "Stockholms processkarta", "0180", "process-map")
	if err != nil {
		t.Fatal(err)
	}
	j, err := api.Join(ctx, b.JoinCode, "Göran", "Miljöförvaltningen", "official")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := client.Dial(ctx, base, b.ID, j.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	for i := range 50 {
		id := uuid.NewString()
		if _, err := ws.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"text": fmt.Sprintf("Hinder %d: ö", i), "x": float64(i), "y": 1.0}}); err != nil {
			t.Fatal(err)
		}
		acked = append(acked, id)
	}
	seq := ws.Seq()
	c.kill9(t)
	ws.Drop()

	startChild(t, args)
	var snap struct {
		Seq     uint64
		Objects []*board.Object
	}
	if err := api.Do(ctx, "GET", "/api/boards/"+b.ID, j.Token, nil, &snap); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, o := range snap.Objects {
		have[o.ID] = true
	}
	for _, id := range acked {
		if !have[id] {
			t.Fatalf("acknowledged note %s lost in the kill", id)
		}
	}
	if snap.Seq != seq {
		t.Fatalf("seq %d after restart, %d acknowledged", snap.Seq, seq)
	}
	var strategies []map[string]any
	if err := api.Do(ctx, "GET", "/api/municipalities/0180/strategies", key, nil, &strategies); err != nil || len(strategies) != 1 {
		t.Fatalf("strategies after restart: %v %v", strategies, err)
	}
	// The client resumes where it was.
	ws2, err := client.Dial(ctx, base, b.ID, j.Token, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Drop()
	if _, err := ws2.Ops(ctx, board.Op{Op: "update", ID: acked[0], Props: map[string]any{"text": "efter omstart"}}); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddedSurvivesKill9(t *testing.T) {
	testSurvivesKill(t, "-data "+t.TempDir())
}

func TestRedisSurvivesKill9(t *testing.T) {
	rs := redistest.Start(t)
	testSurvivesKill(t, "-redis "+rs.URL())
}

// syncBuffer is an io.Writer that a test may read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveUntilKeyLine runs the command on dir until it has printed its
// organizer key line, then stops it and returns what it printed.
func serveUntilKeyLine(t *testing.T, dir string) string {
	t.Helper()
	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", freeAddr(t), "-data", dir}, func(string) string { return "" }, &out)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Organizer key") {
		select {
		case err := <-done:
			t.Fatalf("run ended before serving: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no organizer key line in 20 s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestFirstStartPrintsKeyOnce starts the server twice on one data
// directory: the first start prints the generated key, the second does
// not, and -show-organizer-key prints the kept one.
func TestFirstStartPrintsKeyOnce(t *testing.T) {
	dir := t.TempDir()
	first := serveUntilKeyLine(t, dir)
	if !strings.Contains(first, "Organizer key (generated now") || !strings.Contains(first, "http://127.0.0.1:") {
		t.Fatalf("first start printed:\n%s", first)
	}
	key := strings.TrimSpace(first[strings.LastIndex(first, ": ")+2:])
	if len(key) < 32 {
		t.Fatalf("generated key %q", key)
	}
	second := serveUntilKeyLine(t, dir)
	if strings.Contains(second, key) || strings.Contains(second, "generated now") {
		t.Fatalf("the second start printed the key again:\n%s", second)
	}
	if !strings.Contains(second, "Organizer key: as printed at first start") {
		t.Fatalf("second start printed:\n%s", second)
	}
	var shown bytes.Buffer
	if err := run(context.Background(), []string{"-data", dir, "-show-organizer-key"}, func(string) string { return "" }, &shown); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(shown.String()) != key {
		t.Fatalf("kept key %q, printed %q", shown.String(), key)
	}
	// Environment and flags: flags win.
	c, err := parse([]string{"-addr", ":9"}, func(k string) string {
		return map[string]string{"PROCESSKARTA_ADDR": ":7", "PROCESSKARTA_REDIS_URL": "redis://x"}[k]
	})
	if err != nil || c.addr != ":9" || c.redis != "redis://x" || c.data != "./data" {
		t.Fatalf("config: %+v %v", c, err)
	}
}
