// Package stdwebhooks is the Standard Webhooks scheme
// (https://www.standardwebhooks.com) as the platforms that send it share
// it: the generic "standard" sender and Svix with the platforms that
// deliver through it (Clerk, Resend), each a package under
// services/internal/platforms built from a Scheme. They differ only in
// the header names Sign sends, their mapping rows and their samples; the
// verifier, the dedup key and the normalization are this package's.
//
// Verification: headers webhook-id, webhook-timestamp and
// webhook-signature, or the same three under svix-* names (one complete
// set, never a mix). The signed bytes are "<id>.<timestamp>.<body>"; the
// signature header is a space-separated list of "v1,<base64>" entries,
// any of which may match (v1a, Ed25519, is not supported and ignored).
// Each secret is "whsec_<base64>" or the bare base64, and the HMAC key is
// its decoding. The window defaults to DefaultTolerance, 5 minutes in both
// directions, as the specification's libraries apply it.
package stdwebhooks

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// DefaultTolerance is the 5-minute window, both directions, of the
// Standard Webhooks libraries.
const DefaultTolerance = 5 * time.Minute

const (
	// Prefix is the optional prefix of a serialized secret.
	Prefix  = "whsec_"
	version = "v1"
)

// Names is one set of Standard Webhooks header names.
type Names struct{ ID, Timestamp, Signature string }

var (
	// WebhookNames are the specification's header names.
	WebhookNames = Names{"webhook-id", "webhook-timestamp", "webhook-signature"}
	// SvixNames are the same three headers as Svix sends them.
	SvixNames = Names{"svix-id", "svix-timestamp", "svix-signature"}
)

// Scheme is one platform's use of Standard Webhooks: its name, which its
// verification failures carry, and the header names its senders use.
type Scheme struct {
	// Name is the platform's name.
	Name string
	// Names are the header names Sign sends; Verify reads either set.
	Names Names
}

// Platform returns the platform.Platform of s with its mapping rows, its
// samples and its embedded testdata: the verifier, signer, key and
// adapter are the scheme's.
func (s Scheme) Platform(mapping map[string]eventv1.EventType, samples platform.Samples, testdata fs.FS) platform.Platform {
	return platform.Platform{
		Name:             s.Name,
		NewVerifier:      s.NewVerifier,
		Sign:             s.Sign,
		DefaultTolerance: DefaultTolerance,
		Key:              Key,
		Normalize:        Adapter(s.Name, mapping),
		Mapping:          mapping,
		Samples:          samples,
		TestKeys:         TestKeys,
		TestData:         testdata,
	}
}

// Samples returns the samples of s: templates by type, def the default,
// fresh ids in Svix's format (KSUID-based message ids) sent in s's id
// header.
func (s Scheme) Samples(def string, templates map[string]platform.Template) platform.Samples {
	return platform.Samples{
		Default:   def,
		NewID:     func(time.Time) string { return "msg_" + randid.Alnum(27) },
		Templates: templates,
		IDHeaders: func(id string) http.Header { return http.Header{http.CanonicalHeaderKey(s.Names.ID): {id}} },
	}
}

// TestKeys are three valid secrets (primary, rotated, stranger): the
// secrets of the scheme are base64.
var TestKeys = []platform.KeyPair{
	{Sign: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Verify: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
	{Sign: "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3Rz", Verify: "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3Rz"},
	{Sign: "whsec_b3RoZXIgc2VjcmV0", Verify: "whsec_b3RoZXIgc2VjcmV0"},
}

// Key is webhook-id, else svix-id: the message id, which the sender keeps
// across retries. An empty key means there is none.
func Key(headers map[string]string, _ []byte) (eventid.Key, error) {
	return eventid.Key{EventID: eventid.First(headers["webhook-id"], headers["svix-id"])}, nil
}

type verifier struct {
	platform string
	keys     [][]byte
	tol      time.Duration
}

// NewVerifier returns a Verifier of Standard Webhooks signatures under
// either set of header names. It fails, wrapping apperr.ErrInvalid, when a
// secret does not decode, so a bad configuration is caught at start-up
// rather than as a stream of 401s. A non-positive tolerance means
// DefaultTolerance, applied in both directions.
func (s Scheme) NewVerifier(secrets []string, tolerance time.Duration) (platform.Verifier, error) {
	keys := make([][]byte, 0, len(secrets))
	for i, secret := range secrets {
		if secret == "" {
			continue // as sig.KeyList: a stray comma is not a secret
		}
		k, err := decodeKey(secret)
		if err != nil {
			// The index, never the secret: this error may be logged.
			return nil, fmt.Errorf("standard webhooks secret #%d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	return &verifier{platform: s.Name, keys: keys, tol: sig.OrDefault(tolerance, DefaultTolerance)}, nil
}

// decodeKey decodes a secret the way the Standard Webhooks libraries do:
// strip an optional whsec_ prefix, then padded standard base64.
func decodeKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, Prefix))
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("not whsec_<base64> or base64: %w", apperr.ErrInvalid)
	}
	return k, nil
}

