package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
)

// Sizes of the cluster the overview and the revision page are measured
// on: 20 municipalities × 3 revisions × 5 boards of 300 objects.
const (
	benchMunis      = 20
	benchRevisions  = 3
	benchBoards     = 5
	benchObjects    = 300
	benchCluster    = "Bench"
	benchActions    = 24
	benchPeople     = 12
	benchGoalsBoard = 6
)

// seedCluster stores the cluster straight into the store (through
// CreateBoard, which keeps each board's summary) and returns one strategy
// id to open.
func seedCluster(b *testing.B, s board.Store) string {
	b.Helper()
	ctx := context.Background()
	codes := board.SCBMunicipalities()
	var strategy string
	created := time.Now().UTC()
	for m := range benchMunis {
		code := codes[m].Code
		if err := s.CreateMunicipality(ctx, &board.Municipality{Code: code, Name: codes[m].Name, Cluster: benchCluster, CreatedAt: created}); err != nil {
			b.Fatal(err)
		}
		for r := range benchRevisions {
			st := &board.Strategy{ID: uuid.NewString(), Municipality: code, Title: "Energi- och klimatstrategi", Revision: fmt.Sprint(2020 + r), CreatedAt: created}
			if err := s.CreateStrategy(ctx, st); err != nil {
				b.Fatal(err)
			}
			strategy = st.ID
			prev := ""
			for k := range benchBoards {
				info := board.Info{ID: uuid.NewString(), Title: fmt.Sprintf("Workshop %d", k+1), Municipality: code, Strategy: st.ID,
					Template: board.TemplateProcessMap, JoinCode: board.NewJoinCode(), CreatedAt: created.Add(time.Duration(k) * time.Minute), From: prev}
				bs, err := board.NewBoard(info, created.UnixMilli())
				if err != nil {
					b.Fatal(err)
				}
				add := func(kind string, props map[string]any) string {
					id := uuid.NewString()
					bs.Objects[id] = &board.Object{ID: id, Kind: kind, Props: props, CreatedAt: created.UnixMilli(), UpdatedAt: created.UnixMilli()}
					return id
				}
				var goals []string
				for g := range benchGoalsBoard {
					goals = append(goals, add(board.KindGoal, map[string]any{"title": board.GoalAreas[g], "rank": float64(g + 1),
						"target": "Minska utsläppen med 50 % till 2030", "indicator": "ton CO2e per år", "x": float64(g) * 420, "y": 1200.0}))
				}
				for a := range benchActions {
					add(board.KindAction, map[string]any{"title": fmt.Sprintf("Åtgärd %d", a+1), "goal": goals[a%len(goals)],
						"owner": "Tekniska förvaltningen", "responsible": "Enhetschef", "due": "2027-06-30",
						"status": board.Statuses[a%3], "x": float64(a%6) * 420, "y": 1400 + float64(a/6)*150})
				}
				for len(bs.Objects) < benchObjects {
					n := len(bs.Objects)
					add(board.KindNote, map[string]any{"text": fmt.Sprintf("Hinder %d: beslut dröjer för att underlag saknas", n), "x": float64(n%20) * 180, "y": 2200 + float64(n/20)*140})
				}
				for p := range benchPeople {
					id := uuid.NewString()
					bs.Participants[id] = &board.Participant{ID: id, Name: "Deltagare", Administration: board.ProcessMapLanes[p%5],
						Position: board.Positions[p%4], Role: board.RoleParticipant}
				}
				if err := s.CreateBoard(ctx, bs); err != nil {
					b.Fatal(err)
				}
				prev = info.ID
			}
		}
	}
	return strategy
}

func benchGet(b *testing.B, n *node, path string) {
	b.Helper()
	get := func() {
		req, _ := http.NewRequest("GET", n.URL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
	}
	get() // warm: the first request after start reads the files once
	b.ResetTimer()
	worst := time.Duration(0)
	for range b.N {
		t0 := time.Now()
		get()
		worst = max(worst, time.Since(t0))
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

// BenchmarkStrategyPages measures the cluster overview and the revision
// page of a cluster of 20 municipalities × 3 revisions × 5 boards of 300
// objects, on both stores. Both read the boards' stored summaries, never
// the boards themselves; the target is under 100 ms each.
func BenchmarkStrategyPages(b *testing.B) {
	stores := map[string]func(b *testing.B) board.Store{
		"bolt": func(b *testing.B) board.Store { return openBolt(b) },
		"redis": func(b *testing.B) board.Store {
			rs := redistest.Start(b)
			s, err := redisstore.Open(context.Background(), rs.URL())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := stores[name](b)
			strategy := seedCluster(b, s)
			n := startNode(b, s, nil, fastLimits)
			b.Run("cluster", func(b *testing.B) { benchGet(b, n, "/api/clusters/"+benchCluster) })
			b.Run("revision", func(b *testing.B) { benchGet(b, n, "/api/strategies/"+strategy) })
		})
	}
}
