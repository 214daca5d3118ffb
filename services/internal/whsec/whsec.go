// Package whsec is the symmetric signature of Standard Webhooks
// (https://www.standardwebhooks.com), as hookmesh sends it to HTTP
// destinations: secrets serialized as "whsec_" and the base64 of 24 to
// 64 random bytes, and a webhook-signature header of "v1,<base64 of
// HMAC-SHA256(key, id + "." + timestamp + "." + body)>" entries, one per
// active secret, space-separated, so that a receiver can verify with
// either secret while one is rotated. The ledger parses secrets when a
// subscription is created or changed; the dispatcher signs with them.
package whsec

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Prefix starts every serialized secret.
const Prefix = "whsec_"

// MinKeyBytes and MaxKeyBytes bound a key, as the specification does.
const (
	MinKeyBytes = 24
	MaxKeyBytes = 64
)

// version identifies the HMAC-SHA256 scheme in webhook-signature.
const version = "v1"

// ErrMalformed is a secret that is not "whsec_" and the padded standard
// base64 of 24 to 64 bytes.
var ErrMalformed = errors.New("not whsec_ followed by the base64 of 24 to 64 random bytes")

// Parse returns the key of a serialized secret (padded standard base64,
// decoded as the Standard Webhooks libraries and the ledger's check do).
// Its error never repeats the secret: it may be logged or shown to an
// admin.
func Parse(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, Prefix)
	if !ok {
		return nil, fmt.Errorf("no %s prefix: %w", Prefix, ErrMalformed)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", ErrMalformed)
	}
	if len(key) < MinKeyBytes || len(key) > MaxKeyBytes {
		return nil, fmt.Errorf("%d bytes: %w", len(key), ErrMalformed)
	}
	return key, nil
}

// Sign returns the webhook-signature value of a message: one "v1,<base64>"
// entry per key, in the order of keys, space-separated. ts is the
// webhook-timestamp sent with it (Unix seconds).
func Sign(keys [][]byte, id string, ts int64, body []byte) string {
	t := strconv.FormatInt(ts, 10)
	var b strings.Builder
	for i, k := range keys {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(id))
		m.Write([]byte{'.'})
		m.Write([]byte(t))
		m.Write([]byte{'.'})
		m.Write(body)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(version + ",")
		b.WriteString(base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return b.String()
}
