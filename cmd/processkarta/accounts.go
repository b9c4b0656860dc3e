package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/processkarta/processkarta/board"
	"github.com/processkarta/processkarta/server"
)

// accountFlags are the settings of organizers' sign-in.
type accountFlags struct {
	issuer, clientID, clientSecret string
	idle, max                      time.Duration
}

func defineAccountFlags(fs *flag.FlagSet, getenv func(string) string) *accountFlags {
	env := func(k string) string { return getenv(k) }
	dur := func(k string, def time.Duration) time.Duration {
		if v := getenv(k); v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				return d
			}
			return -1 // reported by check
		}
		return def
	}
	a := &accountFlags{}
	fs.StringVar(&a.issuer, "oidc-issuer", env("PROCESSKARTA_OIDC_ISSUER"), "OpenID Connect issuer URL; with the client id and secret, GET /auth/login signs organizers in through it")
	fs.StringVar(&a.clientID, "oidc-client-id", env("PROCESSKARTA_OIDC_CLIENT_ID"), "OpenID Connect client id")
	fs.StringVar(&a.clientSecret, "oidc-client-secret", env("PROCESSKARTA_OIDC_CLIENT_SECRET"), "OpenID Connect client secret")
	fs.DurationVar(&a.idle, "session-idle", dur("PROCESSKARTA_SESSION_IDLE", 30*time.Minute), "a signed-in organizer's session ends after this long unused")
	fs.DurationVar(&a.max, "session-max", dur("PROCESSKARTA_SESSION_MAX", 12*time.Hour), "and this long after signing in, used or not")
	return a
}

// check says in one line what is wrong with the settings.
func (a *accountFlags) check() error {
	set := 0
	for _, v := range []string{a.issuer, a.clientID, a.clientSecret} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return errors.New("OpenID Connect needs all three of PROCESSKARTA_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET (or none)")
	}
	if a.idle <= 0 || a.max <= 0 || a.idle > a.max {
		return fmt.Errorf("session times must be durations like 30m and 12h, the idle time at most the maximum (got %v and %v)", a.idle, a.max)
	}
	return nil
}

// oidcSecretMeta is where the store keeps the secret that signs the OpenID
// Connect flow cookie, so that every node of an instance shares it.
const oidcSecretMeta = "oidc_cookie_secret"

func (a *accountFlags) config(ctx context.Context, store board.Store) (server.AccountsConfig, error) {
	cfg := server.AccountsConfig{SessionIdle: a.idle, SessionMax: a.max,
		OIDCIssuer: a.issuer, OIDCClientID: a.clientID, OIDCClientSecret: a.clientSecret}
	if a.issuer == "" {
		return cfg, nil
	}
	secret, err := store.InitMeta(ctx, oidcSecretMeta, board.NewToken())
	if err != nil {
		return cfg, fmt.Errorf("the sign-in cookie secret: %w", err)
	}
	cfg.CookieSecret, err = hex.DecodeString(secret)
	return cfg, err
}
