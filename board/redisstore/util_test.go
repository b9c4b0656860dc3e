package redisstore_test

import (
	"encoding/json"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/processkarta/processkarta/board/redisstore/redistest"
)

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func openAdmin(t testing.TB, srv *redistest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}
