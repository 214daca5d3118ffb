package platformtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// The header fuzz targets of the verifiers hold two properties for every
// header parser (CheckFuzz):
//
//  1. No input panics, and every failure is a *platform.Error wrapping
//     apperr.ErrUnauthenticated.
//  2. Nothing is accepted without a genuine signature: a verifier keyed
//     with a secret drawn at random per process (which no corpus entry can
//     contain) accepts nothing, and a verifier keyed with a known secret
//     accepts only inputs that an independent oracle, written here with
//     crypto/hmac and no code of the platform (OracleMAC), finds a correct signature in.
//
// The seeds include valid signatures under FuzzKnown so the fuzzer starts
// from the accepting paths and mutates around them.

// FuzzKnown is the secret fuzz seeds are signed with.
const FuzzKnown = "whsec_ZnV6eiBrbm93biBzZWNyZXQ=" // valid for Standard Webhooks too

// FuzzUnknowable is a random Standard Webhooks secret: also usable as a
// plain string key by the other platforms.
var FuzzUnknowable = func() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}()

// OracleMAC is HMAC-SHA256 of the concatenated parts, written with
// crypto/hmac alone: the independent oracle fuzz targets check against.
func OracleMAC(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// CheckFuzz applies property 1 and the random-secret half of property 2,
// and reports whether the known-secret verifier accepted.
func CheckFuzz(t *testing.T, known, unknowable platform.Verifier, r platform.Request) bool {
	t.Helper()
	if err := unknowable.Verify(r); err == nil {
		t.Fatalf("accepted under a random secret: %v", r.Header)
	}
	err := known.Verify(r)
	if err == nil {
		return true
	}
	var ve *platform.Error
	if !errors.As(err, &ve) || !errors.Is(err, apperr.ErrUnauthenticated) || ve.Reason == "" {
		t.Fatalf("failure %T %v is not a *platform.Error wrapping ErrUnauthenticated", err, err)
	}
	return false
}