// Verify checks the v1 signatures of r.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(v.platform, sig.ReasonNoSecrets)
	}
	// Use one complete set of names, never a mix: the webhook-* set as soon
	// as any of its headers is there, so its errors name what is missing.
	n := SvixNames
	if r.HasHeader(WebhookNames.ID) || r.HasHeader(WebhookNames.Timestamp) || r.HasHeader(WebhookNames.Signature) {
		n = WebhookNames
	}
	id, t, h := r.HeaderValue(n.ID), r.HeaderValue(n.Timestamp), r.HeaderValue(n.Signature)
	switch {
	case id == "":
		return sig.Fail(v.platform, "missing id header")
	case t == "":
		return sig.Fail(v.platform, "missing timestamp header")
	case h == "":
		return sig.Fail(v.platform, "missing signature header")
	}
	ts, ok := sig.ParseUnix(t)
	if !ok {
		return sig.Fail(v.platform, sig.ReasonBadTimestamp)
	}
	sigs, reason := parseSignatures(h)
	if reason != "" {
		return sig.Fail(v.platform, reason)
	}
	if err := sig.CheckWindow(v.platform, ts, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !sig.MatchAny(v.keys, sigs, []byte(id), []byte("."), []byte(t), []byte("."), r.Body) {
		return sig.Fail(v.platform, "no v1 match")
	}
	return nil
}

// parseSignatures returns the decoded v1 signatures of a space-separated
// "<version>,<base64>" list. Other versions (v1a is Ed25519) and
// undecodable entries are skipped, as the spec's libraries do; more than
// sig.MaxEntries entries is refused outright.
func parseSignatures(h string) (sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var entry string
		entry, rest, more = strings.Cut(rest, " ")
		if entry == "" {
			continue // doubled or edge spaces
		}
		if n++; n > sig.MaxEntries {
			return nil, sig.ReasonTooMany
		}
		v, val, ok := strings.Cut(entry, ",")
		if !ok || v != version {
			continue
		}
		if s, ok := sig.DecodeBase64N(val, sha256.Size); ok {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return nil, "no v1 signature"
	}
	return sigs, ""
}

// Signature returns the webhook-signature value a Standard Webhooks
// sender would send for message id and body at ts under secret
// ("whsec_<base64>" or bare base64): "v1,<base64>". It fails, wrapping
// apperr.ErrInvalid, when the secret does not decode.
func Signature(secret, id string, ts time.Time, body []byte) (string, error) {
	k, err := decodeKey(secret)
	if err != nil {
		return "", err
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := sig.MAC(k, []byte(id), []byte("."), []byte(t), []byte("."), body)
	return version + "," + base64.StdEncoding.EncodeToString(mac), nil
}

// Sign is Platform.Sign: the id (required: it is signed), timestamp and
// signature headers under s's names.
func (s Scheme) Sign(in platform.SignInput) (http.Header, []byte, error) {
	if in.ID == "" {
		return nil, nil, fmt.Errorf("empty webhook id: %w", apperr.ErrInvalid)
	}
	v, err := Signature(in.Secret, in.ID, in.Now, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return platform.Headers(s.Names.ID, in.ID, s.Names.Timestamp, strconv.FormatInt(in.Now.Unix(), 10), s.Names.Signature, v), in.Body, nil
}
