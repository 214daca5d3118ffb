package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/internal/env"
)

// Default rate limits (see README): generous for real senders — a busy
// Stripe or Shopify account sends tens per second at peak — and low
// enough that one flooding address cannot take the whole platform's
// budget.
var (
	// DefaultPlatformRateLimit is HOOKMESH_RATE_LIMIT_PLATFORM's default.
	DefaultPlatformRateLimit = RateLimit{Rate: 500, Burst: 1000}
	// DefaultSourceRateLimit is HOOKMESH_RATE_LIMIT_SOURCE's default.
	DefaultSourceRateLimit = RateLimit{Rate: 100, Burst: 200}
)

// RateLimit is a token bucket: Rate requests per second sustained, Burst
// at once. The zero value disables the limit.
type RateLimit = ratelimit.Rule

// HTTPServer holds the limits of both HTTP listeners; a zero field means
// its default (DefaultHTTPServer).
type HTTPServer struct {
	// ReadHeaderTimeout bounds reading the request headers
	// (HOOKMESH_HTTP_READ_HEADER_TIMEOUT): a client trickling headers is
	// cut off.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading the whole request, body included
	// (HOOKMESH_HTTP_READ_TIMEOUT).
	ReadTimeout time.Duration
	// WriteTimeout bounds everything after the headers are read: body,
	// processing and response (HOOKMESH_HTTP_WRITE_TIMEOUT). It must
	// exceed the normalize and record deadlines together.
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long
	// (HOOKMESH_HTTP_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// MaxHeaderBytes caps the request headers; larger ones get 431
	// (HOOKMESH_HTTP_MAX_HEADER_BYTES).
	MaxHeaderBytes int
}

// DefaultHTTPServer are the HTTP limits when none are configured.
var DefaultHTTPServer = HTTPServer{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills zero fields from DefaultHTTPServer.
func (h HTTPServer) withDefaults() HTTPServer {
	d := DefaultHTTPServer
	if h.ReadHeaderTimeout <= 0 {
		h.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if h.ReadTimeout <= 0 {
		h.ReadTimeout = d.ReadTimeout
	}
	if h.WriteTimeout <= 0 {
		h.WriteTimeout = d.WriteTimeout
	}
	if h.IdleTimeout <= 0 {
		h.IdleTimeout = d.IdleTimeout
	}
	if h.MaxHeaderBytes <= 0 {
		h.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return h
}

// rateLimit reads a rule in ratelimit.ParseRule's syntax ("500/s,burst=1000",
// "0" to disable), or def.
func rateLimit(r *env.Reader, key string, def RateLimit) RateLimit {
	v, ok := r.Lookup(key)
	if !ok {
		return def
	}
	rule, err := ratelimit.ParseRule(v)
	if err != nil {
		r.Fail("%s: %v", key, err)
		return def
	}
	return rule
}

// newLimiter returns the rate limiter (nil when every rule is disabled)
// and the function that releases it: Redis when REDIS_URL is set, so that
// limits hold across replicas, else in memory. An unreachable Redis is a
// warning, not a start-up failure: checks fail open until it answers.
func newLimiter(ctx context.Context, cfg Config, log *slog.Logger) (ratelimit.Limiter, func(), error) {
	rules := map[string]string{"source": cfg.SourceRateLimit.String()}
	enabled := cfg.SourceRateLimit.Enabled()
	for _, p := range cfg.Platforms {
		rules[p.Name] = p.RateLimit.String()
		enabled = enabled || p.RateLimit.Enabled()
	}
	if !enabled {
		log.Info("rate limits disabled")
		return nil, func() {}, nil
	}
	if cfg.RedisURL == "" {
		log.Info("rate limits in memory (per replica)", slog.Any("rules", rules), slog.Bool("trust_proxy_headers", cfg.TrustProxyHeaders))
		return ratelimit.NewMemory(ratelimit.MemoryOptions{}), func() {}, nil
	}
	r, err := ratelimit.OpenRedis(ratelimit.RedisOptions{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix})
	if err != nil {
		return nil, nil, fmt.Errorf("rate limiter: %w", err)
	}
	where := redactURL(cfg.RedisURL)
	log.Info("rate limits in Redis (shared by replicas)", slog.String("redis", where), slog.String("prefix", cfg.RedisPrefix),
		slog.Any("rules", rules), slog.Bool("trust_proxy_headers", cfg.TrustProxyHeaders))
	if err := r.Ping(ctx); err != nil {
		log.Warn("Redis unreachable: rate limits fail open until it answers", slog.String("redis", where), slog.String("error", err.Error()))
	}
	return r, func() {
		if err := r.Close(); err != nil {
			log.Warn("closing the rate limiter", slog.String("error", err.Error()))
		}
	}, nil
}

// redactURL hides the password a Redis URL may carry.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable]"
	}
	return u.Redacted()
}
