// Package edge is the HTTP edge of hookmesh: the public webhook listener,
// the admin REST API and the gRPC EdgeService. Run composes them so that a
// deployment binary (cmd/edge) and a one-process runner start the same
// thing.
package edge

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/console"
	"github.com/hookmesh/hookmesh/services/edge/internal/httpapi"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/metrics"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/edge/internal/server"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/internal/sources"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
)

// DefaultAdminAddr is the admin listener of the public contract.
const DefaultAdminAddr = "127.0.0.1:8081"

// DefaultGRPCAddr is EdgeService's port in the public contract, on loopback:
// like every service, the edge needs internal authentication (Auth) to
// listen beyond it.
const DefaultGRPCAddr = "127.0.0.1:9090"

// DefaultMaxBodyBytes is the body cap when none is configured: 1 MiB holds
// every realistic webhook of the supported platforms; larger senders (GitHub
// allows 25 MB) are raised per platform.
const DefaultMaxBodyBytes = 1 << 20

// Platform is the configuration of one webhook source.
type Platform struct {
	// Name is the preset ("stripe", "github", "shopify", "slack", "standard").
	Name string
	// Secrets are the active secrets; any one verifying is enough, so a
	// secret is rotated by adding the new one before removing the old.
	// ConfigFromEnv sets the union of EnvSecrets and the file's.
	Secrets []string
	// EnvSecrets are the secrets of HOOKMESH_SECRET_<P>: a reload of
	// SecretsFile keeps them beside the file's.
	EnvSecrets []string
	// SecretsFile is the file of HOOKMESH_SECRET_<P>_FILE: comma- or
	// newline-separated secrets, re-read while the edge runs (a changed
	// file is polled for, and SIGHUP re-reads them all).
	SecretsFile string
	// SecretSources say where Secrets came from: SecretSourceEnv,
	// SecretSourceFile, SecretSourceDev; logged at start.
	SecretSources []string
	// secretsFileContent is SecretsFile's content Secrets were read from.
	secretsFileContent string
	// Tolerance is the replay window for platforms that sign a timestamp;
	// 0 means the platform SDK's default.
	Tolerance time.Duration
	// MaxBodyBytes caps the request body.
	MaxBodyBytes int64
	// Source is set for a platform defined in HOOKMESH_SOURCES_FILE: it is
	// verified by verify.Generic and keyed by its eventkey.Dedup.
	Source *sources.Source
	// RateLimit is the platform's bucket, shared by all its senders
	// (HOOKMESH_RATE_LIMIT_PLATFORM_<P>, default
	// HOOKMESH_RATE_LIMIT_PLATFORM).
	RateLimit RateLimit
}

