package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
	"github.com/processkarta/processkarta/server/client"
)

// metricName finds Processkarta's own series (and the process and Go
// collectors' ones the dashboard uses) in PromQL.
var metricName = regexp.MustCompile(`\b(processkarta_[a-z_]+|process_resident_memory_bytes|go_goroutines)\b`)

// TestDashboardMetricsExist checks that every metric the Grafana dashboard
// and the alert rules in docs/deploy use is exported by a server that has
// served an edit, a reject and a websocket: a renamed metric would
// otherwise leave an operator with an empty panel or an alert that never
// fires.
func TestDashboardMetricsExist(t *testing.T) {
	want := map[string][]string{}
	dash, err := os.ReadFile("../docs/deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Fatalf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, m := range metricName.FindAllString(tg.Expr, -1) {
				want[m] = append(want[m], "dashboard panel "+p.Title)
			}
		}
	}
	alerts, err := os.ReadFile("../docs/deploy/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(alerts), "\n") {
		if strings.Contains(line, "expr:") {
			for _, m := range metricName.FindAllString(line, -1) {
				want[m] = append(want[m], "alert "+strings.TrimSpace(line))
			}
		}
	}
	if len(want) < 8 {
		t.Fatalf("found only %d metrics in the dashboard and alerts: %v", len(want), want)
	}

	// DataDir makes the disk gauge appear, as cmd/processkarta sets it for
	// the embedded store.
	srv := server.New(openBolt(t), server.Config{OrganizerKey: testKey, DataDir: t.TempDir()})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Shutdown(ctxT(t)); hs.Close() })
	n := &node{srv: srv, http: hs, api: &client.API{Base: hs.URL, Key: testKey}}
	b := newBoard(t, n, "blank")
	ctx := ctxT(t)
	c := dial(t, n, b.ID, b.FacilitatorToken)
	seq, err := c.Ops(ctx, note("Hinder", 10, 10))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitSeq(ctx, seq); err != nil {
		t.Fatal(err)
	}
	_, err = c.Ops(ctx, board.Op{Op: "update", ID: id(), Props: map[string]any{"text": "x"}})
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want a reject, got %v", err)
	}
	resp, err := http.Get(n.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	have := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		have[name] = true
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			have[strings.TrimSuffix(name, suf)] = true
		}
	}
	var missing []string
	for m, where := range want {
		if !have[m] {
			missing = append(missing, m+" (used by "+where[0]+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("metrics used by docs/deploy but not exported:\n%s", strings.Join(missing, "\n"))
	}
}
