package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/processkarta/processkarta/board"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeTime   *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
	boards      prometheus.Gauge
	conns       prometheus.Gauge
	msgsIn      *prometheus.CounterVec
	msgsOut     prometheus.Counter
	writes      prometheus.Counter
	presenceIn  prometheus.Counter // msgsIn's presence, looked up once
	dropped     *prometheus.CounterVec
	rejects     *prometheus.CounterVec
	fanout      prometheus.Histogram
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processkarta_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "processkarta_http_request_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		storeTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "processkarta_store_seconds", Help: "Store call latency by operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"op"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processkarta_store_errors_total", Help: "Store calls that failed, by operation and code.",
		}, []string{"op", "code"}),
		boards: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "processkarta_boards_active", Help: "Boards with at least one connection on this node.",
		}),
		conns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "processkarta_ws_connections", Help: "Open websocket connections on this node.",
		}),
		msgsIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processkarta_ws_messages_in_total", Help: "Websocket messages received, by type.",
		}, []string{"type"}),
		msgsOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "processkarta_ws_messages_out_total", Help: "Websocket messages queued for sending.",
		}),
		writes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "processkarta_ws_writes_total", Help: "Writes of websocket messages to the network, each a batch of one or more messages in one system call.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processkarta_ws_closed_total", Help: "Websockets closed by the server, by reason.",
		}, []string{"reason"}),
		rejects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "processkarta_ws_rejects_total", Help: "Client batches, settings and votes rejected, by code.",
		}, []string{"code"}),
		fanout: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "processkarta_fanout_seconds", Help: "Time from a change leaving the store's feed to its message queued for every connection of the board on this node.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25},
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.storeTime, m.storeErrors, m.boards, m.conns, m.msgsIn, m.msgsOut, m.writes, m.dropped, m.rejects, m.fanout,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist at zero let rate() and the alerts see the first one.
	for _, reason := range []string{"lagging", "write_failed", "dead", "too_big", "flood"} {
		m.dropped.WithLabelValues(reason)
	}
	m.presenceIn = m.msgsIn.WithLabelValues("presence")
	return m
}

// watchStore exports whether the store answers (pinged at each scrape, with
// a short timeout so a hung Redis does not hang the scrape) and, for the
// embedded store, the free space of its data directory.
func (m *metrics) watchStore(reg *prometheus.Registry, store board.Store, dataDir string) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "processkarta_store_up", Help: "1 if the store answered a ping at this scrape, else 0.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if store.Ping(ctx) != nil {
			return 0
		}
		return 1
	}))
	if dataDir == "" {
		return
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "processkarta_data_disk_free_bytes", Help: "Bytes free to unprivileged users on the data directory's file system.",
	}, func() float64 { return diskFree(dataDir) }))
}

func (m *metrics) handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and the websocket upgrade reach the
// connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		// The route pattern, not the path, keeps label cardinality bounded.
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.requests.WithLabelValues(r.Method, route, strconv.Itoa(sw.status)).Inc()
		m.latency.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// instrumentedStore times every store call.
type instrumentedStore struct {
	board.Store
	m *metrics
}

func instrument(s board.Store, m *metrics) board.Store { return &instrumentedStore{Store: s, m: m} }

// timed starts timing op; the returned func, deferred with the named
// result, records the latency and the error.
func (s *instrumentedStore) timed(op string) func(*error) {
	start := time.Now()
	return func(err *error) {
		s.m.storeTime.WithLabelValues(op).Observe(time.Since(start).Seconds())
		if *err != nil {
			s.m.storeErrors.WithLabelValues(op, board.ErrorCode(*err)).Inc()
		}
	}
}

func (s *instrumentedStore) Commit(ctx context.Context, id string, prepare func(*board.State) (*board.Change, error)) (c *board.Change, err error) {
	defer s.timed("commit")(&err)
	return s.Store.Commit(ctx, id, prepare)
}

func (s *instrumentedStore) Load(ctx context.Context, id string) (st *board.State, err error) {
	defer s.timed("load")(&err)
	return s.Store.Load(ctx, id)
}

func (s *instrumentedStore) Since(ctx context.Context, id string, seq uint64) (cs []*board.Change, err error) {
	defer s.timed("since")(&err)
	return s.Store.Since(ctx, id, seq)
}

func (s *instrumentedStore) Ping(ctx context.Context) (err error) {
	defer s.timed("ping")(&err)
	return s.Store.Ping(ctx)
}
