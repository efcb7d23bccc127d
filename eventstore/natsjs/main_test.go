package natsjs_test

import (
	"os"
	"sync"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestMain runs the package's tests and benchmarks, and shuts down the
// server the benchmarks share.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.srv != nil {
		bench.srv.Shutdown()
		bench.srv.WaitForShutdown()
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// bench is the one server every benchmark runs on, so their figures
// compare.
var bench struct {
	once sync.Once
	srv  *server.Server
	dir  string
	js   jetstream.JetStream
}

// benchJS returns a JetStream handle on the benchmarks' server.
func benchJS(b *testing.B) jetstream.JetStream {
	bench.once.Do(func() {
		bench.srv, bench.dir = startBenchServer()
		nc, err := nats.Connect(bench.srv.ClientURL())
		if err != nil {
			panic(err)
		}
		if bench.js, err = jetstream.New(nc); err != nil {
			panic(err)
		}
	})
	return bench.js
}

func startBenchServer() (*server.Server, string) {
	dir, err := os.MkdirTemp("", "natsjs-bench-")
	if err != nil {
		panic(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		panic(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10e9) {
		panic("natsjs benchmark server not ready")
	}
	return s, dir
}
