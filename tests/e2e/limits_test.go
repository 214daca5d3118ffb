package e2e

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// testRedisAddr is the real Redis of the Redis-backed run.
const testRedisAddr = "127.0.0.1:6379"

// redisStart is how to start it when it is down.
const redisStart = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// limitEnv is systemEnv with a Stripe budget small enough to exhaust:
// 5 per second, bursts of 5.
func limitEnv(extra map[string]string) map[string]string {
	env := systemEnv()
	env["HOOKMESH_RATE_LIMIT_PLATFORM_STRIPE"] = "5/s,burst=5"
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// answer is one response of a burst.
type answer struct {
	status     int
	retryAfter string
	err        error
}

// burst sends n signed Stripe webhooks at once and returns the answers.
func burst(t *testing.T, sys *harness.System, n int, tag string) []answer {
	t.Helper()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		body := stripePayment(fmt.Sprintf("evt_limit_%s_%d", tag, i), "pi_limit_"+tag, 100+i)
		req, err := http.NewRequest(http.MethodPost, "http://"+sys.HTTPAddr+"/webhooks/stripe", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = stripeHeader(t, body)
		reqs[i] = req
	}
	out := make([]answer, n)
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i].err = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out[i] = answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
		})
	}
	wg.Wait()
	return out
}

// checkLimited asserts a burst of 30 met the limit — some accepted, some
// 429 with a Retry-After of whole seconds, nothing else — and, after
// waiting that long, that the next webhook is accepted: the edge recovers
// by itself.
func checkLimited(t *testing.T, sys *harness.System, tag string) {
	t.Helper()
	answers := burst(t, sys, 30, tag)
	accepted, limited, wait := 0, 0, 0
	for i, a := range answers {
		switch {
		case a.err != nil:
			t.Fatalf("webhook %d: %v", i, a.err)
		case a.status == http.StatusAccepted:
			accepted++
		case a.status == http.StatusTooManyRequests:
			limited++
			s, err := strconv.Atoi(a.retryAfter)
			if err != nil || s < 1 {
				t.Fatalf("429 with Retry-After %q, want whole seconds >= 1", a.retryAfter)
			}
			wait = max(wait, s)
		default:
			t.Fatalf("webhook %d: status %d, want 202 or 429", i, a.status)
		}
	}
	t.Logf("burst of 30 at 5/s,burst=5: %d accepted, %d rate limited, Retry-After up to %ds", accepted, limited, wait)
	if accepted < 5 || limited == 0 || accepted > 15 {
		t.Fatalf("%d accepted and %d limited: want at least the burst of 5 accepted and the rest mostly 429", accepted, limited)
	}
	time.Sleep(time.Duration(wait) * time.Second)
	body := stripePayment("evt_limit_"+tag+"_after", "pi_limit_"+tag, 99)
	if resp, b := post(t, sys, "stripe", stripeHeader(t, body), body); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("after waiting Retry-After (%ds): %s %s", wait, resp.Status, b)
	}
	// Other platforms have their own budget.
	w := fiveWebhooks(tag + "other")[1]
	if resp, b := post(t, sys, w.platform, w.signed(t, time.Now()), w.body); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("github while stripe is limited: %s %s", resp.Status, b)
	}
}

// TestRateLimitInMemory: one edge, limits in its memory.
func TestRateLimitInMemory(t *testing.T) {
	sys := harness.StartSystem(t, limitEnv(nil))
	checkLimited(t, sys, fmt.Sprint(time.Now().UnixNano()))
}

// TestRateLimitInRedis: the same with REDIS_URL, under a key prefix of
// this run's own; the bucket must be in Redis afterwards. (That two
// limiters on one Redis share a bucket is proven in the ratelimit
// package's tests.)
func TestRateLimitInRedis(t *testing.T) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "hookmesh:e2e:" + hex.EncodeToString(b[:]) + ":"
	if got := redisCommand(t, "PING"); got != "+PONG" {
		t.Fatalf("Redis PING: %q", got)
	}
	t.Cleanup(func() {
		redisCommand(t, "DEL", prefix+"platform:stripe", prefix+"platform:github", prefix+"source:127.0.0.1")
	})
	sys := harness.StartSystem(t, limitEnv(map[string]string{
		"REDIS_URL":                        "redis://" + testRedisAddr + "/0",
		"HOOKMESH_RATE_LIMIT_REDIS_PREFIX": prefix,
	}))
	checkLimited(t, sys, hex.EncodeToString(b[:]))
	if got := redisCommand(t, "EXISTS", prefix+"platform:stripe"); got != ":1" {
		t.Fatalf("EXISTS %splatform:stripe = %q: the limiter did not use Redis", prefix, got)
	}
	if got := redisCommand(t, "PTTL", prefix+"platform:stripe"); !strings.HasPrefix(got, ":") || got == ":-1" {
		t.Fatalf("PTTL of the bucket = %q, want an expiry", got)
	}
}

// redisCommand sends one command to the test Redis in RESP and returns the
// first line of the reply. It fails — never skips — when Redis is down.
func redisCommand(t *testing.T, args ...string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", testRedisAddr, 2*time.Second)
	if err != nil {
		t.Fatalf("Redis at %s is unreachable (%v); start it with: %s", testRedisAddr, err, redisStart)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var cmd strings.Builder
	fmt.Fprintf(&cmd, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&cmd, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(conn, cmd.String()); err != nil {
		t.Fatalf("Redis %s: %v", args[0], err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("Redis %s: %v", args[0], err)
	}
	return strings.TrimRight(line, "\r\n")
}
