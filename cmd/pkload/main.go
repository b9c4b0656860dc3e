// Command pkload puts load on Processkarta servers over real websockets:
// N clients on B boards across one or more nodes, E of them editing at R
// batches a second, all moving cursors at P Hz. It reports the edit fan-out
// latency (from send to receipt at every other client on the board),
// messages per second, and the servers' CPU and memory from their /metrics.
//
//	pkload -url http://127.0.0.1:8080 -key KEY -clients 100 -editors 20 -rate 5 -cursor 10 -duration 30s
//	pkload -url http://127.0.0.1:8080 -key KEY -clients 5000 -boards 500 -idle
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server/client"
)

type options struct {
	urls                     []string
	key                      string
	clients, boards, editors int
	rate, cursorHz           float64
	duration, warmup         time.Duration
	idle, jsonOut            bool
}

func main() {
	var o options
	var urls string
	flag.StringVar(&urls, "url", "http://127.0.0.1:8080", "comma-separated base URLs of the nodes; clients spread over them")
	flag.StringVar(&o.key, "key", os.Getenv("PROCESSKARTA_ORGANIZER_KEY"), "organizer key")
	flag.IntVar(&o.clients, "clients", 100, "connections in all")
	flag.IntVar(&o.boards, "boards", 1, "boards the clients spread over")
	flag.IntVar(&o.editors, "editors", 20, "clients that edit")
	flag.Float64Var(&o.rate, "rate", 5, "batches a second per editor")
	flag.Float64Var(&o.cursorHz, "cursor", 10, "cursor updates a second per client (0: none)")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "how long to measure")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "load before measuring")
	flag.BoolVar(&o.idle, "idle", false, "only connect and hold the connections; report memory per connection")
	flag.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	flag.Parse()
	o.urls = strings.Split(urls, ",")
	if o.key == "" {
		fmt.Fprintln(os.Stderr, "pkload: -key (or PROCESSKARTA_ORGANIZER_KEY) is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pkload:", err)
		os.Exit(1)
	}
	if o.jsonOut {
		json.NewEncoder(os.Stdout).Encode(rep)
	} else {
		rep.print()
	}
}

// Report is what a run measured.
type Report struct {
	Clients, Boards, Editors int
	Rate, CursorHz           float64
	Seconds                  float64
	Batches                  int64   // acknowledged edit batches
	Rejected                 int64   // rejected or failed batches
	Deliveries               int     // edit receipts measured
	P50ms, P99ms, MaxMs      float64 // fan-out latency
	MsgsPerSec               float64 // messages received by all clients
	ServerCPU                float64 // cores used by all nodes, on average
	ServerRSSMiB             float64 // resident memory of all nodes at the end
	RSSPerConnKiB            float64 // idle mode: memory growth per connection
	Goroutines               float64
	ConnectSeconds           float64 // from the first dial to the last welcome
	ConnectCPU               float64 // idle mode: server CPU seconds the connects took (and 2 s of quiet)
}

