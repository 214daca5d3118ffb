// Package platformtest runs the tests every platform package must pass,
// the same way for each: Run (verification: valid, rotation, tampered
// body, wrong secret, malformed header, outside the window), Goldens (the
// normalization of testdata/normalize inputs equals their golden outputs)
// and FuzzVerify and FuzzNormalize (no input panics; failures are
// classified). A platform's own tests add its particular cases with
// RunCases.
package platformtest

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// defaultKeys are the secrets of platforms that leave TestKeys nil.
var defaultKeys = []platform.KeyPair{
	{Sign: "platformtest-primary", Verify: "platformtest-primary"},
	{Sign: "platformtest-rotated", Verify: "platformtest-rotated"},
	{Sign: "platformtest-stranger", Verify: "platformtest-stranger"},
}

// Keys returns p's test key pairs: primary, rotated, stranger.
func Keys(t testing.TB, p platform.Platform) []platform.KeyPair {
	t.Helper()
	if p.TestKeys == nil {
		return defaultKeys
	}
	if len(p.TestKeys) != 3 {
		t.Fatalf("%s: TestKeys has %d pairs, want primary, rotated and stranger", p.Name, len(p.TestKeys))
	}
	return p.TestKeys
}

// Signed is a request signed as p's sender would: the default sample
// with the signature headers.
type Signed struct {
	// Request is what the edge would see.
	Request platform.Request
	// SigHeaders are the names of the headers Sign set.
	SigHeaders []string
}

// Sign builds p's default sample with a fresh id and signs it with key at
// now, as `hookmesh send` does.
func Sign(t testing.TB, p platform.Platform, key string, now time.Time) Signed {
	t.Helper()
	tmpl, ok := p.Samples.Templates[p.Samples.Default]
	if !ok {
		t.Fatalf("%s: no template for the default sample %q", p.Name, p.Samples.Default)
	}
	id := p.Samples.NewID(now)
	body, h := tmpl(id, now)
	if h == nil {
		h = http.Header{}
	}
	if p.Samples.IDHeaders != nil {
		for k, vs := range p.Samples.IDHeaders(id) {
			h[k] = vs
		}
	}
	url := platform.DefaultURL(p.Name)
	sigH, signed, err := p.Sign(platform.SignInput{Secret: key, Now: now, ID: id, Body: []byte(body), Method: http.MethodPost, URL: url})
	if err != nil {
		t.Fatalf("%s: Sign: %v", p.Name, err)
	}
	var names []string
	for k, vs := range sigH {
		h[k] = vs
		names = append(names, k)
	}
	return Signed{
		Request:    platform.Request{Header: h, Body: signed, Now: now, Method: http.MethodPost, URL: url},
		SigHeaders: names,
	}
}

// Verifier returns p's verifier of the given keys' verifying halves, at
// p's default tolerance.
func Verifier(t testing.TB, p platform.Platform, keys ...platform.KeyPair) platform.Verifier {
	t.Helper()
	secrets := make([]string, len(keys))
	for i, k := range keys {
		secrets[i] = k.Verify
	}
	v, err := p.NewVerifier(secrets, 0)
	if err != nil {
		t.Fatalf("%s: NewVerifier: %v", p.Name, err)
	}
	return v
}

// Run checks p's verifier against its signer with the standard cases:
// a valid request, one signed by the rotated secret, a tampered body
// (unless p.BodyUnsigned), a
// stranger's secret, malformed and missing signature headers, and (when
// p signs a timestamp) requests outside the window. Each failure must be a
// *platform.Error wrapping apperr.ErrUnauthenticated.
func Run(t *testing.T, p platform.Platform) {
	t.Helper()
	keys := Keys(t, p)
	v := Verifier(t, p, keys[0], keys[1])
	now := Now
	check := func(name string, r platform.Request, ok bool) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			err := v.Verify(r)
			switch {
			case ok && err != nil:
				t.Fatalf("Verify = %v, want success", err)
			case !ok && err == nil:
				t.Fatal("Verify accepted it")
			case !ok:
				var pe *platform.Error
				if !errors.As(err, &pe) || !errors.Is(err, apperr.ErrUnauthenticated) || pe.Platform != p.Name || pe.Reason == "" {
					t.Fatalf("Verify = %T %v, want a %s *platform.Error wrapping ErrUnauthenticated", err, err, p.Name)
				}
			}
		})
	}
	valid := Sign(t, p, keys[0].Sign, now)
	check("valid", valid.Request, true)
	check("rotation: second secret", Sign(t, p, keys[1].Sign, now).Request, true)
	if !p.BodyUnsigned {
		tampered := valid.Request
		tampered.Body = Tamper(valid.Request.Body)
		check("tampered body", tampered, false)
	}
	check("wrong secret", Sign(t, p, keys[2].Sign, now).Request, false)
	if len(valid.SigHeaders) > 0 {
		malformed := valid.Request
		malformed.Header = valid.Request.Header.Clone()
		missing := valid.Request
		missing.Header = valid.Request.Header.Clone()
		for _, k := range valid.SigHeaders {
			malformed.Header.Set(k, "garbage")
			missing.Header.Del(k)
		}
		check("malformed signature headers", malformed, false)
		check("missing signature headers", missing, false)
	}
	if p.DefaultTolerance > 0 {
		late := valid.Request
		late.Now = now.Add(p.DefaultTolerance + time.Minute)
		check("outside the window: too old", late, false)
		inside := valid.Request
		inside.Now = now.Add(p.DefaultTolerance - time.Second)
		check("inside the window", inside, true)
	}
}

// Tamper returns body with one byte changed: a letter or digit near the
// middle, so the body keeps its shape (JSON stays JSON) and only the
// signature can tell.
func Tamper(body []byte) []byte {
	b := bytes.Clone(body)
	for i := len(b) / 2; i < len(b); i++ {
		if c := b[i]; strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", c) >= 0 {
			switch {
			case c == 'z' || c == 'Z' || c == '9':
				b[i]--
			default:
				b[i]++
			}
			return b
		}
	}
	return append(b, ' ')
}
