package twilio

import (
	"crypto/sha1" //nolint:gosec // Twilio signs with HMAC-SHA1; see NewVerifier.
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name        = "twilio"
	header      = "X-Twilio-Signature"
	idempotency = "I-Twilio-Idempotency-Token"
	bodyParam   = "bodySHA256"
)

type verifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Twilio's X-Twilio-Signature header: base64
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
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets)}
}

// Verify checks the X-Twilio-Signature of r against r.URL and its body.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	h := r.HeaderValue(header)
	if h == "" {
		return sig.Fail(name, "missing X-Twilio-Signature header")
	}
	mac, ok := sig.DecodeBase64N(h, sha1.Size)
	if !ok {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if r.URL == "" {
		return sig.Fail(name, sig.ReasonNoURL)
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return sig.Fail(name, "malformed request URL")
	}
	var params url.Values
	if want := u.Query().Get(bodyParam); want != "" {
		got := sha256.Sum256(r.Body)
		w, err := hex.DecodeString(want)
		if err != nil || subtle.ConstantTimeCompare(got[:], w) != 1 {
			return sig.Fail(name, "bodySHA256 mismatch")
		}
	} else {
		if ct := r.HeaderValue("Content-Type"); ct != "" && len(r.Body) > 0 {
			if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
				return sig.Fail(name, "body neither form-encoded nor hashed in bodySHA256")
			}
		}
		if params, err = url.ParseQuery(string(r.Body)); err != nil {
			return sig.Fail(name, "malformed form body")
		}
	}
	tail := signedParams(params)
	for _, cand := range urlVariants(u, r.URL) {
		if sig.MatchAnyWith(sha1.New, v.keys, [][]byte{mac}, []byte(cand), tail) {
			return nil
		}
	}
	return sig.Fail(name, "no signature match")
}

// signedParams concatenates the parameters as Twilio signs them: names
// sorted, each followed by its distinct values sorted.
func signedParams(params url.Values) []byte {
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

// urlVariants returns raw, raw without its port, and raw with the scheme's
// default port when it has none: the variants Twilio's SDKs accept,
// because proxies and Twilio disagree on whether a default port is part
// of the URL.
func urlVariants(u *url.URL, raw string) []string {
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

// Signature returns the X-Twilio-Signature value Twilio would send for a
// request to fullURL with form parameters params (nil for a JSON body,
// whose hash must then be in fullURL's bodySHA256 parameter).
func Signature(secret, fullURL string, params url.Values) string {
	return base64.StdEncoding.EncodeToString(sig.MACWith(sha1.New, []byte(secret), []byte(fullURL), signedParams(params)))
}

// sign is Platform.Sign: X-Twilio-Signature for the body posted to in.URL
// (or the default URL), and I-Twilio-Idempotency-Token = id when there is
// one.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	u := in.URLOrDefault(name)
	params, err := signParams(u, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return platform.Headers(header, Signature(in.Secret, u, params), idempotency, in.ID), in.Body, nil
}

// signParams returns the parameters Sign signs for body: none when
// the URL carries bodySHA256 (JSON), else body parsed as a form.
func signParams(fullURL string, body []byte) (url.Values, error) {
	u, err := url.Parse(fullURL)
	if err != nil {
		return nil, fmt.Errorf("URL: %w", apperr.ErrInvalid)
	}
	if u.Query().Get(bodyParam) != "" {
		return nil, nil
	}
	p, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("body is not form-encoded (put a JSON body's hex SHA-256 in the URL's bodySHA256): %w", apperr.ErrInvalid)
	}
	return p, nil
}