func (r *Report) print() {
	if r.RSSPerConnKiB > 0 {
		fmt.Printf("%d idle connections on %d boards: server RSS %.1f MiB, goroutines %.0f, %.1f KiB per connection\n",
			r.Clients, r.Boards, r.ServerRSSMiB, r.Goroutines, r.RSSPerConnKiB)
		fmt.Printf("connecting them took %.2f s and %.2f s of server CPU\n", r.ConnectSeconds, r.ConnectCPU)
		return
	}
	fmt.Printf("clients %d on %d boards, %d editors at %.1f/s, cursors %.0f Hz, %.0f s measured\n",
		r.Clients, r.Boards, r.Editors, r.Rate, r.CursorHz, r.Seconds)
	if r.Editors > 0 {
		fmt.Printf("batches acked %d, rejected %d; fan-out deliveries %d\n", r.Batches, r.Rejected, r.Deliveries)
		fmt.Printf("fan-out latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.P50ms, r.P99ms, r.MaxMs)
	}
	fmt.Printf("messages received %.0f/s; server CPU %.2f cores, RSS %.1f MiB, goroutines %.0f\n", r.MsgsPerSec, r.ServerCPU, r.ServerRSSMiB, r.Goroutines)
}

type participant struct {
	node    string
	boardID string
	token   string
}

func run(ctx context.Context, o options) (*Report, error) {
	api := &client.API{Base: o.urls[0], Key: o.key, HTTP: &http.Client{Timeout: 30 * time.Second}}
	if err := api.EnsureMunicipality(ctx, "1480"); err != nil {
		return nil, fmt.Errorf("municipality: %w", err)
	}
	before, err := scrapeAll(o.urls)
	if err != nil {
		return nil, err
	}
	var boards []*client.BoardCreated
	for i := range o.boards {
		b, err := api.CreateBoard(ctx, fmt.Sprintf("Last %d", i), "1480", "process-map")
		if err != nil {
			return nil, fmt.Errorf("board: %w", err)
		}
		boards = append(boards, b)
	}
	// Join everyone first, then connect: a join storm among connected
	// clients costs the square of the crowd (everyone is told of everyone),
	// which is setup, not the steady state this tool measures.
	people := make([]participant, o.clients)
	conns := make([]*client.Client, o.clients)
	rec := &recorder{}
	var received atomic.Int64
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	for i := range o.clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			b := boards[i%len(boards)]
			node := o.urls[i%len(o.urls)]
			a := &client.API{Base: node, HTTP: api.HTTP}
			j, err := a.Join(ctx, b.JoinCode, fmt.Sprintf("Last %d", i), "Lastförvaltningen", board.Positions[i%4])
			if err == nil {
				people[i] = participant{node, b.ID, j.Token}
			}
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", i, err)
				}
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	preConnect, err := scrapeAll(o.urls)
	if err != nil {
		return nil, err
	}
	connectStart := time.Now()
	for i, p := range people {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			conns[i], err = client.Dial(ctx, p.node, p.boardID, p.token, &client.Options{SkipPresence: true, OnMessage: func(m *client.Message) {
				received.Add(1)
				if m.Type == "ops" {
					rec.observe(m)
				}
			}})
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", i, err)
				}
				errMu.Unlock()
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Drop()
			}
		}
	}()
	if firstErr != nil {
		return nil, firstErr
	}
	rep := &Report{Clients: o.clients, Boards: o.boards, Editors: o.editors, Rate: o.rate, CursorHz: o.cursorHz,
		ConnectSeconds: time.Since(connectStart).Seconds()}
	if o.idle {
		time.Sleep(2 * time.Second)
		after, err := scrapeAll(o.urls)
		if err != nil {
			return nil, err
		}
		rep.ConnectCPU = after.cpu - preConnect.cpu
		rep.ServerRSSMiB = after.rss / (1 << 20)
		rep.RSSPerConnKiB = (after.rss - before.rss) / float64(o.clients) / 1024
		rep.Goroutines = after.goroutines
		return rep, nil
	}

	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var batches, rejected atomic.Int64
	for i, c := range conns {
		if o.cursorHz > 0 {
			go cursors(lctx, c, o.cursorHz)
		}
		if i < o.editors {
			go edit(lctx, c, i, o.rate, &batches, &rejected)
		}
	}
	time.Sleep(o.warmup)
	rec.reset()
	received.Store(0)
	batches.Store(0)
	rejected.Store(0)
	start, err := scrapeAll(o.urls)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	select {
	case <-time.After(o.duration):
	case <-ctx.Done():
	}
	secs := time.Since(t0).Seconds()
	end, err := scrapeAll(o.urls)
	if err != nil {
		return nil, err
	}
	cancel()
	rep.Seconds = secs
	rep.Batches, rep.Rejected = batches.Load(), rejected.Load()
	rep.Deliveries, rep.P50ms, rep.P99ms, rep.MaxMs = rec.summary()
	rep.MsgsPerSec = float64(received.Load()) / secs
	rep.ServerCPU = (end.cpu - start.cpu) / secs
	rep.ServerRSSMiB = end.rss / (1 << 20)
	rep.Goroutines = end.goroutines
	return rep, nil
}

// edit updates one note of the editor's own with the send time in its
// text; every receiver reads the time back out.
func edit(ctx context.Context, c *client.Client, i int, rate float64, ok, bad *atomic.Int64) {
	id := uuid.NewString()
	if _, err := c.Ops(ctx, board.Op{Op: "create", ID: id, Kind: "note", Props: map[string]any{"x": float64(i * 10), "y": 50.0, "text": "start"}}); err != nil {
		bad.Add(1)
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		text := "t" + strconv.FormatInt(time.Now().UnixNano(), 10)
		_, err := c.Ops(ctx, board.Op{Op: "update", ID: id, Props: map[string]any{"text": text, "x": float64(rng.IntN(2000))}})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			bad.Add(1)
			continue
		}
		ok.Add(1)
	}
}

func cursors(ctx context.Context, c *client.Client, hz float64) {
	t := time.NewTicker(time.Duration(float64(time.Second) / hz))
	defer t.Stop()
	x := 0.0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		x += 3
		if c.Presence(ctx, &[2]float64{x, 100}, nil, "") != nil && ctx.Err() != nil {
			return
		}
	}
}

type recorder struct {
	mu  sync.Mutex
	lat []float64
}

func (r *recorder) observe(m *client.Message) {
	now := time.Now().UnixNano()
	for _, op := range m.Ops {
		if s, ok := op.Props["text"].(string); ok && strings.HasPrefix(s, "t") {
			if sent, err := strconv.ParseInt(s[1:], 10, 64); err == nil {
				r.mu.Lock()
				r.lat = append(r.lat, float64(now-sent)/1e6)
				r.mu.Unlock()
			}
		}
	}
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.lat = r.lat[:0]
	r.mu.Unlock()
}

func (r *recorder) summary() (n int, p50, p99, max float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.lat) == 0 {
		return 0, 0, 0, 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	q := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return len(s), q(0.50), q(0.99), s[len(s)-1]
}

type scrape struct{ cpu, rss, goroutines float64 }

// scrapeAll sums the nodes' process metrics.
func scrapeAll(urls []string) (scrape, error) {
	var total scrape
	for _, u := range urls {
		s, err := scrapeOne(u)
		if err != nil {
			return total, err
		}
		total.cpu += s.cpu
		total.rss += s.rss
		total.goroutines += s.goroutines
	}
	return total, nil
}

func scrapeOne(base string) (scrape, error) {
	var s scrape
	resp, err := http.Get(strings.TrimRight(base, "/") + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "process_cpu_seconds_total":
			s.cpu = v
		case "process_resident_memory_bytes":
			s.rss = v
		case "go_goroutines":
			s.goroutines = v
		}
	}
	return s, sc.Err()
}
