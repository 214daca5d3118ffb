package sentry_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sentry"
)

const (
	secret  = "sentry-client-secret-primary"
	rotated = "sentry-client-secret-rotated"
	// vector is HMAC-SHA256(secret, platformtest.Body) in hex, computed
	// with Python's hmac module, so Signature is checked against an
	// independent implementation.
	vector = "53ee1dba0acd44093b50e8c80fc397fc72832cc6b075dcb93ea3926aa7a8e92e"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := sentry.Signature(secret, platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := sentry.NewVerifier([]string{secret, rotated})
	valid := sentry.Signature(secret, platformtest.Body)
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Sentry-Hook-Signature", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", valid, ""),
		sh("rotation: second secret", sentry.Signature(rotated, platformtest.Body), ""),
		sh("upper-case hex decodes to the same bytes", strings.ToUpper(valid), ""),
		{Name: "tampered body", Header: platformtest.H("Sentry-Hook-Signature", valid), Body: platformtest.TamperedBody, Want: "no signature match"},
		sh("wrong secret", sentry.Signature("someone-else", platformtest.Body), "no signature match"),
		{Name: "missing header", Header: platformtest.H("X-Other", valid), Want: "missing Sentry-Hook-Signature header"},
		sh("sha256= prefix is not Sentry's format", "sha256="+valid, sig.ReasonMalformed),
		sh("short", valid[:63], sig.ReasonMalformed),
		sh("long", valid+"0", sig.ReasonMalformed),
		sh("not hex", valid[:62]+"zz", sig.ReasonMalformed),
		sh("space around", " "+valid, sig.ReasonMalformed),
		sh("base64 of the right bytes", "U+4dugrNRAk7UOjID8OX/HKDLMawddy5PqOSaqeo6S4=", sig.ReasonMalformed),
	})
	if err := sentry.NewVerifier([]string{"", ""}).Verify(platform.Request{Header: platformtest.H("Sentry-Hook-Signature", valid), Body: platformtest.Body}); err == nil {
		t.Error("a verifier with only empty secrets accepted a request")
	}
}

// TestNoWindow: Sentry signs no timestamp, so an old or missing
// Sentry-Hook-Timestamp changes nothing.
func TestNoWindow(t *testing.T) {
	t.Parallel()
	if sentry.Platform.DefaultTolerance != 0 {
		t.Fatalf("DefaultTolerance = %v, want 0: Sentry signs no timestamp", sentry.Platform.DefaultTolerance)
	}
	v := sentry.NewVerifier([]string{secret})
	h := http.Header{"Sentry-Hook-Signature": {sentry.Signature(secret, platformtest.Body)}, "Sentry-Hook-Timestamp": {"1"}}
	if err := v.Verify(platform.Request{Header: h, Body: platformtest.Body, Now: platformtest.Now}); err != nil {
		t.Fatalf("Verify = %v", err)
	}
}

// TestKey: the key is the body's SHA-256, whatever Request-ID says, so
// a retry (a fresh Request-ID, the same body) is stored once.
func TestKey(t *testing.T) {
	t.Parallel()
	body := []byte(`{"action":"created","data":{"issue":{"id":"1"}}}`)
	sum := sha256.Sum256(body)
	want := "sha256:" + hex.EncodeToString(sum[:])
	for _, id := range []string{"ef0dd634e8304aa4a6905fca54a11a18", "0123456789abcdef0123456789abcdef", ""} {
		k, err := sentry.Platform.Key(map[string]string{"request-id": id}, body)
		if err != nil || k.EventID != want || k.Source != "" {
			t.Errorf("Key with Request-ID %q = %+v, %v; want %s", id, k, err, want)
		}
	}
	if _, err := sentry.Platform.Key(nil, []byte("not json")); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Key(not json) = %v, want ErrInvalid", err)
	}
}

// TestNormalizeNeedsResource: the body does not name its resource, so a
// request without Sentry-Hook-Resource cannot be typed.
func TestNormalizeNeedsResource(t *testing.T) {
	t.Parallel()
	_, err := platformtest.Normalize(sentry.Platform, map[string]string{}, []byte(`{"action":"created","data":{}}`), platformtest.ReceivedAt)
	if !errors.Is(err, apperr.ErrInvalid) {
		t.Fatalf("Normalize without the resource header = %v, want ErrInvalid", err)
	}
}

// FuzzHeader is the header fuzz target of a sig.HexBody scheme.
func FuzzHeader(f *testing.F) { platformtest.FuzzHexBody(f, sentry.Scheme) }
