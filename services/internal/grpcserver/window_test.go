package grpcserver

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
)

// TestCallsSendNoPings: a call between a grpcclient connection and a
// Server carries no HTTP/2 PING either way. gRPC's bandwidth-delay
// estimator, on unless the windows are set, pings whenever data arrives
// with no ping outstanding: on a connection carrying one call at a time,
// every message cost a ping and its ack on both processes.
func TestCallsSendNoPings(t *testing.T) {
	t.Parallel()
	addr := serveLoopback(t)

	var frames frameCounter
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return frames.wrap(c), nil
	}
	conn, err := grpcclient.New(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(dialer))
	if err != nil {
		t.Fatal(err)
	}
	client := healthpb.NewHealthClient(conn)
	const calls = 20
	for range calls {
		if _, err := client.Check(t.Context(), &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	frames.wg.Wait() // the connection's frames are all counted
	sent, received := frames.sentPings.Load(), frames.gotPing.Load()
	if frames.data.Load() < 2*calls {
		t.Fatalf("saw %d DATA frames for %d calls: the frame counter does not work", frames.data.Load(), calls)
	}
	if sent != 0 || received != 0 {
		t.Errorf("%d calls: the client sent %d PINGs and received %d, want none", calls, sent, received)
	}
}

// serveLoopback serves a Server with no services of its own on a free
// loopback port until the test ends, and returns its address.
func serveLoopback(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return lis.Addr().String()
}

// frameCounter parses the HTTP/2 frames a client connection writes and
// reads, and counts PINGs (acks left out) and DATA frames.
type frameCounter struct {
	wg                 sync.WaitGroup
	sentPings, gotPing atomic.Int64
	data               atomic.Int64
}

func (f *frameCounter) wrap(c net.Conn) net.Conn {
	wr, ww := io.Pipe()
	rr, rw := io.Pipe()
	f.wg.Add(2)
	go f.count(wr, &f.sentPings, len(http2.ClientPreface))
	go f.count(rr, &f.gotPing, 0)
	return &teeConn{Conn: c, written: ww, read: rw}
}

func (f *frameCounter) count(r *io.PipeReader, pings *atomic.Int64, skip int) {
	defer f.wg.Done()
	defer r.Close()
	if _, err := io.CopyN(io.Discard, r, int64(skip)); err != nil {
		return
	}
	fr := http2.NewFramer(nil, r)
	for {
		frame, err := fr.ReadFrame()
		if err != nil {
			_, _ = io.Copy(io.Discard, r) // keep the connection unblocked
			return
		}
		switch fr := frame.(type) {
		case *http2.PingFrame:
			if !fr.IsAck() {
				pings.Add(1)
			}
		case *http2.DataFrame:
			f.data.Add(1)
		}
	}
}

// teeConn copies what goes through a connection to two pipes.
type teeConn struct {
	net.Conn
	written, read *io.PipeWriter
	once          sync.Once
}

func (c *teeConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	_, _ = c.written.Write(bytes.Clone(b[:n]))
	return n, err
}

func (c *teeConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		_, _ = c.read.Write(bytes.Clone(b[:n]))
	}
	return n, err
}

func (c *teeConn) Close() error {
	c.once.Do(func() {
		c.written.Close()
		c.read.Close()
	})
	return c.Conn.Close()
}