// Config is the edge's configuration.
type Config struct {
	// HTTPAddr is the public webhook listener (HOOKMESH_HTTP_ADDR).
	HTTPAddr string
	// AdminAddr is the admin listener (HOOKMESH_ADMIN_ADDR): the REST API
	// under /v1/, /metrics, /health, /ready and /debug/pprof/. Loopback by
	// default; any other address requires AdminToken. Empty (with no
	// AdminListener) means no admin listener.
	AdminAddr string
	// AdminToken, when set, is the bearer token the admin listener
	// requires on everything but /health and /ready
	// (HOOKMESH_ADMIN_TOKEN). The REST API forwards the caller's
	// Authorization header to the ledger, which checks the same token.
	AdminToken string
	// Registry receives the edge's metrics, served at /metrics on the
	// admin listener; nil means a new registry of its own.
	Registry *prometheus.Registry
	// GRPCAddr is the EdgeService listener (HOOKMESH_EDGE_GRPC_ADDR).
	GRPCAddr string
	// HTTPListener, AdminListener and GRPCListener, when set, are used
	// instead of the addresses (tests pick free ports this way).
	HTTPListener, AdminListener, GRPCListener net.Listener
	// NormalizerTarget and LedgerTarget are the gRPC targets dialed
	// (HOOKMESH_NORMALIZER_TARGET, HOOKMESH_LEDGER_TARGET).
	NormalizerTarget, LedgerTarget string
	// NormalizerConn and LedgerConn, when set, are used instead of dialing
	// the targets: in-process channels (package inproc) to services of the
	// same process (hookmesh run). The edge's role token goes with every
	// call all the same (meshauth CallOptions).
	NormalizerConn, LedgerConn grpc.ClientConnInterface
	// NormalizeTimeout and RecordTimeout are the deadlines of the two
	// downstream calls of every webhook.
	NormalizeTimeout, RecordTimeout time.Duration
	// Platforms are the enabled sources: those with at least one secret.
	Platforms []Platform
	// DevSecrets is true when development secrets filled in for platforms
	// without configured ones (HOOKMESH_DEV_SECRETS).
	DevSecrets bool
	// PublicURL is the scheme and host senders reach the edge at
	// (HOOKMESH_PUBLIC_URL, e.g. https://hooks.example.com): the prefix of
	// the URL that HubSpot, Square and Twilio sign. Empty means
	// http://<Host header>, right only without a proxy in front.
	PublicURL string
	// SourceRateLimit is the bucket of each sender address, across
	// platforms (HOOKMESH_RATE_LIMIT_SOURCE).
	SourceRateLimit RateLimit
	// TrustProxyHeaders keys the source limit by the first address of
	// X-Forwarded-For instead of the TCP peer
	// (HOOKMESH_TRUST_PROXY_HEADERS). Only behind a proxy that sets the
	// header itself: otherwise a client picks its own key.
	TrustProxyHeaders bool
	// RedisURL, when set, keeps the rate-limit buckets in Redis so that
	// they hold across edge replicas (REDIS_URL); empty means in memory.
	RedisURL string
	// RedisPrefix starts every bucket key in Redis
	// (HOOKMESH_RATE_LIMIT_REDIS_PREFIX).
	RedisPrefix string
	// MaxInFlight bounds the webhooks waiting on the normalizer and the
	// ledger; more are answered 503 at once (HOOKMESH_MAX_INFLIGHT; 0
	// means ingest.DefaultMaxInFlight).
	MaxInFlight int
	// HTTP holds the HTTP server timeouts and header cap.
	HTTP HTTPServer
	// SecretsPollInterval is how often the secret files are checked for a
	// change (HOOKMESH_SECRETS_POLL_INTERVAL; 0 means
	// DefaultSecretsPollInterval).
	SecretsPollInterval time.Duration
	// TLS configures TLS or mTLS for gRPC (HOOKMESH_TLS_*; see package
	// tlsconfig): the EdgeService server and the dials to the normalizer
	// and the ledger. The zero value means plaintext.
	TLS tlsconfig.Config
	// Auth is the edge's internal authentication (see package meshauth):
	// its role token, sent to the normalizer and the ledger, or its
	// client certificate's role. With neither, GRPCAddr must be loopback.
	Auth meshauth.Config
}

// DevSecrets are the clearly-marked development secrets `make run` uses
// when no HOOKMESH_SECRET_* is set. They are public: never enable them in
// production.
var DevSecrets = map[string]string{
	"stripe":    "whsec_hookmesh_development_stripe",
	"notion":    "hookmesh-development-notion",
	"zoom":      "hookmesh-development-zoom",
	"docusign":  "hookmesh-development-docusign",
	"sanity":    "hookmesh-development-sanity",
	"mux":       "hookmesh-development-mux",
	"typeform":  "hookmesh-development-typeform",
	"calendly":  "hookmesh-development-calendly",
	"github":    "hookmesh-development-github",
	"shopify":   "hookmesh-development-shopify",
	"slack":     "hookmesh-development-slack",
	"standard":  "whsec_aG9va21lc2gtZGV2ZWxvcG1lbnQtc3RhbmRhcmQtd2ViaG9va3Mta2V5",
	"svix":      "whsec_aG9va21lc2gtZGV2ZWxvcG1lbnQtc3ZpeA==",
	"clerk":     "whsec_aG9va21lc2gtZGV2ZWxvcG1lbnQtY2xlcms=",
	"resend":    "whsec_aG9va21lc2gtZGV2ZWxvcG1lbnQtcmVzZW5k",
	"gitlab":    "hookmesh-development-gitlab",
	"bitbucket": "hookmesh-development-bitbucket",
	"paddle":    "pdl_ntfset_hookmesh_development_paddle",
	"linear":    "hookmesh-development-linear",
	"intercom":  "hookmesh-development-intercom",
	"zendesk":   "hookmesh-development-zendesk",
	"hubspot":   "hookmesh-development-hubspot",
	"square":    "hookmesh-development-square",
	"twilio":    "hookmesh-development-twilio",
	"twitch":    "hookmesh-development-twitch",
	"mailgun":   "hookmesh-development-mailgun",
	"okta":      "hookmesh-development-okta",
	"segment":   "hookmesh-development-segment",
	"jira":      "hookmesh-development-jira",
	"workos":    "hookmesh-development-workos",
	"vercel":    "hookmesh-development-vercel",
	"pagerduty": "hookmesh-development-pagerduty",
	"sentry":    "hookmesh-development-sentry",
	"adyen":     "686f6f6b6d6573682d646576656c6f706d656e742d616479656e2d686d61632d6b", // hex, as Adyen's keys
	"discord":   devKey("discord", false),                                             // Ed25519 public key
	"sendgrid":  devKey("sendgrid", false),                                            // ECDSA P-256 public key

	// Platform packages (services/internal/platforms) added by h18pay.
	"razorpay":     "hookmesh-development-razorpay",
	"paystack":     "sk_test_hookmesh_development_paystack",
	"lemonsqueezy": "hookmesh-development-lemonsqueezy",
	"woocommerce":  "hookmesh-development-woocommerce",
	"coinbase":     "hookmesh-development-coinbase",
	"mollie":       "hookmesh-development-mollie",
	"paypal":       devKey("paypal", false), // "<webhook id>:<base64 DER public key>"
}

