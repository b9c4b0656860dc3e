package redisstore_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
)

// TestUpgradeFromFormat1 turns a keyspace into round 1's layout (no format
// version, no board summaries: all that format 2 added) and opens it: the
// summaries are written once and the version recorded; a keyspace from a
// newer version is refused unchanged.
func TestUpgradeFromFormat1(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	admin := openAdmin(t, srv)
	s, err := redisstore.Open(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if v := admin.HGet(ctx, "pk:{g}:meta", "format_version").Val(); v != "2" {
		t.Fatalf("a new keyspace records format %q", v)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateMunicipality(ctx, &board.Municipality{Code: "0780", Name: "Växjö", CreatedAt: time.Now()}))
	info := board.Info{ID: uuid.NewString(), Title: "Målworkshop", Municipality: "0780", Template: board.TemplateGoalWorkshop, JoinCode: board.NewJoinCode(), CreatedAt: time.Now()}
	st, err := board.NewBoard(info, time.Now().UnixMilli())
	must(err)
	must(s.CreateBoard(ctx, st))
	s.Close()

	summary := "pk:b:{" + info.ID + "}:summary"
	must(admin.Del(ctx, summary).Err())
	must(admin.HDel(ctx, "pk:{g}:meta", "format_version").Err())

	s, err = redisstore.Open(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if v := admin.HGet(ctx, "pk:{g}:meta", "format_version").Val(); v != "2" {
		t.Fatalf("format after upgrade %q", v)
	}
	if admin.Exists(ctx, summary).Val() != 1 {
		t.Fatal("the upgrade wrote no summary")
	}
	sums, err := s.Summaries(ctx, []string{info.ID})
	if err != nil || len(sums) != 1 || len(sums[0].Goals) != 6 {
		t.Fatalf("summary after upgrade: %+v, %v", sums, err)
	}
	if id, err := s.BoardByJoinCode(ctx, info.JoinCode); err != nil || id != info.ID {
		t.Fatalf("join code after upgrade: %q %v", id, err)
	}
	s.Close()

	must(admin.HSet(ctx, "pk:{g}:meta", "format_version", 3).Err())
	keys := sortedKeys(ctx, admin)
	_, err = redisstore.Open(ctx, srv.URL())
	if err == nil || !strings.Contains(err.Error(), "newer Processkarta") {
		t.Fatalf("Open of a newer keyspace: %v", err)
	}
	if now := sortedKeys(ctx, admin); now != keys || admin.HGet(ctx, "pk:{g}:meta", "format_version").Val() != "3" {
		t.Fatal("the refused keyspace was changed")
	}
}

func sortedKeys(ctx context.Context, c *redis.Client) string {
	k := c.Keys(ctx, "*").Val()
	sort.Strings(k)
	return strings.Join(k, ",")
}
