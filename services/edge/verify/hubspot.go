package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

const (
	hubspotPlatform        = "hubspot"
	hubspotSignatureHeader = "X-HubSpot-Signature-v3"
	hubspotTimestampHeader = "X-HubSpot-Request-Timestamp"
)

// DefaultHubSpotTolerance is the 5 minutes of HubSpot's docs and SDK
// (MAX_ALLOWED_TIMESTAMP = 300 s).
const DefaultHubSpotTolerance = 5 * time.Minute

type hubspotVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// HubSpot returns a Verifier of HubSpot's v3 request signature: header
// X-HubSpot-Signature-v3, base64 of the HMAC-SHA256 of method + URI + raw
// body + X-HubSpot-Request-Timestamp (unix milliseconds, as sent), keyed
// with the app's client secret. The URI is the full external URL
// (Request.URL): HubSpot's docs ask receivers to decode a fixed set of
// percent-escapes first, so both the URL as received and that decoded form
// are tried. The v1/v2 X-HubSpot-Signature headers (no timestamp) are not
// accepted. The window defaults to DefaultHubSpotTolerance, both
// directions.
func HubSpot(secrets []string, tolerance time.Duration) Verifier {
	return &hubspotVerifier{keys: keyList(secrets), tol: orDefault(tolerance, DefaultHubSpotTolerance)}
}

func (v *hubspotVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(hubspotPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(hubspotSignatureHeader)
	if h == "" {
		return fail(hubspotPlatform, "missing X-HubSpot-Signature-v3 header")
	}
	t := r.HeaderValue(hubspotTimestampHeader)
	if t == "" {
		return fail(hubspotPlatform, "missing X-HubSpot-Request-Timestamp header")
	}
	ms, ok := parseDigits(t)
	if !ok {
		return fail(hubspotPlatform, reasonBadTimestamp)
	}
	sig, ok := decodeBase64N(h, sha256.Size)
	if !ok {
		return fail(hubspotPlatform, reasonMalformed)
	}
	if r.URL == "" {
		return fail(hubspotPlatform, reasonNoURL)
	}
	if err := checkWindowTime(hubspotPlatform, time.UnixMilli(ms), r.NowOrClock(), v.tol); err != nil {
		return err
	}
	method := []byte(r.MethodOrPost())
	for _, u := range hubspotURIs(r.URL) {
		if matchAny(v.keys, [][]byte{sig}, method, []byte(u), r.Body, []byte(t)) {
			return nil
		}
	}
	return fail(hubspotPlatform, "no v3 match")
}

// hubspotDecoder undoes the percent-escapes HubSpot's v3 instructions list;
// other escapes stay as they are.
var hubspotDecoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

// hubspotURIs returns the URIs to try: as received, then decoded if that
// differs.
func hubspotURIs(u string) []string {
	if d := hubspotDecoder.Replace(u); d != u {
		return []string{u, d}
	}
	return []string{u}
}

// SignHubSpot returns the X-HubSpot-Signature-v3 and
// X-HubSpot-Request-Timestamp values HubSpot would send for a request of
// method to uri with body at ts under secret.
func SignHubSpot(secret, method, uri string, ts time.Time, body []byte) (signature, timestamp string) {
	timestamp = strconv.FormatInt(ts.UnixMilli(), 10)
	sig := mac([]byte(secret), []byte(method), []byte(uri), body, []byte(timestamp))
	return base64.StdEncoding.EncodeToString(sig), timestamp
}