// DevSigningSecrets are what a development sender signs with: the same
// string as DevSecrets for HMAC presets, the private key for the
// asymmetric ones (discord, sendgrid), whose DevSecrets entry is the
// public key. `hookmesh send` and tests use it; it is as public as
// DevSecrets.
var DevSigningSecrets = func() map[string]string {
	m := make(map[string]string, len(DevSecrets))
	for p, s := range DevSecrets {
		m[p] = s
		if verify.Asymmetric(p) {
			m[p] = devKey(p, true)
		}
	}
	return m
}()

// devKey returns verify.DevKeyPair's public (or private) key of platform.
func devKey(platform string, private bool) string {
	pub, priv, err := verify.DevKeyPair(platform)
	if err != nil {
		panic(fmt.Sprintf("edge: development key of %s: %v", platform, err)) // a programming error: caught by every test
	}
	if private {
		return priv
	}
	return pub
}

// ConfigFromEnv reads the configuration. Per platform P (upper case):
// HOOKMESH_SECRET_P (comma-separated active secrets), HOOKMESH_SECRET_P_FILE
// (a file of comma- or newline-separated secrets, added to those of
// HOOKMESH_SECRET_P and re-read while running), HOOKMESH_TOLERANCE_P
// (replay window, e.g. 300s), HOOKMESH_MAX_BODY_BYTES_P (default
// HOOKMESH_MAX_BODY_BYTES, itself default 1 MiB), HOOKMESH_RATE_LIMIT_PLATFORM_P
// (default HOOKMESH_RATE_LIMIT_PLATFORM). The README lists the rest.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	cfg := Config{
		HTTPAddr:            r.String("HOOKMESH_HTTP_ADDR", ":8080"),
		AdminAddr:           r.String("HOOKMESH_ADMIN_ADDR", DefaultAdminAddr),
		AdminToken:          r.String(admin.TokenVar, ""),
		GRPCAddr:            r.String("HOOKMESH_EDGE_GRPC_ADDR", DefaultGRPCAddr),
		NormalizerTarget:    r.String("HOOKMESH_NORMALIZER_TARGET", "127.0.0.1:9091"),
		LedgerTarget:        r.String("HOOKMESH_LEDGER_TARGET", "127.0.0.1:9092"),
		NormalizeTimeout:    r.Duration("HOOKMESH_NORMALIZE_TIMEOUT", time.Second),
		RecordTimeout:       r.Duration("HOOKMESH_RECORD_TIMEOUT", 2*time.Second),
		DevSecrets:          r.Bool("HOOKMESH_DEV_SECRETS", false),
		PublicURL:           r.String("HOOKMESH_PUBLIC_URL", ""),
		SourceRateLimit:     rateLimit(r, "HOOKMESH_RATE_LIMIT_SOURCE", DefaultSourceRateLimit),
		TrustProxyHeaders:   r.Bool("HOOKMESH_TRUST_PROXY_HEADERS", false),
		RedisURL:            r.String("REDIS_URL", ""),
		RedisPrefix:         r.String("HOOKMESH_RATE_LIMIT_REDIS_PREFIX", ratelimit.DefaultRedisPrefix),
		MaxInFlight:         int(r.Int64("HOOKMESH_MAX_INFLIGHT", ingest.DefaultMaxInFlight)),
		SecretsPollInterval: r.Duration("HOOKMESH_SECRETS_POLL_INTERVAL", DefaultSecretsPollInterval),
		HTTP: HTTPServer{
			ReadHeaderTimeout: r.Duration("HOOKMESH_HTTP_READ_HEADER_TIMEOUT", DefaultHTTPServer.ReadHeaderTimeout),
			ReadTimeout:       r.Duration("HOOKMESH_HTTP_READ_TIMEOUT", DefaultHTTPServer.ReadTimeout),
			WriteTimeout:      r.Duration("HOOKMESH_HTTP_WRITE_TIMEOUT", DefaultHTTPServer.WriteTimeout),
			IdleTimeout:       r.Duration("HOOKMESH_HTTP_IDLE_TIMEOUT", DefaultHTTPServer.IdleTimeout),
			MaxHeaderBytes:    int(r.Int64("HOOKMESH_HTTP_MAX_HEADER_BYTES", int64(DefaultHTTPServer.MaxHeaderBytes))),
		},
	}
	if cfg.RedisURL != "" {
		if err := ratelimit.ParseRedisURL(cfg.RedisURL); err != nil {
			r.Fail("REDIS_URL: want redis://[:password@]host:port/db or rediss://...") // the URL may hold a password: not echoed
		}
	}
	if cfg.MaxInFlight <= 0 {
		r.Fail("HOOKMESH_MAX_INFLIGHT: must be positive")
	}
	if h := cfg.HTTP; h.ReadHeaderTimeout <= 0 || h.ReadTimeout <= 0 || h.WriteTimeout <= 0 || h.IdleTimeout <= 0 || h.MaxHeaderBytes <= 0 {
		r.Fail("HOOKMESH_HTTP_*: timeouts and HOOKMESH_HTTP_MAX_HEADER_BYTES must be positive")
	}
	platformLimit := rateLimit(r, "HOOKMESH_RATE_LIMIT_PLATFORM", DefaultPlatformRateLimit)
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			r.Fail("HOOKMESH_PUBLIC_URL %q: want a scheme and host only, e.g. https://hooks.example.com", cfg.PublicURL)
		}
	}
	maxBody := r.Int64("HOOKMESH_MAX_BODY_BYTES", DefaultMaxBodyBytes)
	for _, name := range verify.Platforms() {
		up := strings.ToUpper(name)
		p := Platform{
			Name:         name,
			Tolerance:    r.Duration("HOOKMESH_TOLERANCE_"+up, 0),
			MaxBodyBytes: r.Int64("HOOKMESH_MAX_BODY_BYTES_"+up, maxBody),
			RateLimit:    rateLimit(r, "HOOKMESH_RATE_LIMIT_PLATFORM_"+up, platformLimit),
		}
		readSecrets(r, up, &p)
		if len(p.Secrets) == 0 && p.SecretsFile == "" && cfg.DevSecrets {
			p.Secrets = []string{DevSecrets[name]}
			p.SecretSources = []string{SecretSourceDev}
		}
		if len(p.Secrets) == 0 {
			continue
		}
		if p.MaxBodyBytes == 0 {
			r.Fail("HOOKMESH_MAX_BODY_BYTES_%s: must be positive", up)
		}
		cfg.Platforms = append(cfg.Platforms, p)
	}
	// Platforms defined in configuration: enabled when they have secrets;
	// development secrets never apply (nobody else knows them).
	srcs, err := sources.Load(r.String("HOOKMESH_SOURCES_FILE", ""))
	if err != nil {
		r.Fail("HOOKMESH_SOURCES_FILE: %v", err)
	}
	for i := range srcs {
		src := srcs[i]
		if slices.Contains(verify.Platforms(), src.Name) {
			r.Fail("HOOKMESH_SOURCES_FILE: source %q has the name of a preset; pick another name", src.Name)
			continue
		}
		up := strings.ToUpper(strings.ReplaceAll(src.Name, "-", "_"))
		def := maxBody
		if src.MaxBodyBytes > 0 {
			def = src.MaxBodyBytes
		}
		p := Platform{
			Name:         src.Name,
			MaxBodyBytes: r.Int64("HOOKMESH_MAX_BODY_BYTES_"+up, def),
			Source:       &src,
			RateLimit:    rateLimit(r, "HOOKMESH_RATE_LIMIT_PLATFORM_"+up, platformLimit),
		}
		readSecrets(r, up, &p)
		if tol := r.Duration("HOOKMESH_TOLERANCE_"+up, 0); tol > 0 {
			p.Source.Signature.Tolerance.Duration = tol
		}
		if len(p.Secrets) == 0 {
			continue
		}
		if p.MaxBodyBytes <= 0 {
			r.Fail("HOOKMESH_MAX_BODY_BYTES_%s: must be positive", up)
		}
		cfg.Platforms = append(cfg.Platforms, p)
	}
	if len(cfg.Platforms) == 0 {
		r.Fail("no platform is enabled: set HOOKMESH_SECRET_<PLATFORM> (one of %s) or HOOKMESH_DEV_SECRETS=true for local development",
			strings.Join(verify.Platforms(), ", "))
	}
	if cfg.RecordTimeout <= 0 || cfg.NormalizeTimeout <= 0 {
		r.Fail("HOOKMESH_RECORD_TIMEOUT and HOOKMESH_NORMALIZE_TIMEOUT must be positive")
	}
	// The write timeout runs from the end of the headers to the end of the
	// response: shorter than the two downstream deadlines, it would cut off
	// the 202 of a webhook already committed, and the sender would retry.
	if cfg.HTTP.WriteTimeout > 0 && cfg.HTTP.WriteTimeout <= cfg.NormalizeTimeout+cfg.RecordTimeout {
		r.Fail("HOOKMESH_HTTP_WRITE_TIMEOUT (%v) must exceed HOOKMESH_NORMALIZE_TIMEOUT + HOOKMESH_RECORD_TIMEOUT (%v)",
			cfg.HTTP.WriteTimeout, cfg.NormalizeTimeout+cfg.RecordTimeout)
	}
	cfg.TLS = tlsconfig.FromEnv(r, tlsconfig.Service)
	cfg.Auth = meshauth.FromEnv(r)
	cfg.Auth.MTLS = cfg.TLS.MutualTLS()
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("edge config: %w", err)
	}
	return cfg, nil
}

