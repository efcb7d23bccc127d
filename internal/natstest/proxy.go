package natstest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between clients and a server that can hold back
// everything the server sends while still passing on what clients send:
// a client's publish reaches the server and is stored, its
// acknowledgement does not come back. That is the fault that leaves an
// append's outcome unknown.
type Proxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	holding bool
	resume  chan struct{} // closed when holding ends
}

// RunProxy starts a proxy to the server at addr (host:port) on a loopback
// port. It is closed when the test ends.
func RunProxy(tb testing.TB, addr string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("natstest: proxy listen: %v", err)
	}
	p := &Proxy{ln: ln, target: addr, resume: make(chan struct{})}
	close(p.resume)
	tb.Cleanup(func() {
		ln.Close()
		p.Release()
	})
	go p.accept()
	return p
}

// URL returns the proxy's client URL.
func (p *Proxy) URL() string { return "nats://" + p.ln.Addr().String() }

// Hold stops passing on what the server sends until Release; it is
// delivered then, in order.
func (p *Proxy) Hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.holding {
		p.holding = true
		p.resume = make(chan struct{})
	}
}

// Release passes on what the server sent while held, and everything after.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.holding {
		p.holding = false
		close(p.resume)
	}
}

func (p *Proxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.resume
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		go func() {
			io.Copy(s, c)
			s.Close()
		}()
		go func() {
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 {
					<-p.gate()
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}
