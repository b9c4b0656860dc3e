package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/server"
)

// FuzzAPI sends arbitrary bodies to every JSON endpoint: nothing may answer
// 500 or panic, and every error must be the contract's JSON.
func FuzzAPI(f *testing.F) {
	store := openBolt(f)
	srv := server.New(store, server.Config{OrganizerKey: testKey})
	b := func() string {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, authed("POST", "/api/municipalities", `{"code":"1480"}`, testKey))
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, authed("POST", "/api/boards", `{"title":"t","municipality":"1480","template":"process-map"}`, testKey))
		if rec.Code != 201 {
			f.Fatalf("board: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}()
	boardID := between(b, `"id":"`, `"`)
	joinCode := between(b, `"joinCode":"`, `"`)
	paths := []struct{ method, path string }{
		{"POST", "/api/municipalities"},
		{"POST", "/api/municipalities/1480/strategies"},
		{"POST", "/api/boards"},
		{"POST", "/api/join"},
		{"POST", "/api/boards/import"},
		{"PUT", "/api/boards/" + boardID + "/participants/x"},
		{"POST", "/api/boards/" + boardID + "/exports"},
	}
	for i, s := range []string{`{"code":"0114","name":"Ö","cluster":"c"}`, `{"title":"Energi","revision":"2026"}`,
		`{"title":"B","municipality":"1480","template":"goal-workshop"}`,
		`{"code":"` + joinCode + `","name":"A","administration":"B","position":"official"}`,
		`{"format":"processkarta-board","version":1,"board":{"title":"x","municipality":"1480","template":"blank"},"objects":[]}`,
		`{"role":"observer"}`, `{}`} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := paths[int(which)%len(paths)]
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, authed(p.method, p.path, string(body), testKey))
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", p.method, p.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"error":{"code":"`) {
			t.Fatalf("%s %s: error body %s", p.method, p.path, rec.Body)
		}
	})
}

func authed(method, path, body, key string) *http.Request {
	r := httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
	r.Header.Set("Authorization", "Bearer "+key)
	r.Header.Set("Content-Type", "application/json")
	return r
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	return s[:strings.Index(s, b)]
}
