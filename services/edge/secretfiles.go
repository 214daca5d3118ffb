package edge

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// DefaultSecretsPollInterval is how often the edge looks for a changed
// secret file (HOOKMESH_SECRETS_POLL_INTERVAL).
const DefaultSecretsPollInterval = 2 * time.Second

// Where a platform's secrets came from (Platform.SecretSources).
const (
	SecretSourceEnv  = "env"
	SecretSourceFile = "file"
	SecretSourceDev  = "dev"
)

// splitSecrets splits a comma- or newline-separated secret list, trimmed,
// blanks dropped.
func splitSecrets(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		for _, p := range strings.Split(line, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// readSecretsFile reads the secrets of the file at path. The error names
// the path, never the content.
func readSecretsFile(path string) (secrets []string, content string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	s := splitSecrets(string(b))
	if len(s) == 0 {
		return nil, "", fmt.Errorf("%s: no secret in the file", path)
	}
	return s, string(b), nil
}

// union returns a followed by the secrets of b not in a.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// readSecrets fills p's secrets from HOOKMESH_SECRET_<up> and the file
// HOOKMESH_SECRET_<up>_FILE names; both may be set, and then both lists
// are active.
func readSecrets(r *env.Reader, up string, p *Platform) {
	p.EnvSecrets = r.List("HOOKMESH_SECRET_" + up)
	p.Secrets = p.EnvSecrets
	if len(p.EnvSecrets) > 0 {
		p.SecretSources = append(p.SecretSources, SecretSourceEnv)
	}
	p.SecretsFile = r.String("HOOKMESH_SECRET_"+up+"_FILE", "")
	if p.SecretsFile == "" {
		return
	}
	fromFile, content, err := readSecretsFile(p.SecretsFile)
	if err != nil {
		r.Fail("HOOKMESH_SECRET_%s_FILE: %v", up, err)
		return
	}
	p.secretsFileContent = content
	p.Secrets = union(p.EnvSecrets, fromFile)
	p.SecretSources = append(p.SecretSources, SecretSourceFile)
}

// newVerifier returns the verifier of p with secrets.
func newVerifier(p Platform, secrets []string) (verify.Verifier, error) {
	if p.Source != nil {
		return verify.Generic(*p.Source, secrets)
	}
	return verify.New(p.Name, secrets, p.Tolerance)
}

// signsURL reports whether p's signature covers the request URL: a preset
// that signs it (verify.SignsURL), or a configured source whose content
// template uses {url}.
func signsURL(p Platform) bool {
	if p.Source == nil {
		return verify.SignsURL(p.Name)
	}
	for _, seg := range sources.ParseContent(p.Source.Signature.Content) {
		if seg.Placeholder == sources.PlaceholderURL {
			return true
		}
	}
	return false
}

// secretReloader re-reads the secret files of the platforms that have one
// and swaps their new verifiers into the ingest service.
type secretReloader struct {
	platforms []Platform // those with a SecretsFile
	svc       *ingest.Service
	log       *slog.Logger
	last      map[string]string // platform -> file content last seen
}

func newSecretReloader(platforms []Platform, svc *ingest.Service, log *slog.Logger) *secretReloader {
	rl := &secretReloader{svc: svc, log: log, last: map[string]string{}}
	for _, p := range platforms {
		if p.SecretsFile == "" {
			continue
		}
		rl.platforms = append(rl.platforms, p)
		if p.secretsFileContent != "" {
			rl.last[p.Name] = p.secretsFileContent // what the running verifier was built from
		}
	}
	return rl
}

// reload reads every secret file and installs new verifiers for the
// platforms whose file changed (all of them when force is set). A file that
// cannot be read, holds no secret or a secret the platform rejects keeps
// the platform's current verifier and is logged, without the secret.
func (rl *secretReloader) reload(force bool) {
	swap := map[string]verify.Verifier{}
	for _, p := range rl.platforms {
		variable := "HOOKMESH_SECRET_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")) + "_FILE"
		log := rl.log.With(slog.String("platform", p.Name), slog.String("variable", variable), slog.String("file", p.SecretsFile))
		b, err := os.ReadFile(p.SecretsFile)
		if err != nil {
			mark := "\x00" + err.Error() // logged once per failure, not every poll
			if rl.last[p.Name] != mark || force {
				log.Error("secret file unreadable; keeping the current secrets", slog.String("error", err.Error()))
			}
			rl.last[p.Name] = mark
			continue
		}
		content := string(b)
		if prev, seen := rl.last[p.Name]; seen && prev == content && !force {
			continue
		}
		rl.last[p.Name] = content
		fromFile := splitSecrets(content)
		if len(fromFile) == 0 {
			log.Error("secret file holds no secret; keeping the current secrets")
			continue
		}
		secrets := union(p.EnvSecrets, fromFile)
		v, err := newVerifier(p, secrets)
		if err != nil {
			log.Error("new secrets rejected; keeping the current secrets", slog.String("error", err.Error()))
			continue
		}
		swap[p.Name] = v
		log.Info("secrets reloaded", slog.Int("secrets", len(secrets)))
	}
	if len(swap) > 0 {
		rl.svc.SetVerifiers(swap)
	}
}