// Run serves the edge until ctx is done.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	h := host.New(log, cfg.HTTPListener, cfg.GRPCListener, cfg.AdminListener)
	defer h.Close()
	platforms := make([]ingest.Platform, 0, len(cfg.Platforms))
	names := make([]string, 0, len(cfg.Platforms))
	for _, p := range cfg.Platforms {
		var dedup *eventkey.Dedup
		if p.Source != nil {
			// Compiled once here, not per request.
			d, err := eventkey.CompileDedup(p.Source.Dedup)
			if err != nil {
				return fmt.Errorf("platform %s: %w", p.Name, err)
			}
			dedup = &d
		}
		v, err := newVerifier(p, p.Secrets)
		if err != nil {
			return fmt.Errorf("platform %s: %w", p.Name, err)
		}
		platforms = append(platforms, ingest.Platform{Name: p.Name, Verifier: v, MaxBodyBytes: p.MaxBodyBytes, Dedup: dedup, RateLimit: p.RateLimit, SignsURL: signsURL(p)})
		names = append(names, p.Name)
	}
	limiter, closeLimiter, err := newLimiter(ctx, cfg, log)
	if err != nil {
		return err
	}
	h.OnClose(closeLimiter)
	if cfg.DevSecrets {
		log.Warn("DEVELOPMENT SECRETS in use for platforms without HOOKMESH_SECRET_<PLATFORM>: never use them in production")
	}

	creds, err := cfg.TLS.DialOption()
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	// The edge's role token goes with every call to the normalizer and
	// the ledger (Record, and the REST API's admin calls).
	authOpts, callOpts := cfg.Auth.DialOptions(meshauth.RoleEdge), cfg.Auth.CallOptions(meshauth.RoleEdge)
	normConn, err := h.Dial("normalizer", cfg.NormalizerConn, callOpts, cfg.NormalizerTarget, creds, authOpts...)
	if err != nil {
		return err
	}
	ledgerConn, err := h.Dial("ledger", cfg.LedgerConn, callOpts, cfg.LedgerTarget, creds, authOpts...)
	if err != nil {
		return err
	}
	ledger := ledgerv1.NewLedgerServiceClient(ledgerConn)

	reg := cfg.Registry
	if reg == nil {
		reg = admin.NewRegistry()
	}
	m := metrics.New(reg, names)
	svc := ingest.New(ingest.Options{
		Platforms:         platforms,
		Normalizer:        normalizerv1.NewNormalizerServiceClient(normConn),
		Ledger:            ledger,
		NormalizeTimeout:  cfg.NormalizeTimeout,
		RecordTimeout:     cfg.RecordTimeout,
		Log:               log,
		PublicURL:         cfg.PublicURL,
		Limiter:           limiter,
		SourceRateLimit:   cfg.SourceRateLimit,
		TrustProxyHeaders: cfg.TrustProxyHeaders,
		MaxInFlight:       cfg.MaxInFlight,
		Metrics:           m,
	})
	registerServiceMetrics(reg, svc)
	// Secret files are re-read when they change and on SIGHUP; the
	// handler is installed for the whole of Run, so a SIGHUP never kills
	// a running edge.
	reloader := newSecretReloader(cfg.Platforms, svc, log)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	h.OnClose(func() { signal.Stop(hup) })
	ready := admin.GRPCReady(normConn, ledgerConn)
	public, err := httpapi.NewPublic(svc, httpapi.ReadyFunc(ready), log)
	if err != nil {
		return err
	}
	rest, err := httpapi.NewAdmin(ctx, ledger, log)
	if err != nil {
		return err
	}
	adminHandler := admin.NewHandler(admin.Options{Token: cfg.AdminToken, Registry: reg, Ready: ready, API: rest, Log: log})
	// The web console calls that handler, token guard included, for
	// everything it shows or changes.
	adminHandler = console.Mount(adminHandler, console.Options{API: adminHandler, SignIn: cfg.AdminToken != "", Log: log,
		TrustProxyHeaders: cfg.TrustProxyHeaders})
	adminLis, err := h.AdminListen(cfg.AdminListener, cfg.AdminAddr, cfg.AdminToken, "HOOKMESH_ADMIN_ADDR")
	if err != nil {
		return err
	}
	httpLis, err := h.Listen(cfg.HTTPListener, cfg.HTTPAddr)
	if err != nil {
		return err
	}
	gs, grpcLis, err := h.GRPC(host.GRPC{Listener: cfg.GRPCListener, Addr: cfg.GRPCAddr, AddrVar: "HOOKMESH_EDGE_GRPC_ADDR",
		TLS: cfg.TLS, Auth: cfg.Auth, Chain: meshauth.NewServer(cfg.Auth, cfg.AdminToken != "", log).Chain()})
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	edgev1.RegisterEdgeServiceServer(gs.GRPC, server.New(svc))
	h.ServeHTTP(httpLis, newHTTPServer(public, cfg.HTTP))
	h.Go(func(ctx context.Context) error { reloader.run(ctx, cfg.SecretsPollInterval, hup); return nil })
	h.ServeAdmin(adminLis, adminHandler)
	logConfig(log, cfg)
	log.Info("edge listening",
		slog.String("http", httpLis.Addr().String()),
		slog.String("admin", host.AddrOf(adminLis)),
		slog.Bool("admin_token", cfg.AdminToken != ""),
		slog.String("grpc", grpcLis.Addr().String()),
		slog.String("internal_auth", cfg.Auth.Mode()),
		slog.String("normalizer", grpcclient.Target(normConn)),
		slog.String("ledger", grpcclient.Target(ledgerConn)),
		slog.Any("platforms", names))
	return h.Run(ctx)
}

// registerServiceMetrics exposes the ingest service's own counters: read
// at scrape time, so the hot path pays nothing for them.
func registerServiceMetrics(reg prometheus.Registerer, svc *ingest.Service) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "hookmesh_edge_webhooks_in_flight",
			Help: "Verified webhooks waiting on the normalizer and the ledger now (bounded by HOOKMESH_MAX_INFLIGHT).",
		}, func() float64 { return float64(svc.InFlight()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hookmesh_edge_rate_limiter_errors_total",
			Help: "Rate-limit checks the limiter could not answer (Redis down); those requests were allowed.",
		}, func() float64 { return float64(svc.Stats().LimiterErrors) }),
	)
}

// newHTTPServer sets every timeout: a client that trickles headers or a
// body cannot hold a connection open forever.
func newHTTPServer(h http.Handler, limits HTTPServer) *http.Server {
	limits = limits.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		WriteTimeout:      limits.WriteTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    limits.MaxHeaderBytes,
	}
}
