// Package natstest starts real nats-server instances in process for tests
// and examples: a single node with JetStream, and a JetStream cluster on
// loopback. Servers bind 127.0.0.1 on random ports, keep their storage in
// the test's temporary directory and are shut down by t.Cleanup.
package natstest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyTimeout bounds how long a server may take to accept clients.
const readyTimeout = 10 * time.Second

// RunServer starts a single nats-server with JetStream enabled, storing in
// tb.TempDir(), and shuts it down when the test ends.
func RunServer(tb testing.TB) *server.Server {
	tb.Helper()
	opts := baseOptions("single", tb.TempDir())
	s := start(tb, opts)
	tb.Cleanup(func() { shutdown(s) })
	return s
}

// RunServerWith starts a single nats-server with JetStream like
// RunServer, after configure has changed its options (users and
// permissions, max payload, ...).
func RunServerWith(tb testing.TB, configure func(*server.Options)) *server.Server {
	tb.Helper()
	opts := baseOptions("custom", tb.TempDir())
	configure(opts)
	s := start(tb, opts)
	tb.Cleanup(func() { shutdown(s) })
	return s
}

// Node is a single JetStream server that can be shut down and restarted
// with its storage and port, for tests of what clients see meanwhile.
type Node struct {
	tb   testing.TB
	mu   sync.Mutex
	srv  *server.Server // nil while down
	opts *server.Options
}

// RunNode starts a single JetStream server, storing in tb.TempDir(), that
// the test can shut down and restart. It is shut down when the test ends.
func RunNode(tb testing.TB) *Node {
	tb.Helper()
	n := &Node{tb: tb, opts: baseOptions("node", tb.TempDir())}
	n.srv = start(tb, n.opts)
	n.opts.Port = n.srv.Addr().(*net.TCPAddr).Port
	tb.Cleanup(n.Shutdown)
	return n
}

// Server returns the running server, or nil while it is down.
func (n *Node) Server() *server.Server {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.srv
}

// ClientURL returns the node's client URL; it stays the same across
// restarts.
func (n *Node) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.opts.Port) }

// Shutdown stops the server and waits until it is down. Its storage is kept.
func (n *Node) Shutdown() {
	n.mu.Lock()
	s := n.srv
	n.srv = nil
	n.mu.Unlock()
	if s != nil {
		shutdown(s)
	}
}

// Restart starts the server again after Shutdown, with its storage and port.
func (n *Node) Restart() {
	n.tb.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		n.tb.Fatal("natstest: node is running")
	}
	o := *n.opts
	n.srv = start(n.tb, &o)
}

// StartServer starts a single nats-server with JetStream storing in dir,
// for examples and programs that have no testing.TB. The caller shuts it
// down with Shutdown and WaitForShutdown.
func StartServer(dir string) (*server.Server, error) {
	s, err := server.NewServer(baseOptions("example", dir))
	if err != nil {
		return nil, fmt.Errorf("natstest: new server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		shutdown(s)
		return nil, fmt.Errorf("natstest: server not ready within %v", readyTimeout)
	}
	return s, nil
}

// RunServerNoJetStream starts a nats-server without JetStream, for tests of
// what a client sees when JetStream is missing.
func RunServerNoJetStream(tb testing.TB) *server.Server {
	tb.Helper()
	opts := baseOptions("nojs", "")
	opts.JetStream = false
	s := start(tb, opts)
	tb.Cleanup(func() { shutdown(s) })
	return s
}

// Connect opens a client connection to url with the given options, and a
// JetStream handle on it. The connection is closed when the test ends.
func Connect(tb testing.TB, url string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		tb.Fatalf("natstest: connect %s: %v", url, err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("natstest: jetstream: %v", err)
	}
	return nc, js
}

// Cluster is a JetStream cluster of in-process servers on loopback.
// Nodes can be shut down and restarted with their state.
type Cluster struct {
	tb    testing.TB
	mu    sync.Mutex
	nodes []*server.Server // nil while a node is down
	opts  []*server.Options
}

// RunCluster starts an n-node JetStream cluster (n >= 1) and waits until
// it has elected a metadata leader. Every node is shut down when the test
// ends.
func RunCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if n < 1 {
		tb.Fatalf("natstest: cluster of %d nodes", n)
	}
	c := &Cluster{tb: tb, nodes: make([]*server.Server, n), opts: make([]*server.Options, n)}
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = tb.TempDir() // before the shutdown cleanup, so removed after it
	}
	tb.Cleanup(c.shutdownAll)
	clusterName := fmt.Sprintf("lltest-%d", time.Now().UnixNano())
	// JetStream in a cluster needs its routes at start, so the route ports
	// are reserved first.
	var routes []*url.URL
	for range n {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", freePort(tb))})
	}
	for i := range n {
		o := baseOptions(fmt.Sprintf("n%d", i+1), dirs[i])
		o.Cluster.Name = clusterName
		o.Cluster.Host = "127.0.0.1"
		o.Cluster.Port = atoi(routes[i].Port())
		o.Cluster.PoolSize = -1
		for j, r := range routes {
			if j != i {
				o.Routes = append(o.Routes, r)
			}
		}
		c.opts[i] = o
	}
	for i, o := range c.opts {
		s := start(tb, o)
		// Pin the client port the node got, so a restart keeps its URL.
		o.Port = s.Addr().(*net.TCPAddr).Port
		c.mu.Lock()
		c.nodes[i] = s
		c.mu.Unlock()
	}
	c.WaitForMetaLeader()
	return c
}

