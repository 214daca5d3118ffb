package verify

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"crypto/sha256"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

const (
	standardPlatform = "standard"
	// Svix, Clerk and Resend sign with Standard Webhooks under svix-*
	// header names; they are presets of their own so each has its own
	// secrets, URL path and dedup scope.
	svixPlatform    = "svix"
	clerkPlatform   = "clerk"
	resendPlatform  = "resend"
	standardPrefix  = "whsec_"
	standardVersion = "v1"
)

// standardNames is one set of Standard Webhooks header names. Svix sends
// the same three headers under svix-* names.
type standardNames struct{ id, timestamp, signature string }

var (
	webhookNames = standardNames{"webhook-id", "webhook-timestamp", "webhook-signature"}
	svixNames    = standardNames{"svix-id", "svix-timestamp", "svix-signature"}
)

type standardVerifier struct {
	platform string
	keys     [][]byte
	tol      time.Duration
}

// Standard returns a Verifier of Standard Webhooks signatures (webhook-* or
// svix-* headers). Each secret is "whsec_<base64>" or the bare base64; the
// key is its decoding. It fails, wrapping apperr.ErrInvalid, when a secret
// does not decode, so a bad configuration is caught at start-up rather than
// as a stream of 401s. A non-positive tolerance means
// DefaultStandardTolerance, applied in both directions.
func Standard(secrets []string, tolerance time.Duration) (Verifier, error) {
	return standardFor(standardPlatform, secrets, tolerance)
}

// standardFor is Standard under another platform name (svix, clerk,
// resend), which its failures carry.
func standardFor(platform string, secrets []string, tolerance time.Duration) (Verifier, error) {
	keys := make([][]byte, 0, len(secrets))
	for i, s := range secrets {
		if s == "" {
			continue // as keyList: a stray comma is not a secret
		}
		k, err := standardKey(s)
		if err != nil {
			// The index, never the secret: this error may be logged.
			return nil, fmt.Errorf("standard webhooks secret #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return &standardVerifier{platform: platform, keys: keys, tol: orDefault(tolerance, DefaultStandardTolerance)}, nil
}

// standardKey decodes a secret the way the Standard Webhooks libraries do:
// strip an optional whsec_ prefix, then padded standard base64.
func standardKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, standardPrefix))
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("not whsec_<base64> or base64: %w", apperr.ErrInvalid)
	}
	return k, nil
}

func (v *standardVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(v.platform, reasonNoSecrets)
	}
	// Use one complete set of names, never a mix: the webhook-* set as soon
	// as any of its headers is there, so its errors name what is missing.
	n := svixNames
	if r.HasHeader(webhookNames.id) || r.HasHeader(webhookNames.timestamp) || r.HasHeader(webhookNames.signature) {
		n = webhookNames
	}
	id, t, h := r.HeaderValue(n.id), r.HeaderValue(n.timestamp), r.HeaderValue(n.signature)
	switch {
	case id == "":
		return fail(v.platform, "missing id header")
	case t == "":
		return fail(v.platform, "missing timestamp header")
	case h == "":
		return fail(v.platform, "missing signature header")
	}
	ts, ok := parseUnix(t)
	if !ok {
		return fail(v.platform, reasonBadTimestamp)
	}
	sigs, reason := parseStandardSignatures(h)
	if reason != "" {
		return fail(v.platform, reason)
	}
	if err := checkWindow(v.platform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, sigs, []byte(id), []byte("."), []byte(t), []byte("."), r.Body) {
		return fail(v.platform, "no v1 match")
	}
	return nil
}

// parseStandardSignatures returns the decoded v1 signatures of a
// space-separated "<version>,<base64>" list. Other versions (v1a is
// Ed25519) and undecodable entries are skipped, as the spec's libraries do;
// more than maxEntries entries is refused outright.
func parseStandardSignatures(h string) (sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var entry string
		entry, rest, more = strings.Cut(rest, " ")
		if entry == "" {
			continue // doubled or edge spaces
		}
		if n++; n > maxEntries {
			return nil, reasonTooMany
		}
		version, val, ok := strings.Cut(entry, ",")
		if !ok || version != standardVersion {
			continue
		}
		if sig, ok := decodeBase64N(val, sha256.Size); ok {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return nil, "no v1 signature"
	}
	return sigs, ""
}

// SignStandard returns the webhook-signature value a Standard Webhooks
// sender would send for message id and body at ts under secret
// ("whsec_<base64>" or bare base64): "v1,<base64>". It fails, wrapping
// apperr.ErrInvalid, when the secret does not decode.
func SignStandard(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := standardKey(secret)
	if err != nil {
		return "", err
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	sig := mac(k, []byte(id), []byte("."), []byte(t), []byte("."), body)
	return standardVersion + "," + base64.StdEncoding.EncodeToString(sig), nil
}
