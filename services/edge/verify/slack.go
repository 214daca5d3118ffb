package verify

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

const (
	slackPlatform        = "slack"
	slackSignatureHeader = "X-Slack-Signature"
	slackTimestampHeader = "X-Slack-Request-Timestamp"
	slackVersion         = "v0"
)

type slackVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// Slack returns a Verifier of the X-Slack-Signature and
// X-Slack-Request-Timestamp headers. A non-positive tolerance means
// DefaultSlackTolerance, applied in either direction.
func Slack(secrets []string, tolerance time.Duration) Verifier {
	return &slackVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultSlackTolerance)}
}

func (v *slackVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(slackPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(slackSignatureHeader)
	if h == "" {
		return fail(slackPlatform, "missing X-Slack-Signature header")
	}
	t := r.HeaderValue(slackTimestampHeader)
	if t == "" {
		return fail(slackPlatform, "missing X-Slack-Request-Timestamp header")
	}
	ts, ok := parseUnix(t)
	if !ok {
		return fail(slackPlatform, reasonBadTimestamp)
	}
	version, _, _ := strings.Cut(h, "=")
	if version != slackVersion {
		// Slack has only ever sent v0; a future version must be added
		// here deliberately, not matched by accident.
		return fail(slackPlatform, "unsupported signature version")
	}
	sig, ok := decodeHexSig(h, slackVersion+"=")
	if !ok {
		return fail(slackPlatform, reasonMalformed)
	}
	if err := checkWindow(slackPlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !matchAny(v.keys, [][]byte{sig}, []byte("v0:"), []byte(t), []byte(":"), r.Body) {
		return fail(slackPlatform, "no v0 match")
	}
	return nil
}

// SignSlack returns the X-Slack-Signature and X-Slack-Request-Timestamp
// values Slack would send for body at ts under secret.
func SignSlack(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	sig := mac([]byte(secret), []byte("v0:"), []byte(timestamp), []byte(":"), body)
	return slackVersion + "=" + hex.EncodeToString(sig), timestamp
}