// Size returns the number of nodes, up or down.
func (c *Cluster) Size() int { return len(c.opts) }

// Node returns node i, or nil while it is shut down.
func (c *Cluster) Node(i int) *server.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// ClientURLs returns the client URLs of every node, comma-separated, for
// nats.Connect.
func (c *Cluster) ClientURLs() string {
	urls := make([]string, len(c.opts))
	for i, o := range c.opts {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return strings.Join(urls, ",")
}

// ClientURL returns node i's client URL; it stays the same across restarts.
func (c *Cluster) ClientURL(i int) string {
	return fmt.Sprintf("nats://127.0.0.1:%d", c.opts[i].Port)
}

// Shutdown stops node i and waits until it is down. Its storage is kept.
func (c *Cluster) Shutdown(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s != nil {
		shutdown(s)
	}
}

// Restart starts node i again, with its storage and ports, after Shutdown.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nodes[i] != nil {
		c.tb.Fatalf("natstest: node %d is running", i)
	}
	o := *c.opts[i]
	c.nodes[i] = start(c.tb, &o)
}

// StreamLeader returns the index of the node leading stream in the global
// account, or -1 when no running node leads it.
func (c *Cluster) StreamLeader(stream string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.nodes {
		if s != nil && s.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, stream) {
			return i
		}
	}
	return -1
}

// WaitForMetaLeader waits (bounded) until a running node is the JetStream
// metadata leader and knows every running node as a peer, so streams with as many
// replicas as nodes can be placed.
func (c *Cluster) WaitForMetaLeader() {
	c.tb.Helper()
	c.waitFor("a JetStream metadata leader", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		running := 0
		for _, s := range c.nodes {
			if s != nil {
				running++
			}
		}
		for _, s := range c.nodes {
			if s != nil && s.JetStreamIsLeader() {
				return len(s.JetStreamClusterPeers()) >= running
			}
		}
		return false
	})
}

// WaitForStreamLeader waits (bounded) until a running node leads stream,
// and returns its index.
func (c *Cluster) WaitForStreamLeader(stream string) int {
	c.tb.Helper()
	leader := -1
	c.waitFor("a leader for stream "+stream, func() bool {
		leader = c.StreamLeader(stream)
		return leader >= 0
	})
	return leader
}

// WaitForCurrent waits (bounded) until every running node reports its
// JetStream state current with the cluster.
func (c *Cluster) WaitForCurrent() {
	c.tb.Helper()
	c.waitFor("every node current", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, s := range c.nodes {
			if s != nil && !s.JetStreamIsCurrent() {
				return false
			}
		}
		return true
	})
}

func (c *Cluster) waitFor(what string, ok func() bool) {
	c.tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			c.tb.Fatalf("natstest: timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Cluster) shutdownAll() {
	c.mu.Lock()
	nodes := c.nodes
	c.nodes = make([]*server.Server, len(nodes))
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range nodes {
		if s != nil {
			wg.Go(func() { shutdown(s) })
		}
	}
	wg.Wait()
}

func baseOptions(name, storeDir string) *server.Options {
	return &server.Options{
		ServerName: name,
		Host:       "127.0.0.1",
		Port:       -1,
		NoLog:      os.Getenv("NATSTEST_LOG") == "",
		NoSigs:     true,
		JetStream:  storeDir != "",
		StoreDir:   storeDir,
		// Small limits keep several servers cheap on a small machine.
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  1 << 30,
	}
}

func start(tb testing.TB, opts *server.Options) *server.Server {
	tb.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		tb.Fatalf("natstest: new server %s: %v", opts.ServerName, err)
	}
	if !opts.NoLog {
		s.ConfigureLogger()
	}
	go s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		shutdown(s)
		tb.Fatalf("natstest: server %s not ready within %v", opts.ServerName, readyTimeout)
	}
	return s
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("natstest: reserve a port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func shutdown(s *server.Server) {
	s.Shutdown()
	s.WaitForShutdown()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
