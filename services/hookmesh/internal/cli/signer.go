package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// signer is what send needs to build and sign one platform's webhooks.
type signer struct {
	platform string
	// secret signs: a shared secret, or a private key (discord, sendgrid,
	// ed25519 sources).
	secret string
	// dev is true when secret is the development one.
	dev bool
	// source is set for a platform defined in HOOKMESH_SOURCES_FILE.
	source *sources.Source
}

// build returns a webhook: a sample, or payload when there is one.
func (s *signer) build(payload []byte, typ string, now time.Time) (sample.Webhook, error) {
	switch {
	case s.source != nil && payload != nil:
		return sample.ConfiguredFromFile(*s.source, payload), nil
	case s.source != nil:
		return sample.Configured(*s.source, typ, now)
	case payload != nil:
		return sample.FromFile(s.platform, payload, typ), nil
	}
	return sample.Build(s.platform, typ, now)
}

// configuredSources reads HOOKMESH_SOURCES_FILE, the platforms defined in
// configuration, as the edge does.
func (a *app) configuredSources() ([]sources.Source, error) {
	return sources.Load(a.getenv("HOOKMESH_SOURCES_FILE", ""))
}

// signerFor returns the signer of platform: a preset, or a source of
// HOOKMESH_SOURCES_FILE. Any other name is a usage error listing the
// valid ones.
func (a *app) signerFor(platform string) (*signer, error) {
	srcs, err := a.configuredSources()
	if err != nil {
		return nil, fmt.Errorf("send: HOOKMESH_SOURCES_FILE: %w", err)
	}
	if slices.Contains(sample.Platforms(), platform) {
		secret, dev, err := a.signingSecretFor(platform)
		if err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
		return &signer{platform: platform, secret: secret, dev: dev}, nil
	}
	for i := range srcs {
		if srcs[i].Name == platform {
			secret, err := a.sourceSecret(srcs[i])
			if err != nil {
				return nil, fmt.Errorf("send: %w", err)
			}
			return &signer{platform: platform, secret: secret, source: &srcs[i]}, nil
		}
	}
	return nil, unknownPlatform(platform, srcs)
}

// unknownPlatform is the usage error of a platform send cannot sign for.
func unknownPlatform(platform string, srcs []sources.Source) error {
	valid := sample.Platforms()
	var configured []string
	for _, s := range srcs {
		configured = append(configured, s.Name)
	}
	msg := fmt.Sprintf("unknown platform %q", platform)
	if near := closest(platform, append(slices.Clone(valid), configured...)); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	msg += "; valid platforms: " + strings.Join(valid, ", ")
	if len(configured) > 0 {
		msg += "; defined in HOOKMESH_SOURCES_FILE: " + strings.Join(configured, ", ")
	} else {
		msg += " (and the sources of HOOKMESH_SOURCES_FILE, unset here)"
	}
	return usageError("%s", msg)
}

// closest returns the name within edit distance 2 of s, if one is.
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// envName is a platform's part of its variables' names, as the edge
// spells it: upper case, '-' as '_'.
func envName(platform string) string { return strings.ToUpper(strings.ReplaceAll(platform, "-", "_")) }

// secretVar names the variable holding what send signs platform with.
func secretVar(platform string) string {
	if verify.Asymmetric(platform) {
		return "HOOKMESH_SIGNING_KEY_" + envName(platform)
	}
	return "HOOKMESH_SECRET_" + envName(platform)
}

// firstSecret returns the first secret of HOOKMESH_SECRET_<NAME>, or of
// the file HOOKMESH_SECRET_<NAME>_FILE names (the edge's two sources;
// comma- or newline-separated lists), or "".
func (a *app) firstSecret(up string) (string, error) {
	list := a.getenv("HOOKMESH_SECRET_"+up, "")
	if list == "" {
		if path := a.getenv("HOOKMESH_SECRET_"+up+"_FILE", ""); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("HOOKMESH_SECRET_%s_FILE: %w", up, err)
			}
			list = string(b)
		}
	}
	for _, line := range strings.Split(list, "\n") {
		for _, s := range strings.Split(line, ",") {
			if s = strings.TrimSpace(s); s != "" {
				return s, nil
			}
		}
	}
	return "", nil
}

// sourceSecret returns what a configured source is signed with: its first
// secret, or for ed25519 the private key of HOOKMESH_SIGNING_KEY_<NAME>.
// Configured sources have no development secret, as at the edge.
func (a *app) sourceSecret(src sources.Source) (string, error) {
	up := envName(src.Name)
	if src.Signature.Algorithm == sources.AlgEd25519 {
		if k := a.getenv("HOOKMESH_SIGNING_KEY_"+up, ""); k != "" {
			return k, nil
		}
		return "", fmt.Errorf("%s signs with ed25519: set HOOKMESH_SIGNING_KEY_%s to the private key of its public key", src.Name, up)
	}
	secret, err := a.firstSecret(up)
	if err == nil && secret == "" {
		err = fmt.Errorf("no secret for %s: set HOOKMESH_SECRET_%s (the edge's secret for it)", src.Name, up)
	}
	return secret, err
}

// signingSecretFor returns what to sign a preset's webhooks with: the
// first configured secret (HMAC presets) or the configured private key
// (discord, sendgrid), else the development signing secret (dev = true).
// For discord and sendgrid HOOKMESH_SECRET_ holds the public key the edge
// verifies with; signing with the development private key while another
// public key is configured could only produce rejected webhooks, so that
// is an error rather than a silent 401.
func (a *app) signingSecretFor(platform string) (secret string, dev bool, err error) {
	up := envName(platform)
	if verify.Asymmetric(platform) {
		if k := a.getenv("HOOKMESH_SIGNING_KEY_"+up, ""); k != "" {
			return k, false, nil
		}
		for _, pub := range strings.Split(a.getenv("HOOKMESH_SECRET_"+up, ""), ",") {
			if pub = strings.TrimSpace(pub); pub != "" && pub != edge.DevSecrets[platform] {
				return "", false, fmt.Errorf("HOOKMESH_SECRET_%s is a public key other than the development one: set HOOKMESH_SIGNING_KEY_%s to its private key", up, up)
			}
		}
	} else {
		s, err := a.firstSecret(up)
		if err != nil || s != "" {
			return s, false, err
		}
	}
	secret = edge.DevSigningSecrets[platform]
	if secret == "" {
		return "", false, fmt.Errorf("no secret for %s: set %s", platform, secretVar(platform))
	}
	return secret, true, nil
}
