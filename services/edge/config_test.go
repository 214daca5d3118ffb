package edge

import (
	"strings"
	"testing"
	"time"
)

func TestConfigLimits(t *testing.T) {
	t.Parallel()
	cfg, err := ConfigFromEnv(lookupMap(map[string]string{"HOOKMESH_SECRET_STRIPE": "s", "HOOKMESH_SECRET_GITHUB": "g"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SourceRateLimit != DefaultSourceRateLimit || cfg.MaxInFlight != 512 || cfg.HTTP != DefaultHTTPServer ||
		cfg.RedisURL != "" || cfg.TrustProxyHeaders {
		t.Fatalf("defaults: %+v", cfg)
	}
	for _, p := range cfg.Platforms {
		if p.RateLimit != DefaultPlatformRateLimit {
			t.Errorf("%s: default rate limit %v", p.Name, p.RateLimit)
		}
	}

	cfg, err = ConfigFromEnv(lookupMap(map[string]string{
		"HOOKMESH_SECRET_STRIPE": "s", "HOOKMESH_SECRET_GITHUB": "g",
		"HOOKMESH_RATE_LIMIT_PLATFORM":        "50/s,burst=60",
		"HOOKMESH_RATE_LIMIT_PLATFORM_GITHUB": "0",
		"HOOKMESH_RATE_LIMIT_SOURCE":          "600/m",
		"HOOKMESH_TRUST_PROXY_HEADERS":        "true",
		"REDIS_URL":                           "redis://127.0.0.1:6379/2",
		"HOOKMESH_RATE_LIMIT_REDIS_PREFIX":    "edge-a:",
		"HOOKMESH_MAX_INFLIGHT":               "64",
		"HOOKMESH_HTTP_READ_HEADER_TIMEOUT":   "2s",
		"HOOKMESH_HTTP_WRITE_TIMEOUT":         "10s",
		"HOOKMESH_HTTP_MAX_HEADER_BYTES":      "8192",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]RateLimit{}
	for _, p := range cfg.Platforms {
		rules[p.Name] = p.RateLimit
	}
	if rules["stripe"] != (RateLimit{Rate: 50, Burst: 60}) || rules["github"].Enabled() {
		t.Errorf("platform rules %v", rules)
	}
	if cfg.SourceRateLimit != (RateLimit{Rate: 10, Burst: 10}) || !cfg.TrustProxyHeaders || cfg.RedisURL == "" ||
		cfg.RedisPrefix != "edge-a:" || cfg.MaxInFlight != 64 {
		t.Errorf("config %+v", cfg)
	}
	if cfg.HTTP.ReadHeaderTimeout != 2*time.Second || cfg.HTTP.WriteTimeout != 10*time.Second ||
		cfg.HTTP.MaxHeaderBytes != 8192 || cfg.HTTP.ReadTimeout != DefaultHTTPServer.ReadTimeout {
		t.Errorf("HTTP %+v", cfg.HTTP)
	}

	for _, c := range []struct {
		key, value, want string
	}{
		{"HOOKMESH_RATE_LIMIT_PLATFORM", "fast", "HOOKMESH_RATE_LIMIT_PLATFORM"},
		{"HOOKMESH_RATE_LIMIT_PLATFORM_STRIPE", "5/s,burst=0", "HOOKMESH_RATE_LIMIT_PLATFORM_STRIPE"},
		{"HOOKMESH_RATE_LIMIT_SOURCE", "10/day", "HOOKMESH_RATE_LIMIT_SOURCE"},
		{"HOOKMESH_MAX_INFLIGHT", "0", "HOOKMESH_MAX_INFLIGHT"},
		{"HOOKMESH_HTTP_READ_TIMEOUT", "0s", "HOOKMESH_HTTP_"},
		{"HOOKMESH_HTTP_WRITE_TIMEOUT", "3s", "HOOKMESH_HTTP_WRITE_TIMEOUT"}, // not above 1s + 2s
		{"REDIS_URL", "http://:hunter2-secret@example.com", "REDIS_URL"},
	} {
		_, err := ConfigFromEnv(lookupMap(map[string]string{"HOOKMESH_SECRET_STRIPE": "s", c.key: c.value}))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%s: err = %v, want one naming %s", c.key, c.value, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error echoes a password: %v", c.key, err)
		}
	}
}
