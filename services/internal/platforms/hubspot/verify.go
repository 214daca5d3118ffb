package hubspot

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name            = "hubspot"
	signatureHeader = "X-HubSpot-Signature-v3"
	timestampHeader = "X-HubSpot-Request-Timestamp"
)

// DefaultTolerance is the 5 minutes of HubSpot's docs and SDK
// (MAX_ALLOWED_TIMESTAMP = 300 s).
const DefaultTolerance = 5 * time.Minute

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of HubSpot's v3 request signature: header
// X-HubSpot-Signature-v3, base64 of the HMAC-SHA256 of method + URI + raw
// body + X-HubSpot-Request-Timestamp (unix milliseconds, as sent), keyed
// with the app's client secret. The URI is the full external URL
// (Request.URL): HubSpot's docs ask receivers to decode a fixed set of
// percent-escapes first, so both the URL as received and that decoded form
// are tried. The v1/v2 X-HubSpot-Signature headers (no timestamp) are not
// accepted. The window defaults to DefaultTolerance, both
// directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// Verify checks the v3 signature of r, its method and URL.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(signatureHeader)
	if h == "" {
		return sig.Fail(name, "missing X-HubSpot-Signature-v3 header")
	}
	t := r.HeaderValue(timestampHeader)
	if t == "" {
		return sig.Fail(name, "missing X-HubSpot-Request-Timestamp header")
	}
	ms, ok := sig.ParseDigits(t)
	if !ok {
		return sig.Fail(name, sig.ReasonBadTimestamp)
	}
	mac, ok := sig.DecodeBase64N(h, sha256.Size)
	if !ok {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if r.URL == "" {
		return sig.Fail(name, sig.ReasonNoURL)
	}
	if err := sig.CheckWindowTime(name, time.UnixMilli(ms), r.NowOrClock(), v.tol); err != nil {
		return err
	}
	method := []byte(r.MethodOrPost())
	for _, u := range uris(r.URL) {
		if sig.MatchAny(v.keys, [][]byte{mac}, method, []byte(u), r.Body, []byte(t)) {
			return nil
		}
	}
	return sig.Fail(name, "no v3 match")
}

// decoder undoes the percent-escapes HubSpot's v3 instructions list;
// other escapes stay as they are.
var decoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

// uris returns the URIs to try: as received, then decoded if that
// differs.
func uris(u string) []string {
	if d := decoder.Replace(u); d != u {
		return []string{u, d}
	}
	return []string{u}
}

// Signature returns the X-HubSpot-Signature-v3 and
// X-HubSpot-Request-Timestamp values HubSpot would send for a request of
// method to uri with body at ts under secret.
func Signature(secret, method, uri string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.UnixMilli(), 10)
	mac := sig.MAC([]byte(secret), []byte(method), []byte(uri), body, []byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac), timestamp
}

// sign is Platform.Sign: the v3 signature of in.Method (or POST) to in.URL
// (or the default URL), and its timestamp.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	s, ts := Signature(in.Secret, in.MethodOrPost(), in.URLOrDefault(name), in.Now, in.Body)
	return platform.Headers(signatureHeader, s, timestampHeader, ts), in.Body, nil
}
