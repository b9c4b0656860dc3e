package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// envName is the environment variable behind a flag.
func envName(flagName string) string {
	if flagName == "redis" {
		return "PROCESSKARTA_REDIS_URL"
	}
	return "PROCESSKARTA_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// secretFlag reports whether a flag's value must never be printed: a text
// named for a credential. A number never is one (-sockets-per-token).
func secretFlag(f *flag.Flag) bool {
	if g, ok := f.Value.(flag.Getter); ok {
		if _, text := g.Get().(string); !text {
			return false
		}
	}
	for _, w := range []string{"key", "secret", "password", "token"} {
		if strings.Contains(f.Name, w) {
			return true
		}
	}
	return false
}

// printConfig writes the configuration in force, one setting a line, with
// where it came from; secrets show only whether they are set, and a
// password inside a URL is masked.
func printConfig(w io.Writer, fs *flag.FlagSet, getenv func(string) string) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	width := 0
	fs.VisitAll(func(f *flag.Flag) { width = max(width, len(envName(f.Name))) })
	fs.VisitAll(func(f *flag.Flag) {
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			return // actions such as -healthcheck, not settings
		}
		if f.Name == "in" || f.Name == "out" {
			return
		}
		from := "default"
		switch {
		case set[f.Name]:
			from = "flag -" + f.Name
		case getenv(envName(f.Name)) != "":
			from = envName(f.Name)
		}
		v := f.Value.String()
		switch {
		case secretFlag(f) && v != "":
			v = "(set, not shown)"
		case secretFlag(f):
			v = "(not set)"
		default:
			v = maskURLPassword(v)
		}
		fmt.Fprintf(w, "%-*s %-40s # %s\n", width, envName(f.Name), v, from)
	})
}

// maskURLPassword hides the password of a URL such as
// redis://:secret@host:6379/0.
func maskURLPassword(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// validate checks every setting before anything starts, so that a mistake
// stops the start with a plain one-line error that names the setting.
func validate(c *config) error {
	bad := func(flagName, format string, args ...any) error {
		return fmt.Errorf("%s (-%s): %s", envName(flagName), flagName, fmt.Sprintf(format, args...))
	}
	if err := checkAddr(c.addr); err != nil {
		return bad("addr", "%v", err)
	}
	if c.debugAddr != "" {
		if err := checkAddr(c.debugAddr); err != nil {
			return bad("debug-addr", "%v", err)
		}
	}
	if c.publicURL != "" {
		if err := checkOrigin(c.publicURL, true); err != nil {
			return bad("public-url", "%v", err)
		}
	}
	for _, o := range strings.Split(c.allowedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			if err := checkOrigin(o, false); err != nil {
				return bad("allowed-origins", "%v", err)
			}
		}
	}
	switch strings.ToLower(c.logLevel) {
	case "debug", "info", "warn", "error":
	default:
		return bad("log-level", "%q is not one of debug, info, warn, error", c.logLevel)
	}
	if c.contactEmail != "" {
		if a, err := mail.ParseAddress(c.contactEmail); err != nil || a.Address != c.contactEmail {
			return bad("contact-email", "%q is not an e-mail address", c.contactEmail)
		}
	}
	if c.redis != "" {
		if err := checkRedisURL(c.redis); err != nil {
			return bad("redis", "%v", err)
		}
		if c.redisTimeout <= 0 {
			return bad("redis-timeout", "must be a positive duration such as 2s")
		}
		return nil
	}
	if err := checkDataDir(c.data); err != nil {
		return bad("data", "%v", err)
	}
	return nil
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

// checkOrigin accepts scheme://host[:port], with a path only for the
// public URL.
func checkOrigin(v string, pathOK bool) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// address", v)
	}
	if !pathOK && u.Path != "" && u.Path != "/" {
		return fmt.Errorf("%q has a path; an origin is scheme://host[:port]", v)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q has parts an address for people must not have (user, query or fragment)", v)
	}
	return nil
}

func checkRedisURL(v string) error {
	// The parser's message repeats the URL, password and all: say what is
	// wrong without it.
	if strings.Contains(v, "addr=") {
		if _, err := redis.ParseClusterURL(v); err != nil {
			return errors.New("not a Redis Cluster URL (redis://[:password@]host1:7000?addr=host2:7001&addr=host3:7002)")
		}
		return nil
	}
	if _, err := redis.ParseURL(v); err != nil {
		return errors.New("not a Redis URL (redis://[:password@]host:6379/0, or rediss:// for TLS)")
	}
	return nil
}

// checkDataDir makes sure the directory exists (creating it) and that the
// server can write there, before the store opens it.
func checkDataDir(dir string) error {
	if dir == "" {
		return errors.New("empty; give a directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %v", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %v", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	if abs, err := filepath.Abs(dir); err == nil && abs == "/" {
		return errors.New("is the root directory; give a directory of its own")
	}
	return nil
}

// unwrapPath drops the path a *PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// durabilityWarning says what an operator loses with Redis' persistence
// settings, or "" when an acknowledged edit is on disk before the ack.
func durabilityWarning(appendonly, appendfsync string) string {
	switch {
	case appendonly != "yes":
		return "Redis runs without its append-only file (appendonly " + appendonly + "): a Redis restart loses every edit since its last snapshot; set appendonly yes and appendfsync always (docs/operations.md)"
	case appendfsync != "always":
		return "Redis syncs its append-only file with appendfsync " + appendfsync + ": a crash of the Redis host can lose up to a second of acknowledged edits; appendfsync always loses none (docs/operations.md)"
	}
	return ""
}
