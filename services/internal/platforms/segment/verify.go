package segment

import (
	"bytes"
	"crypto/sha1"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "segment"
	// legacyHeader is X-Signature: the HMAC of the first event's data
	// only. For a single event that data is the body; for a batch the
	// other events are not covered.
	legacyHeader = "X-Signature"
	// header is X-Segment-Signature: the HMAC of the entire body, batches
	// included.
	header = "X-Segment-Signature"
)

// full and legacy are the two headers' schemes: the hex HMAC-SHA1 of the
// raw body keyed with the destination's shared secret, used as-is.
var (
	full   = sig.Body{Platform: name, Header: header, Hash: sha1.New}
	legacy = sig.Body{Platform: name, Header: legacyHeader, Hash: sha1.New}
)

type verifier struct {
	full, legacy platform.Verifier
	configured   bool
}

// NewVerifier returns a Verifier of Segment's webhook signatures: the hex
// HMAC-SHA1 of the raw body keyed with the destination's shared secret
// (used as-is), in X-Segment-Signature when present, else in X-Signature.
// X-Signature is accepted only for a body that is not a JSON array: for a
// batch Segment signs just the first event, so the rest would be
// unauthenticated. SHA-1 is what Segment signs with; HMAC-SHA1 has no
// known forgery. Segment signs no timestamp, so there is no replay window.
func NewVerifier(secrets []string) platform.Verifier {
	return &verifier{full: full.NewVerifier(secrets), legacy: legacy.NewVerifier(secrets), configured: len(sig.KeyList(secrets)) > 0}
}

// Verify checks the signature header of r.
func (v *verifier) Verify(r platform.Request) error {
	switch {
	case !v.configured:
		return sig.Fail(name, sig.ReasonNoSecrets)
	case r.HasHeader(header):
		return v.full.Verify(r)
	case !r.HasHeader(legacyHeader):
		return sig.Fail(name, "missing X-Segment-Signature or X-Signature header")
	}
	if t := bytes.TrimLeft(r.Body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return sig.Fail(name, "batch signed by X-Signature only")
	}
	return v.legacy.Verify(r)
}

// Signature returns the hex HMAC-SHA1 Segment sends for body under the
// shared secret.
func Signature(secret string, body []byte) string { return legacy.Signature(secret, body) }
