package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/processkarta/processkarta/board/redisstore"
	"github.com/processkarta/processkarta/board/redisstore/redistest"
)

// TestConfigFailsEarly: each bad setting stops the start with one line
// that names the setting, before anything listens or opens a store.
func TestConfigFailsEarly(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-addr", "8080"}, nil, "PROCESSKARTA_ADDR"},
		{[]string{"-addr", ":99999"}, nil, "PROCESSKARTA_ADDR"},
		{nil, map[string]string{"PROCESSKARTA_PUBLIC_URL": "processkarta.example.se"}, "PROCESSKARTA_PUBLIC_URL"},
		{[]string{"-allowed-origins", "https://ok.se,https://bad.se/path"}, nil, "PROCESSKARTA_ALLOWED_ORIGINS"},
		{[]string{"-log-level", "loud"}, nil, "PROCESSKARTA_LOG_LEVEL"},
		{[]string{"-redis", "http://localhost:6379"}, nil, "PROCESSKARTA_REDIS_URL"},
		{[]string{"-redis", "redis://:hemligt-lösen@localhost:6379"}, nil, "PROCESSKARTA_REDIS_URL"},
		{[]string{"-data", file}, nil, "PROCESSKARTA_DATA"},
		{[]string{"-contact-email", "not an address"}, nil, "PROCESSKARTA_CONTACT_EMAIL"},
		{[]string{"-retention-days", "-3"}, nil, "retention"},
		{[]string{"-debug-addr", "localhost"}, nil, "PROCESSKARTA_DEBUG_ADDR"},
		{[]string{"-exports-kept", "0"}, nil, "PROCESSKARTA_EXPORTS_KEPT"},
		{[]string{"-redis", "redis://localhost:6390/0", "-redis-timeout", "0s"}, nil, "PROCESSKARTA_REDIS_TIMEOUT"},
		{[]string{"-redis", "redis://localhost:6390/0"}, map[string]string{"PROCESSKARTA_REDIS_TIMEOUT": "soon"}, "PROCESSKARTA_REDIS_TIMEOUT"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		args := append([]string{"-data", t.TempDir(), "-addr", "127.0.0.1:0"}, tc.args...)
		err := run(context.Background(), args, func(k string) string { return tc.env[k] }, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: got %v, want one line naming %s", tc.args, tc.env, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "hemligt") {
			t.Errorf("%v: the error shows the password: %v", tc.args, err)
		}
		if out.Len() > 0 {
			t.Errorf("%v: printed %q before failing", tc.args, out.String())
		}
	}
}

// TestPrintConfig shows the settings in force and where each came from,
// with the organizer key and a Redis password hidden.
func TestPrintConfig(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"PROCESSKARTA_ORGANIZER_KEY": "hemlig-nyckel-123", "PROCESSKARTA_RETENTION_DAYS": "365"}
	err := run(context.Background(), []string{"-print-config", "-redis", "redis://:hemligt-losen@localhost:6390/0", "-public-url", "https://processkarta.example.se"},
		func(k string) string { return env[k] }, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, secret := range []string{"hemlig-nyckel-123", "hemligt-losen"} {
		if strings.Contains(s, secret) {
			t.Fatalf("-print-config shows a secret:\n%s", s)
		}
	}
	for _, want := range []string{"PROCESSKARTA_ORGANIZER_KEY", "(set, not shown)", "# PROCESSKARTA_ORGANIZER_KEY",
		"PROCESSKARTA_REDIS_URL", "localhost:6390", "# flag -redis", "https://processkarta.example.se", "365", "# PROCESSKARTA_RETENTION_DAYS"} {
		if !strings.Contains(s, want) {
			t.Fatalf("-print-config lacks %q:\n%s", want, s)
		}
	}
	// A number named after a credential is a setting, not a secret.
	if !regexp.MustCompile(`(?m)^PROCESSKARTA_SOCKETS_PER_TOKEN +4 `).MatchString(s) {
		t.Fatalf("-print-config hides or lacks the sockets per token:\n%s", s)
	}
}

// TestRedisDurabilityWarning reads a real Redis' settings: without the
// append-only file the server warns; with appendfsync always it does not.
func TestRedisDurabilityWarning(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		warn string
	}{
		{[]string{"--appendonly", "no"}, "without its append-only file"},
		{[]string{"--appendonly", "yes", "--appendfsync", "everysec"}, "up to a second"},
		{[]string{"--appendonly", "yes", "--appendfsync", "always"}, ""},
	} {
		rs := redistest.Start(t, redistest.WithArgs(tc.args...))
		s, err := redisstore.Open(ctx, rs.URL())
		if err != nil {
			t.Fatal(err)
		}
		ao, fs, err := s.Durability(ctx)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		w := durabilityWarning(ao, fs)
		if (tc.warn == "") != (w == "") || !strings.Contains(w, tc.warn) {
			t.Errorf("redis %v: warning %q, want one containing %q", tc.args, w, tc.warn)
		}
	}
}
