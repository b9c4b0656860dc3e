package redistest

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of masters without replicas, owned by one
// test.
type Cluster struct {
	Nodes []*Server
}

// StartCluster starts n (at least 3) cluster-enabled redis-servers on free
// ports, joins them with `redis-cli --cluster create` and returns once
// every node reports cluster_state:ok. They stop in tb.Cleanup.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		tb.Fatal("redis-cli not found: install it with `apt-get install redis-server` (make test does this)")
	}
	c := &Cluster{}
	args := []string{"--cluster", "create"}
	for range n {
		s := Start(tb, WithArgs("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"))
		c.Nodes = append(c.Nodes, s)
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for !strings.Contains(s.cli("cluster", "info"), "cluster_state:ok") {
			if time.Now().After(deadline) {
				tb.Fatalf("redistest: the cluster is not ok after 20s: %s", s.cli("cluster", "info"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// URL returns the cluster in go-redis' cluster URL form,
// redis://h1:p1?addr=h2:p2&addr=h3:p3.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr()
	for i, s := range c.Nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + s.Addr()
	}
	return u
}

// cli runs redis-cli against the server and returns its output ("" on
// error).
func (s *Server) cli(args ...string) string {
	out, err := exec.Command("redis-cli", append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port)}, args...)...).Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// FlushAll empties every node.
func (c *Cluster) FlushAll(tb testing.TB) {
	tb.Helper()
	for _, s := range c.Nodes {
		if out := s.cli("flushall"); !strings.HasPrefix(out, "OK") {
			tb.Fatalf("redistest: flushall on %s: %q", s.Addr(), out)
		}
	}
}

// StartReplica starts a redis-server replicating master and returns once
// the master counts it as an online replica.
func StartReplica(tb testing.TB, master *Server, opts ...Option) *Server {
	tb.Helper()
	host, port, _ := strings.Cut(master.Addr(), ":")
	r := Start(tb, append(opts, WithArgs("--replicaof", host, port))...)
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(master.cli("info", "replication"), "port="+strconv.Itoa(r.port)+",state=online") {
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: the replica did not come online: %s", master.cli("info", "replication"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// StartSentinels starts n Sentinels watching master under the name name,
// deciding a failover after downAfter without an answer, and returns them
// once each knows the master and its replicas.
func StartSentinels(tb testing.TB, n int, name string, master *Server, replicas int, downAfter time.Duration) []*Server {
	tb.Helper()
	host, port, _ := strings.Cut(master.Addr(), ":")
	var out []*Server
	for range n {
		s := Start(tb, func(s *Server) {
			s.conf = func(p int) string {
				return "port " + strconv.Itoa(p) + "\nbind 127.0.0.1\nsentinel monitor " + name + " " + host + " " + port + " " + strconv.Itoa(n/2+1) +
					"\nsentinel down-after-milliseconds " + name + " " + strconv.Itoa(int(downAfter.Milliseconds())) +
					"\nsentinel failover-timeout " + name + " 5000\n"
			}
		})
		out = append(out, s)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, s := range out {
		for !strings.Contains(s.cli("sentinel", "master", name), "num-slaves\n"+strconv.Itoa(replicas)) ||
			!strings.Contains(s.cli("sentinel", "master", name), "num-other-sentinels\n"+strconv.Itoa(n-1)) {
			if time.Now().After(deadline) {
				tb.Fatalf("redistest: sentinel %s does not see the set-up: %s", s.Addr(), s.cli("sentinel", "master", name))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return out
}
