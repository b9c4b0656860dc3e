package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

// soakEnv holds how long TestSoak runs (a Go duration, e.g. 30m); the test
// runs only when it is set, which `make soak` does (SOAK=30m by default).
// It is a long test on purpose, so `make test` leaves it out.
const soakEnv = "PROCESSKARTA_SOAK"

// soakSample is one minute's look at the server process.
type soakSample struct {
	at         time.Duration
	rssMiB     float64 // VmRSS
	anonMiB    float64 // RssAnon: the heap and stacks, not the mapped store file
	goroutines float64
	edits      int64
}

// Issue 15: 200 clients on one board of a real server process, 20 of them
// editing twice a second, everyone's cursor once a second, and 10 clients
// leaving and coming back every sample interval, for PROCESSKARTA_SOAK. The
// server's memory (RssAnon from /proc: VmRSS also counts the pages of the
// store's memory-mapped file, which grows with the change log by design)
// and its goroutines (go_goroutines from /metrics) must stay flat after a
// warm-up of a fifth of the run: the mean of the last third of the samples
// may not exceed the first third's by more than 10 %.
func TestSoak(t *testing.T) {
	spec := os.Getenv(soakEnv)
	if spec == "" {
		t.Skip("a long leak test: set " + soakEnv + "=30m (make soak) to run it")
	}
	total, err := time.ParseDuration(spec)
	if err != nil || total < 3*time.Minute {
		t.Fatalf("%s=%q: want a duration of at least 3m, such as 30m", soakEnv, spec)
	}
	every := time.Minute
	if v := os.Getenv("PROCESSKARTA_SOAK_EVERY"); v != "" {
		if every, err = time.ParseDuration(v); err != nil || every <= 0 {
			t.Fatalf("PROCESSKARTA_SOAK_EVERY=%q is not a duration", v)
		}
	}
	const clients, editors, churn = 200, 20, 10

	s := serveChild(t, "-joins-per-address 1000 -joins-per-board 1000 -log-level warn")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := s.board(t, ctx)
	tokens := make([]string, clients)
	for i := range tokens {
		j, err := s.api.Join(ctx, b.JoinCode, fmt.Sprintf("Deltagare %d", i), "Miljöförvaltningen", board.Positions[i%4])
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = j.Token
	}
	var mu sync.Mutex
	conns := make([]*client.Client, clients)
	dial := func(i int) {
		c, err := client.Dial(ctx, s.base, b.ID, tokens[i], &client.Options{SkipPresence: true})
		if err != nil {
			t.Errorf("client %d: %v", i, err)
			return
		}
		mu.Lock()
		conns[i] = c
		mu.Unlock()
	}
	conn := func(i int) *client.Client {
		mu.Lock()
		defer mu.Unlock()
		return conns[i]
	}
	for i := range conns {
		dial(i)
	}
	if t.Failed() {
		return
	}
	defer func() {
		for i := range conns {
			if c := conn(i); c != nil {
				c.Drop()
			}
		}
	}()

	var edits, failed atomic.Int64
	var wg sync.WaitGroup
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := uuid.NewString()
			if _, err := conn(i).Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"x": float64(i * 120), "y": 0.0, "text": "start"}}); err != nil {
				failed.Add(1)
				return
			}
			tick := time.NewTicker(500 * time.Millisecond)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if _, err := conn(i).Ops(ctx, board.Op{Op: "update", ID: id, Props: map[string]any{"text": "redigering " + strconv.Itoa(n)}}); err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
					}
					continue
				}
				edits.Add(1)
			}
		}()
	}
	// Cursors: one client a tick, each once a second.
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / clients)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			i := n % clients
			if c := conn(i); c != nil {
				c.Presence(ctx, &[2]float64{float64(n % 2000), float64(i)}, nil, "")
			}
		}
	}()

	var samples []soakSample
	start := time.Now()
	for round := 1; time.Since(start) < total; round++ {
		select {
		case <-time.After(time.Until(start.Add(time.Duration(round) * every))):
		case <-ctx.Done():
		}
		sm := soakSample{at: time.Since(start), edits: edits.Load()}
		sm.rssMiB, sm.anonMiB = procMemory(t, s.c.cmd.Process.Pid)
		sm.goroutines = scrapeGoroutines(t, s.base)
		samples = append(samples, sm)
		t.Logf("%6s  RSS %6.1f MiB  anon %6.1f MiB  goroutines %5.0f  edits %7d  failed %d",
			sm.at.Round(time.Second), sm.rssMiB, sm.anonMiB, sm.goroutines, sm.edits, failed.Load())
		// Churn, right after the sample: some leave and come back.
		for k := range churn {
			i := editors + (round*churn+k)%(clients-editors)
			conn(i).Drop()
			dial(i)
		}
	}
	cancel()
	wg.Wait()

	if f := failed.Load(); f > 0 {
		t.Errorf("%d edits failed", f)
	}
	if e := edits.Load(); e < int64(float64(editors)*2*total.Seconds()*0.8) {
		t.Errorf("only %d edits in %v: the load did not run at its rate", e, total)
	}
	warm := max(1, len(samples)/5)
	steady := samples[warm:]
	if len(steady) < 3 {
		t.Fatalf("%d samples after the warm-up: run longer", len(steady))
	}
	third := max(1, len(steady)/3)
	mean := func(xs []soakSample, f func(soakSample) float64) float64 {
		sum := 0.0
		for _, x := range xs {
			sum += f(x)
		}
		return sum / float64(len(xs))
	}
	for _, m := range []struct {
		name string
		f    func(soakSample) float64
	}{
		{"memory (RssAnon, MiB)", func(x soakSample) float64 { return x.anonMiB }},
		{"goroutines", func(x soakSample) float64 { return x.goroutines }},
	} {
		first, last := mean(steady[:third], m.f), mean(steady[len(steady)-third:], m.f)
		t.Logf("%s: first third %.1f, last third %.1f (%+.1f %%), slope %+.2f per minute",
			m.name, first, last, 100*(last-first)/first, slope(steady, m.f))
		if last > 1.10*first {
			t.Errorf("%s grew from %.1f to %.1f after the warm-up: a leak", m.name, first, last)
		}
	}
}

// slope is the least-squares slope of f over the samples, per minute.
func slope(xs []soakSample, f func(soakSample) float64) float64 {
	var n, sx, sy, sxx, sxy float64
	for _, x := range xs {
		m := x.at.Minutes()
		y := f(x)
		n++
		sx += m
		sy += y
		sxx += m * m
		sxy += m * y
	}
	if d := n*sxx - sx*sx; d != 0 {
		return (n*sxy - sx*sy) / d
	}
	return 0
}

// procMemory reads VmRSS and RssAnon of a process, in MiB.
func procMemory(t *testing.T, pid int) (rss, anon float64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "RssAnon:":
			anon = kb / 1024
		}
	}
	return rss, anon
}

// scrapeGoroutines reads go_goroutines from the server's /metrics.
func scrapeGoroutines(t *testing.T, base string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			g, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
	}
	t.Fatal("no go_goroutines in /metrics")
	return 0
}
