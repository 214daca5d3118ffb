package vercel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/vercel"
)

const (
	secret  = "vercel-secret-primary"
	rotated = "vercel-secret-rotated"
	// vector is HMAC-SHA1(secret, platformtest.Body) in hex, computed with
	// Python's hmac module, so Signature is checked against an independent
	// implementation.
	vector = "07f3929dbb582c32bfa81046ca6a04cd7a44c565"
	// sha256Vector is HMAC-SHA256 of the same: the right key and body
	// under the wrong algorithm.
	sha256Vector = "55a30146e8785355c5ff4a8b9262707977805890ae761d0a0e2a8d29d49aeb05"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := vercel.Signature(secret, platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := vercel.NewVerifier([]string{secret, rotated})
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("x-vercel-signature", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", vector, ""),
		sh("rotation: second secret", vercel.Signature(rotated, platformtest.Body), ""),
		sh("upper-case hex decodes to the same bytes", strings.ToUpper(vector), ""),
		{Name: "tampered body", Header: platformtest.H("x-vercel-signature", vector), Body: platformtest.TamperedBody, Want: "no signature match"},
		sh("wrong secret", vercel.Signature("someone-else", platformtest.Body), "no signature match"),
		{Name: "missing header", Header: platformtest.H("X-Other", vector), Want: "missing X-Vercel-Signature header"},
		sh("HMAC-SHA256 is not Vercel's", sha256Vector, sig.ReasonMalformed),
		sh("sha1= prefix is not Vercel's format", "sha1="+vector, sig.ReasonMalformed),
		sh("short", vector[:39], sig.ReasonMalformed),
		sh("not hex", vector[:38]+"zz", sig.ReasonMalformed),
		sh("space around", vector+" ", sig.ReasonMalformed),
	})
}

// FuzzHeader is the header fuzz target of a sig.HexBody scheme.
func FuzzHeader(f *testing.F) { platformtest.FuzzHexBody(f, vercel.Scheme) }

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := vercel.Platform.Key(nil, []byte(`{"id":"uaWTPVvuBGPGBnvi6Bd1AhGw","type":"deployment.created"}`))
	if err != nil || k.EventID != "uaWTPVvuBGPGBnvi6Bd1AhGw" || k.Source != "" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	for _, b := range []string{`{"id":7}`, `[]`, `not json`} {
		if _, err := vercel.Platform.Key(nil, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %v, want ErrInvalid", b, err)
		}
	}
}
