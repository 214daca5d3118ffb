package edge

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
)

const stripeSecret = "whsec_hardening_unit"

// shortTimeouts is an edge with HTTP limits short enough to observe.
func shortTimeouts(t *testing.T, extra map[string]string) Config {
	t.Helper()
	env := map[string]string{
		"HOOKMESH_SECRET_STRIPE":            stripeSecret,
		"HOOKMESH_HTTP_READ_HEADER_TIMEOUT": "300ms",
		"HOOKMESH_HTTP_READ_TIMEOUT":        "1s",
		"HOOKMESH_HTTP_WRITE_TIMEOUT":       "4s",
		"HOOKMESH_HTTP_IDLE_TIMEOUT":        "500ms",
		"HOOKMESH_HTTP_MAX_HEADER_BYTES":    "4096",
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := ConfigFromEnv(lookupMap(env))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// trickle writes data one byte per interval from a goroutine the test
// owns, until it is all written, a write fails (the server hung up) or
// stop is called; stop returns how many bytes were written.
func trickle(t *testing.T, conn net.Conn, data string, interval time.Duration) (stop func() (sent int)) {
	t.Helper()
	done := make(chan struct{})
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range len(data) {
			select {
			case <-done:
				return
			case <-time.After(interval):
			}
			if _, err := conn.Write([]byte{data[i]}); err != nil {
				return
			}
			n.Add(1)
		}
	})
	var once sync.Once
	return func() int {
		once.Do(func() { close(done); wg.Wait() })
		return int(n.Load())
	}
}

// readUntilClosed reads what the server sends until it closes the
// connection, and fails the test if it is still open after limit: the
// server was supposed to cut this client off.
func readUntilClosed(t *testing.T, conn net.Conn, limit time.Duration) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v (got %q)", limit, b)
	}
	return string(b)
}

func signedStripe(t *testing.T, id string) (http.Header, string) {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"type":"charge.succeeded"}`, id)
	h, err := verify.Sign("stripe", stripeSecret, time.Now(), "", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

// TestSlowClients drives a real listener with clients that trickle their
// headers or body, send oversized headers or idle on a kept-alive
// connection, and checks that each is cut off by the configured limit
// while a normal webhook still passes.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	e := startEdge(t, shortTimeouts(t, nil))
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", e.HTTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("normal webhook passes", func(t *testing.T) {
		h, body := signedStripe(t, "evt_normal")
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/webhooks/stripe", strings.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("normal webhook: %s", resp.Status)
		}
	})

	t.Run("headers slower than the read-header timeout", func(t *testing.T) {
		conn := dial(t)
		// 80 bytes at 25 ms: 2 s of headers against a 300 ms limit.
		head := "POST /webhooks/stripe HTTP/1.1\r\nHost: edge\r\nX-Slow: " + strings.Repeat("s", 40) + "\r\n\r\n"
		stop := trickle(t, conn, head, 25*time.Millisecond)
		defer stop()
		got := readUntilClosed(t, conn, 5*time.Second)
		if strings.Contains(got, " 202 ") {
			t.Fatalf("a request with trickled headers was served: %q", got)
		}
		// An order, not a time: the server closed before the client had
		// sent everything.
		if sent := stop(); sent >= len(head) {
			t.Fatalf("cut off only after all %d bytes of headers were sent", sent)
		}
	})

	t.Run("body slower than the read timeout", func(t *testing.T) {
		conn := dial(t)
		h, body := signedStripe(t, "evt_slow_body")
		var head strings.Builder
		fmt.Fprintf(&head, "POST /webhooks/stripe HTTP/1.1\r\nHost: edge\r\nContent-Length: %d\r\n", len(body))
		fmt.Fprintf(&head, "Stripe-Signature: %s\r\n\r\n", h.Get("Stripe-Signature"))
		if _, err := io.WriteString(conn, head.String()); err != nil {
			t.Fatal(err)
		}
		stop := trickle(t, conn, body, 100*time.Millisecond) // ~4 s of body against a 1 s limit
		defer stop()
		got := readUntilClosed(t, conn, 8*time.Second)
		if strings.Contains(got, " 202 ") {
			t.Fatalf("a trickled body was accepted: %q", got)
		}
		if sent := stop(); sent >= len(body) {
			t.Fatalf("cut off only after all %d bytes of the body were sent", sent)
		}
		for _, r := range e.Ledger.Recorded() {
			if r.GetReceipt().GetEventId() == "evt_slow_body" {
				t.Fatal("the trickled webhook was recorded")
			}
		}
	})

	t.Run("oversized headers get 431", func(t *testing.T) {
		h, body := signedStripe(t, "evt_big_headers")
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/webhooks/stripe", strings.NewReader(body))
		req.Header = h
		req.Header.Set("X-Padding", strings.Repeat("p", 16<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("16 KiB of headers against a 4 KiB cap: %s, want 431", resp.Status)
		}
	})

	t.Run("idle keep-alive connection is closed", func(t *testing.T) {
		conn := dial(t)
		if _, err := io.WriteString(conn, "GET /health HTTP/1.1\r\nHost: edge\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health: %s", resp.Status)
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
			t.Fatalf("idle connection after the 500ms idle timeout: %v, want it closed", err)
		}
	})
}

func isReset(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	var se *os.SyscallError
	return errors.As(err, &se)
}

// TestRedisDownFailsOpen: with REDIS_URL pointing at nothing, webhooks are
// still accepted, and the failure is logged without the URL's password.
func TestRedisDownFailsOpen(t *testing.T) {
	t.Parallel()
	cfg := shortTimeouts(t, map[string]string{
		"REDIS_URL":                    "redis://:redis-password-never-logged@127.0.0.1:1/0",
		"HOOKMESH_RATE_LIMIT_PLATFORM": "1/h,burst=1",
	})
	e := startEdge(t, cfg)
	for i := range 3 {
		h, body := signedStripe(t, fmt.Sprintf("evt_failopen_%d", i))
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/webhooks/stripe", strings.NewReader(body))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("webhook %d with Redis down: %s, want 202 (fail open)", i, resp.Status)
		}
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, "fail open") {
		t.Errorf("no fail-open line in the log:\n%s", logs)
	}
	if strings.Contains(logs, "redis-password-never-logged") {
		t.Errorf("the Redis password was logged:\n%s", logs)
	}
}
