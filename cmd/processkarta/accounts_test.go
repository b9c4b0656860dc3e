package main

import (
	"strings"
	"testing"
	"time"
)

func TestAccountSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := parse(nil, env(nil))
	if err != nil || c.accounts.idle != 30*time.Minute || c.accounts.max != 12*time.Hour || c.accounts.issuer != "" {
		t.Fatalf("defaults: %+v %v", c.accounts, err)
	}
	c, err = parse([]string{"-session-idle", "1h"}, env(map[string]string{"PROCESSKARTA_OIDC_ISSUER": "https://login.example.se",
		"PROCESSKARTA_OIDC_CLIENT_ID": "pk", "PROCESSKARTA_OIDC_CLIENT_SECRET": "s"}))
	if err != nil || c.accounts.idle != time.Hour || c.accounts.clientID != "pk" {
		t.Fatalf("set: %+v %v", c.accounts, err)
	}
	for _, bad := range []map[string]string{
		{"PROCESSKARTA_OIDC_ISSUER": "https://login.example.se"},
		{"PROCESSKARTA_SESSION_IDLE": "en timme"},
		{"PROCESSKARTA_SESSION_IDLE": "13h"},
	} {
		if _, err := parse(nil, env(bad)); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want a one-line error", bad, err)
		}
	}
}
