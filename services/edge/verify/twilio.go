package verify

import (
	"crypto/sha1" //nolint:gosec // Twilio signs with HMAC-SHA1; see Twilio.
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

const (
	twilioPlatform    = "twilio"
	twilioHeader      = "X-Twilio-Signature"
	twilioIdempotency = "I-Twilio-Idempotency-Token"
	twilioBodyParam   = "bodySHA256"
)

type twilioVerifier struct{ keys [][]byte }

// Twilio returns a Verifier of Twilio's X-Twilio-Signature header: base64
// of the HMAC-SHA1 (Twilio's documented algorithm) keyed with the account's
// Auth Token, over the full URL Twilio requested (Request.URL, query
// included) followed by every POST parameter, sorted by name, as name then
// value; a repeated parameter contributes each distinct value, sorted, as
// Twilio's SDKs do. For application/json bodies Twilio instead puts the hex
// SHA-256 of the body in the URL's bodySHA256 parameter and signs the URL
// alone; that hash is checked too. As in Twilio's SDKs the URL is also
// tried without its port, and with the scheme's default port when it has
// none. A non-form body without bodySHA256 is refused: nothing would sign
// it. No timestamp is signed. Webhook-rule signatures
// (X-Twilio-Webhooks-Signature-Settings, HMAC-SHA256 with a shared key) are
// not supported.
func Twilio(secrets []string) Verifier {
	return &twilioVerifier{keys: keyList(secrets)}
}

func (v *twilioVerifier) Verify(r Request) error {
	if len(v.keys) == 0 {
		return fail(twilioPlatform, reasonNoSecrets)
	}
	h := r.HeaderValue(twilioHeader)
	if h == "" {
		return fail(twilioPlatform, "missing X-Twilio-Signature header")
	}
	sig, ok := decodeBase64N(h, sha1.Size)
	if !ok {
		return fail(twilioPlatform, reasonMalformed)
	}
	if r.URL == "" {
		return fail(twilioPlatform, reasonNoURL)
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return fail(twilioPlatform, "malformed request URL")
	}
	var params url.Values
	if want := u.Query().Get(twilioBodyParam); want != "" {
		got := sha256.Sum256(r.Body)
		w, err := hex.DecodeString(want)
		if err != nil || subtle.ConstantTimeCompare(got[:], w) != 1 {
			return fail(twilioPlatform, "bodySHA256 mismatch")
		}
	} else {
		if ct := r.HeaderValue("Content-Type"); ct != "" && len(r.Body) > 0 {
			if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
				return fail(twilioPlatform, "body neither form-encoded nor hashed in bodySHA256")
			}
		}
		if params, err = url.ParseQuery(string(r.Body)); err != nil {
			return fail(twilioPlatform, "malformed form body")
		}
	}
	tail := twilioParams(params)
	for _, cand := range twilioURLs(u, r.URL) {
		if matchAnyWith(sha1.New, v.keys, [][]byte{sig}, []byte(cand), tail) {
			return nil
		}
	}
	return fail(twilioPlatform, "no signature match")
}

// twilioParams concatenates the parameters as Twilio signs them: names
// sorted, each followed by its distinct values sorted.
func twilioParams(params url.Values) []byte {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		vals := slices.Clone(params[k])
		slices.Sort(vals)
		for _, v := range slices.Compact(vals) {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	return []byte(b.String())
}

// twilioURLs returns raw, raw without its port, and raw with the scheme's
// default port when it has none: the variants Twilio's SDKs accept,
// because proxies and Twilio disagree on whether a default port is part
// of the URL.
func twilioURLs(u *url.URL, raw string) []string {
	out := []string{raw}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	alt := *u
	if u.Port() != "" {
		alt.Host = host
	} else {
		switch u.Scheme {
		case "https":
			alt.Host = net.JoinHostPort(u.Hostname(), "443")
		case "http":
			alt.Host = net.JoinHostPort(u.Hostname(), "80")
		default:
			return out
		}
	}
	if s := alt.String(); s != raw {
		out = append(out, s)
	}
	return out
}

// SignTwilio returns the X-Twilio-Signature value Twilio would send for a
// request to fullURL with form parameters params (nil for a JSON body,
// whose hash must then be in fullURL's bodySHA256 parameter).
func SignTwilio(secret, fullURL string, params url.Values) string {
	sig := macWith(sha1.New, []byte(secret), []byte(fullURL), twilioParams(params))
	return base64.StdEncoding.EncodeToString(sig)
}

// twilioSignParams returns the parameters Sign signs for body: none when
// the URL carries bodySHA256 (JSON), else body parsed as a form.
func twilioSignParams(fullURL string, body []byte) (url.Values, error) {
	u, err := url.Parse(fullURL)
	if err != nil {
		return nil, fmt.Errorf("twilio: URL: %w", apperr.ErrInvalid)
	}
	if u.Query().Get(twilioBodyParam) != "" {
		return nil, nil
	}
	p, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("twilio: body is not form-encoded (put a JSON body's hex SHA-256 in the URL's bodySHA256): %w", apperr.ErrInvalid)
	}
	return p, nil
}
