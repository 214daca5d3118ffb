package slack

import (
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
)

// Scheme is Slack's v0 scheme, with the failure reasons Slack's verifier
// has always given (metric labels).
var Scheme = sig.V0{
	Platform:           slackPlatform,
	Header:             slackSignatureHeader,
	TimeHeader:         slackTimestampHeader,
	MissingHeader:      "missing X-Slack-Signature header",
	MissingTimestamp:   "missing X-Slack-Request-Timestamp header",
	UnsupportedVersion: "unsupported signature version",
}

// NewVerifier returns a Verifier of the X-Slack-Signature and
// X-Slack-Request-Timestamp headers. A non-positive tolerance means
// DefaultTolerance, applied in either direction.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return Scheme.Verifier(secrets, sig.OrDefault(tolerance, DefaultTolerance))
}

// Signature returns the X-Slack-Signature and X-Slack-Request-Timestamp
// values Slack would send for body at ts under secret.
func Signature(secret string, ts time.Time, body []byte) (signature, timestamp string) {
	return Scheme.Signature(secret, ts, body)
}
