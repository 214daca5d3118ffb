package mailgun

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "mailgun"
	// maxToken bounds the token: Mailgun's are 50 characters.
	maxToken = 256
)

// DefaultTolerance is our choice: Mailgun advises checking that the
// signed timestamp is recent but gives no window, so we apply the common
// 5 minutes, both directions.
const DefaultTolerance = 5 * time.Minute

type verifier struct {
	keys [][]byte
	tol  time.Duration
}

// NewVerifier returns a Verifier of Mailgun webhooks, whose signature is in
// the body, not a header: a JSON body carries
// "signature": {"timestamp", "token", "signature"[, "parent-signature"]},
// a form-encoded (legacy) body the fields timestamp, token and signature.
// The signature is the hex HMAC-SHA256 of timestamp followed by token,
// keyed with the HTTP webhook signing key; parent-signature (events of a
// subaccount, signed with the primary account's key) is accepted too.
// Multipart bodies are not supported. The signature does not cover the
// event data: only the timestamp window and the token's uniqueness guard
// against a signature being reused with another payload, which is why the
// dedup key prefers the token's event, and the window defaults to
// DefaultTolerance, both directions.
func NewVerifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &verifier{keys: sig.KeyList(secrets), tol: sig.OrDefault(tolerance, DefaultTolerance)}
}

// signature is the signature object of a Mailgun webhook.
type signature struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Token     string          `json:"token"`
	Signature string          `json:"signature"`
	Parent    string          `json:"parent-signature"`
}

// Verify checks the signature inside r.Body.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	t, token, hexSigs, reason := parseBody(r.Body)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return sig.Fail(name, sig.ReasonBadTimestamp)
	}
	if token == "" || len(token) > maxToken {
		return sig.Fail(name, "malformed token")
	}
	var sigs [][]byte
	for _, s := range hexSigs {
		if b, ok := sig.DecodeHexN(s, "", sha256.Size); ok {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return sig.Fail(name, sig.ReasonMalformed)
	}
	if err := sig.CheckWindow(name, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(t), []byte(token)) {
		return sig.Fail(name, "no signature match")
	}
	return nil
}

// parseBody extracts timestamp, token and the signatures from a
// JSON or form body.
func parseBody(body []byte) (ts, token string, sigs []string, reason string) {
	if norm.IsObject(body) {
		var env struct {
			Signature *signature `json:"signature"`
		}
		if json.Unmarshal(body, &env) != nil {
			return "", "", nil, "malformed body"
		}
		s := env.Signature
		if s == nil || s.Signature == "" && s.Parent == "" {
			return "", "", nil, "missing signature"
		}
		ts = string(s.Timestamp)
		if uq, err := strconv.Unquote(ts); err == nil {
			ts = uq // documented as a number, sent as a string
		}
		return ts, s.Token, nonEmpty(s.Signature, s.Parent), ""
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "", nil, "malformed body"
	}
	if form.Get("signature") == "" {
		return "", "", nil, "missing signature"
	}
	return form.Get("timestamp"), form.Get("token"), []string{form.Get("signature")}, ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Signature returns the hex signature Mailgun computes for timestamp and
// token under the signing key.
func Signature(secret, timestamp, token string) string {
	return hex.EncodeToString(sig.MAC([]byte(secret), []byte(timestamp), []byte(token)))
}

// sign is Platform.Sign: no headers, and the body with its signature.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	body, err := signBody(in.Secret, in.Now, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return http.Header{}, body, nil
}

// signBody returns body with a fresh signature object (JSON) or
// signature fields (form) for ts under secret. Re-encoding sorts JSON keys
// and form fields; that is fine for a test sender.
func signBody(secret string, ts time.Time, body []byte) ([]byte, error) {
	tok := make([]byte, 25)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok) // 50 characters, like Mailgun's
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := Signature(secret, t, token)
	if len(bytes.TrimSpace(body)) == 0 || norm.IsObject(body) {
		obj := map[string]json.RawMessage{}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &obj); err != nil {
				return nil, fmt.Errorf("body is not a JSON object: %w", apperr.ErrInvalid)
			}
		}
		s, _ := json.Marshal(map[string]string{"timestamp": t, "token": token, "signature": mac})
		obj["signature"] = s
		return json.Marshal(obj)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("body is neither a JSON object nor a form: %w", apperr.ErrInvalid)
	}
	form.Set("timestamp", t)
	form.Set("token", token)
	form.Set("signature", mac)
	return []byte(form.Encode()), nil
}