// run polls the files every interval and reloads them all on a signal
// from hup, until ctx is done.
func (rl *secretReloader) run(ctx context.Context, interval time.Duration, hup <-chan os.Signal) {
	if interval <= 0 {
		interval = DefaultSecretsPollInterval
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if len(rl.platforms) > 0 {
				rl.reload(false)
			}
		case <-hup:
			rl.log.Info("SIGHUP: reloading secret files", slog.Int("files", len(rl.platforms)))
			rl.reload(true)
		}
	}
}

// logConfig logs the effective configuration in one line: per platform the
// NUMBER of secrets and where they came from (never a value), tolerance,
// body cap and rate limit, and the edge-wide limits; REDIS_URL without its
// password.
func logConfig(log *slog.Logger, cfg Config) {
	platforms := make([]any, 0, len(cfg.Platforms))
	for _, p := range cfg.Platforms {
		attrs := []any{
			slog.Int("secrets", len(p.Secrets)),
			slog.String("secret_sources", strings.Join(p.SecretSources, "+")),
			slog.Int64("max_body_bytes", p.MaxBodyBytes),
			slog.String("rate_limit", p.RateLimit.String()),
		}
		if p.SecretsFile != "" {
			attrs = append(attrs, slog.String("secrets_file", p.SecretsFile))
		}
		switch {
		case p.Source != nil:
			attrs = append(attrs, slog.String("kind", "source"), slog.Duration("tolerance", p.Source.Signature.Tolerance.Duration))
		default:
			attrs = append(attrs, slog.String("kind", "preset"), slog.Duration("tolerance", p.Tolerance))
		}
		platforms = append(platforms, slog.Group(p.Name, attrs...))
	}
	redis := "memory"
	if cfg.RedisURL != "" {
		redis = redactURL(cfg.RedisURL)
	}
	log.Info("edge configuration",
		slog.Group("platforms", platforms...),
		slog.Bool("dev_secrets", cfg.DevSecrets),
		slog.Duration("secrets_poll_interval", cfg.SecretsPollInterval),
		slog.String("public_url", cfg.PublicURL),
		slog.Bool("admin_token", cfg.AdminToken != ""),
		slog.Duration("normalize_timeout", cfg.NormalizeTimeout),
		slog.Duration("record_timeout", cfg.RecordTimeout),
		slog.Int("max_inflight", cfg.MaxInFlight),
		slog.String("source_rate_limit", cfg.SourceRateLimit.String()),
		slog.Bool("trust_proxy_headers", cfg.TrustProxyHeaders),
		slog.String("rate_limit_store", redis),
		slog.Group("http",
			slog.Duration("read_header_timeout", cfg.HTTP.ReadHeaderTimeout),
			slog.Duration("read_timeout", cfg.HTTP.ReadTimeout),
			slog.Duration("write_timeout", cfg.HTTP.WriteTimeout),
			slog.Duration("idle_timeout", cfg.HTTP.IdleTimeout),
			slog.Int("max_header_bytes", cfg.HTTP.MaxHeaderBytes)),
	)
}
