// Package redistest runs a real redis-server for tests: on a free port of
// 127.0.0.1 (never 6379), in a temporary directory, with an fsync'd
// append-only file so that a restart keeps every acknowledged write.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a redis-server process owned by one test.
type Server struct {
	tb   testing.TB
	dir  string
	port int
	args []string
	// conf, if set, makes the server a Sentinel with this configuration.
	conf func(port int) string

	mu  sync.Mutex
	cmd *exec.Cmd
	// exited is closed when cmd has been waited for.
	exited chan struct{}
}

// Option configures Start.
type Option func(*Server)

// WithArgs adds redis-server arguments, e.g. "--maxmemory", "10mb".
func WithArgs(args ...string) Option {
	return func(s *Server) { s.args = append(s.args, args...) }
}

// Start starts a redis-server for tb and stops it in tb.Cleanup. It fails
// the test if redis-server is not installed.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatal("redis-server not found: install it with `apt-get install redis-server` (make test does this)")
	}
	s := &Server{tb: tb, dir: tb.TempDir()}
	for _, o := range opts {
		o(s)
	}
	var lastErr error
	for range 5 {
		s.port = freePort(tb)
		if lastErr = s.start(bin); lastErr == nil {
			tb.Cleanup(s.stop)
			return s
		}
	}
	tb.Fatalf("redistest: %v", lastErr)
	return nil
}

func freePort(tb testing.TB) int {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port
		}
	}
}

func (s *Server) start(bin string) error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
		"--daemonize", "no",
		"--protected-mode", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	}
	if s.conf != nil {
		// Sentinel: a config file it may rewrite comes first.
		conf := filepath.Join(s.dir, "sentinel.conf")
		if _, err := os.Stat(conf); err != nil {
			if err := os.WriteFile(conf, []byte(s.conf(s.port)), 0o600); err != nil {
				return err
			}
		}
		args = append([]string{conf, "--sentinel"}, args...)
	}
	cmd := exec.Command(bin, append(args, s.args...)...)
	// Its own process group, so that a signal to the test's group does
	// not reach it and it does not outlive a killed test by accident.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited at start: %s", s.logTail())
		default:
		}
		if ping(s.Addr()) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("redis-server did not answer within 10s: %s", s.logTail())
}

// ping reports whether a server answers PING with PONG (not LOADING).
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Addr returns host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the redis:// URL of database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Dir returns the server's data directory.
func (s *Server) Dir() string { return s.dir }

// Kill stops the server with SIGKILL, as a crash would, and waits until
// it is gone.
func (s *Server) Kill() {
	s.tb.Helper()
	s.kill()
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// Pause stops the server with SIGSTOP, as a stalled host or a long fork
// would: connections stay open and nothing answers until Resume.
func (s *Server) Pause() {
	s.tb.Helper()
	s.signal(syscall.SIGSTOP)
}

// Resume lets a paused server go on with SIGCONT; what was sent to it
// meanwhile is read and answered then.
func (s *Server) Resume() {
	s.tb.Helper()
	s.signal(syscall.SIGCONT)
}

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		s.tb.Fatal("redistest: the server is not running")
	}
	if err := cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("redistest: %v: %v", sig, err)
	}
}

// Restart starts the server again on the same port and directory, after a
// Kill or while it runs (then it is killed first); the append-only file is
// reloaded, and Restart returns once the server answers.
func (s *Server) Restart() {
	s.tb.Helper()
	s.kill()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		s.tb.Fatal("redis-server not found: install it with `apt-get install redis-server` (make test does this)")
	}
	// The port was ours a moment ago; retry briefly in case the kernel
	// has not let go of it yet.
	for range 20 {
		if err = s.start(bin); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.tb.Fatalf("redistest: restart: %v", err)
}

func (s *Server) stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-exited:
		return
	default:
	}
	// A paused server would not act on SIGTERM.
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		s.kill()
	}
}
