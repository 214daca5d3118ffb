package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"
)

// redisStart is how to start the Redis these tests need.
const redisStart = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// testRedisURL is the real Redis the tests use (TEST_REDIS_URL overrides).
func testRedisURL() string {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// openRedis returns a limiter on the test Redis under a prefix of its own,
// whose keys are deleted at cleanup. It fails — never skips — when Redis
// is unreachable: a limiter test that silently does not run proves nothing.
func openRedis(t *testing.T, prefix string) *Redis {
	t.Helper()
	r, err := OpenRedis(RedisOptions{URL: testRedisURL(), Prefix: prefix, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Ping(context.Background()); err != nil {
		r.Close()
		t.Fatalf("Redis at %s is unreachable (%v); start it with: %s", testRedisURL(), err, redisStart)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := r.client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			r.client.Del(ctx, keys...)
		}
		r.Close()
	})
	return r
}

func uniquePrefix(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "hookmesh:test:" + hex.EncodeToString(b[:]) + ":"
}

// TestRedisSharedBucket: two limiters (two edge replicas) on one Redis
// draw from one bucket, the refusal says how long to wait, and the bucket
// key expires instead of living forever.
func TestRedisSharedBucket(t *testing.T) {
	t.Parallel()
	prefix := uniquePrefix(t)
	a, b := openRedis(t, prefix), openRedis(t, prefix)
	rule := Rule{Rate: 0.1, Burst: 5} // one token per 10 s: no refill during the test

	if n, _ := takeN(t, a, "platform:stripe", rule, 3); n != 3 {
		t.Fatalf("replica a: allowed %d of 3", n)
	}
	n, wait := takeN(t, b, "platform:stripe", rule, 4)
	if n != 2 {
		t.Fatalf("replica b: allowed %d of 4, want the 2 tokens replica a left", n)
	}
	if wait <= 0 || wait > 10*time.Second {
		t.Fatalf("refusal wait = %v, want within (0, 10s]", wait)
	}
	if ok, _, _ := a.Allow(context.Background(), "platform:stripe", rule); ok {
		t.Fatal("replica a allowed a request from the bucket replica b emptied")
	}
	if n, _ := takeN(t, b, "platform:github", rule, 5); n != 5 {
		t.Fatalf("another key shares stripe's bucket: allowed %d of 5", n)
	}
	ttl, err := a.client.PTTL(context.Background(), prefix+"platform:stripe").Result()
	if err != nil || ttl <= 0 || ttl > 52*time.Second {
		t.Fatalf("bucket TTL = %v (%v), want the time to refill 5 tokens at 0.1/s plus a second", ttl, err)
	}
}

// TestRedisRefill: the bucket refills at the rule's rate by Redis's clock.
func TestRedisRefill(t *testing.T) {
	t.Parallel()
	r := openRedis(t, uniquePrefix(t))
	rule := Rule{Rate: 10, Burst: 1}
	if n, wait := takeN(t, r, "k", rule, 2); n != 1 || wait <= 0 || wait > 100*time.Millisecond {
		t.Fatalf("allowed %d (wait %v), want 1 then a wait of at most 100ms", n, wait)
	}
	time.Sleep(250 * time.Millisecond) // 2.5 tokens' worth, capped at the burst of 1
	if n, _ := takeN(t, r, "k", rule, 2); n != 1 {
		t.Fatalf("after refilling: allowed %d of 2, want 1", n)
	}
}

// TestRedisAtomic: concurrent checks from two replicas never hand out more
// than the burst.
func TestRedisAtomic(t *testing.T) {
	t.Parallel()
	prefix := uniquePrefix(t)
	limiters := []*Redis{openRedis(t, prefix), openRedis(t, prefix)}
	rule := Rule{Rate: 0.01, Burst: 20}
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := range 100 {
		wg.Go(func() {
			ok, _, err := limiters[i%2].Allow(context.Background(), "k", rule)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("Allow: %v", err)
			}
			if ok {
				allowed++
			}
		})
	}
	wg.Wait()
	if allowed != 20 {
		t.Fatalf("allowed %d of 100 concurrent checks, want the burst of 20", allowed)
	}
}

// TestRedisDownReportsError: an unreachable Redis is an error with ok=true,
// quickly, so the caller can fail open without stalling the webhook.
func TestRedisDownReportsError(t *testing.T) {
	t.Parallel()
	r, err := OpenRedis(RedisOptions{URL: "redis://127.0.0.1:1/0", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ok, _, err := r.Allow(context.Background(), "k", Rule{Rate: 1, Burst: 1})
	if err == nil || !ok {
		t.Fatalf("Allow with Redis down = %v, %v; want ok with an error", ok, err)
	}
	if _, err := OpenRedis(RedisOptions{URL: "http://x"}); err == nil {
		t.Fatal("a non-Redis URL was accepted")
	}
}
