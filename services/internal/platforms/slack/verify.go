package slack

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// DefaultTolerance is the 5-minute window, either direction, that Slack
// documents.
const DefaultTolerance = 5 * time.Minute

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

// NewVerifier returns a Verifier of the X-Slack-Signature and
// X-Slack-Request-Timestamp headers. A non-positive tolerance means
// DefaultTolerance, applied in either direction.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &slackVerifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the X-Slack-Signature of r.
func (v *slackVerifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(slackPlatform, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(slackSignatureHeader)
	if h == "" {
		return sig.Fail(slackPlatform, "missing X-Slack-Signature header")
	}
	t := r.HeaderValue(slackTimestampHeader)
	if t == "" {
		return sig.Fail(slackPlatform, "missing X-Slack-Request-Timestamp header")
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return sig.Fail(slackPlatform, sig.ReasonBadTimestamp)
	}
	version, _, _ := strings.Cut(h, "=")
	if version != slackVersion {
		// Slack has only ever sent v0; a future version must be added
		// here deliberately, not matched by accident.
		return sig.Fail(slackPlatform, "unsupported signature version")
	}
	mac, ok := sig.DecodeHexN(h, slackVersion+"=", sha256.Size)
	if !ok {
		return sig.Fail(slackPlatform, sig.ReasonMalformed)
	}
	if err := sig.CheckWindow(slackPlatform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, [][]byte{mac}, []byte("v0:"), []byte(t), []byte(":"), r.Body) {
		return sig.Fail(slackPlatform, "no v0 match")
	}
	return nil
}

// Signature returns the X-Slack-Signature and X-Slack-Request-Timestamp
// values Slack would send for body at ts under secret.
func Signature(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	mac := sig.MAC([]byte(secret), []byte("v0:"), []byte(timestamp), []byte(":"), body)
	return slackVersion + "=" + hex.EncodeToString(mac), timestamp
}

// sign is Platform.Sign: the signature and timestamp headers.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, ts := Signature(in.Secret, in.Now, in.Body)
	return http.Header{slackSignatureHeader: {s}, slackTimestampHeader: {ts}}, in.Body, nil
}
