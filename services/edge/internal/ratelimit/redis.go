package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultRedisPrefix starts every bucket key, so the limiter's keys are
// recognisable in a Redis shared with other programs.
const DefaultRedisPrefix = "hookmesh:ratelimit:"

// DefaultRedisTimeout bounds one check. A limiter slower than this would
// cost every webhook its delay, so past it the check fails (and the edge
// lets the request through).
const DefaultRedisTimeout = 100 * time.Millisecond

// tokenBucket is the whole check as one script, so that reading the
// bucket, refilling it and taking a token are atomic across every replica
// using the same Redis. Time is Redis's own (TIME), not the caller's: edge
// replicas with skewed clocks still agree. A bucket is a hash {tokens, ts
// in microseconds} that expires once it would be full again, because a
// missing bucket and a full one are the same thing. Numbers are written
// with string.format: Lua's default conversion keeps 14 significant
// digits, too few for a microsecond timestamp. The script returns
// {allowed 1|0, wait in microseconds}.
const tokenBucket = `
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
elseif now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000000)
  ts = now
end
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%d', ts))
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil((burst - tokens) * 1000 / rate) + 1000))
return {allowed, wait}
`

var tokenBucketScript = redis.NewScript(tokenBucket)

// Redis is a Limiter whose buckets live in Redis, shared by every edge
// replica pointed at the same server and prefix.
type Redis struct {
	client  *redis.Client
	prefix  string
	timeout time.Duration
}

// RedisOptions configures OpenRedis.
type RedisOptions struct {
	// URL is a redis:// or rediss:// URL (REDIS_URL). It may carry a
	// password: never log it unredacted.
	URL string
	// Prefix starts every key; empty means DefaultRedisPrefix.
	Prefix string
	// Timeout bounds one check; 0 means DefaultRedisTimeout.
	Timeout time.Duration
}

// ParseRedisURL checks a Redis URL without connecting, for configuration
// validation.
func ParseRedisURL(u string) error {
	if _, err := redis.ParseURL(u); err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	return nil
}

// OpenRedis returns a Redis limiter. It does not connect: the first check
// does, so an edge starts (and fails open) while Redis is down. Close
// releases the connections.
func OpenRedis(opts RedisOptions) (*Redis, error) {
	o, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// One attempt per check: a retry would spend the webhook's time on a
	// limiter that fails open anyway.
	o.MaxRetries = -1
	// The per-check context deadline must reach the socket.
	o.ContextTimeoutEnabled = true
	// Cluster maintenance push notifications are of no use to a limiter,
	// and the handshake would cost every new connection a round trip.
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if opts.Prefix == "" {
		opts.Prefix = DefaultRedisPrefix
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	return &Redis{client: redis.NewClient(o), prefix: opts.Prefix, timeout: opts.Timeout}, nil
}

// Allow implements Limiter with one atomic script call. On any Redis error
// it returns ok=true with the error: the caller decides whether to fail
// open (the edge does).
func (r *Redis) Allow(ctx context.Context, key string, rule Rule) (bool, time.Duration, error) {
	if !rule.Enabled() {
		return true, 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	res, err := tokenBucketScript.Run(ctx, r.client, []string{r.prefix + key}, rule.Rate, rule.Burst).Int64Slice()
	if err != nil {
		return true, 0, fmt.Errorf("redis rate limit %q: %w", key, err)
	}
	if len(res) != 2 {
		return true, 0, fmt.Errorf("redis rate limit %q: script returned %d values, want 2", key, len(res))
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, time.Duration(res[1]) * time.Microsecond, nil
}

// Ping checks that Redis answers, for a start-up warning.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close releases the connections.
func (r *Redis) Close() error {
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("redis close: %w", err)
	}
	return nil
}
