package verify

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// A platform defined only in configuration: parsed from YAML exactly as
// the edge loads HOOKMESH_SOURCES_FILE, then run through the same cases as
// the presets.
const genericYAML = `
sources:
  - name: acme
    signature:
      header: X-Acme-Signature
      algorithm: hmac-sha512
      encoding: base64
      prefix: "v1="
      content: "{method} {url}\n{id}.{timestamp}.{body}"
      timestamp_header: X-Acme-Timestamp
      timestamp_unit: ms
      tolerance: 2m
      id_header: X-Acme-Delivery
    dedup:
      header: X-Acme-Delivery
    normalize:
      type_path: type
  - name: edsign
    signature:
      header: X-Ed-Signature
      algorithm: ed25519
      encoding: hex
      content: "{timestamp}{body}"
      timestamp_header: X-Ed-Timestamp
    dedup:
      json_path: id
    normalize:
      type_path: type
  - name: plainhex
    signature:
      header: X-Sig
      algorithm: hmac-sha1
    dedup:
      json_path: data.id
    normalize:
      type_path: type
`

func genericSources(t testing.TB) map[string]sources.Source {
	t.Helper()
	ss, err := sources.Parse("test", []byte(genericYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]sources.Source{}
	for _, s := range ss {
		m[s.Name] = s
	}
	return m
}

func TestGenericConformance(t *testing.T) {
	t.Parallel()
	srcs := genericSources(t)
	edPub, edPriv := otherEd25519()
	edPub2, edPriv2 := mustDev(t, "discord") // any other Ed25519 pair
	for _, c := range []struct {
		src                                  sources.Source
		sign, verify, otherSign, otherVerify string
		window                               time.Duration
	}{
		{srcs["acme"], "acme-secret", "acme-secret", "acme-other", "acme-other", 2 * time.Minute},
		{srcs["edsign"], edPriv, edPub, edPriv2, edPub2, DefaultGenericTolerance},
		{srcs["plainhex"], "plain", "plain", "other", "other", 0},
	} {
		t.Run(c.src.Name, func(t *testing.T) {
			t.Parallel()
			sign := func(secret string) Request {
				hd, err := SignGeneric(c.src, secret, SignInput{Now: testNow, ID: "d-1", Body: testBody, URL: testURL, Method: "POST"})
				if err != nil {
					t.Fatal(err)
				}
				return Request{Header: hd, Body: testBody, Now: testNow, URL: testURL, Method: "POST"}
			}
			v, err := Generic(c.src, []string{c.otherVerify, c.verify})
			if err != nil {
				t.Fatal(err)
			}
			good := sign(c.sign)
			checkErr(t, v.Verify(good), "")
			checkErr(t, v.Verify(sign(c.otherSign)), "")

			tampered := good
			tampered.Body = bytes.Replace(testBody, []byte("evt_1"), []byte("evt_9"), 1)
			checkErr(t, v.Verify(tampered), "no signature match")

			only, _ := Generic(c.src, []string{c.verify})
			checkErr(t, only.Verify(sign(c.otherSign)), "no signature match")

			missing := good
			missing.Header = good.Header.Clone()
			missing.Header.Del(c.src.Signature.Header)
			checkErr(t, v.Verify(missing), "missing signature header")

			malformed := good
			malformed.Header = good.Header.Clone()
			malformed.Header.Set(c.src.Signature.Header, c.src.Signature.Prefix+"%%%")
			checkErr(t, v.Verify(malformed), "no usable signature")

			if c.window == 0 {
				return
			}
			for _, w := range []struct {
				d    time.Duration
				want string
			}{{c.window, ""}, {-c.window, ""}, {c.window + time.Second, sig.ReasonTooOld}, {-c.window - time.Second, sig.ReasonFuture}} {
				r := good
				r.Now = testNow.Add(w.d)
				checkErr(t, v.Verify(r), w.want)
			}
		})
	}
}

func TestGenericTemplate(t *testing.T) {
	t.Parallel()
	src := genericSources(t)["acme"]
	v, _ := Generic(src, []string{"k"})
	good, err := SignGeneric(src, "k", SignInput{Now: testNow, ID: "d-1", Body: testBody, URL: testURL})
	if err != nil {
		t.Fatal(err)
	}
	if good.Get("X-Acme-Timestamp") != "1700000000000" || good.Get("X-Acme-Delivery") != "d-1" || !strings.HasPrefix(good.Get("X-Acme-Signature"), "v1=") {
		t.Fatalf("SignGeneric headers = %v", good)
	}
	cases := []struct {
		name string
		mut  func(r *Request)
		want string
	}{
		{"valid", func(*Request) {}, ""},
		{"other id", func(r *Request) { r.Header.Set("X-Acme-Delivery", "d-2") }, "no signature match"},
		{"missing id", func(r *Request) { r.Header.Del("X-Acme-Delivery") }, "missing id header"},
		{"other URL", func(r *Request) { r.URL += "&x" }, "no signature match"},
		{"unknown URL", func(r *Request) { r.URL = "" }, sig.ReasonNoURL},
		{"other method", func(r *Request) { r.Method = "PUT" }, "no signature match"},
		{"missing timestamp", func(r *Request) { r.Header.Del("X-Acme-Timestamp") }, "missing timestamp header"},
		{"seconds instead of ms", func(r *Request) { r.Header.Set("X-Acme-Timestamp", "1700000000") }, sig.ReasonTooOld},
		{"bad timestamp", func(r *Request) { r.Header.Set("X-Acme-Timestamp", "+1700000000000") }, sig.ReasonBadTimestamp},
		{"no prefix", func(r *Request) {
			r.Header.Set("X-Acme-Signature", strings.TrimPrefix(good.Get("X-Acme-Signature"), "v1="))
		}, "no usable signature"},
		{"several entries, space", func(r *Request) { r.Header.Set("X-Acme-Signature", "v1=AAAA v0=x "+good.Get("X-Acme-Signature")) }, ""},
		{"several entries, comma", func(r *Request) { r.Header.Set("X-Acme-Signature", "v1=AAAA,"+good.Get("X-Acme-Signature")) }, ""},
		{"too many entries", func(r *Request) {
			r.Header.Set("X-Acme-Signature", strings.Repeat("v1=AAAA ", sig.MaxEntries)+good.Get("X-Acme-Signature"))
		}, sig.ReasonTooMany},
	}
	for _, c := range cases {
		r := Request{Header: good.Clone(), Body: testBody, Now: testNow, URL: testURL, Method: "POST"}
		c.mut(&r)
		t.Run(c.name, func(t *testing.T) { checkErr(t, v.Verify(r), c.want) })
	}
}

func TestGenericPrefixWithComma(t *testing.T) {
	t.Parallel()
	// A Standard-Webhooks-like source: the prefix "v1," contains the comma,
	// so only white space separates entries.
	src := sources.Source{Name: "stdlike", Signature: sources.Signature{
		Header: "Sig", Algorithm: "hmac-sha256", Encoding: "base64", Prefix: "v1,",
		Content: "{id}.{timestamp}.{body}", TimestampHeader: "Ts", IDHeader: "Id",
	}}
	v, err := Generic(src, []string{"k"})
	if err != nil {
		t.Fatal(err)
	}
	hd, _ := SignGeneric(src, "k", SignInput{Now: testNow, ID: "m", Body: testBody})
	hd.Set("Sig", "v1a,xyz "+hd.Get("Sig"))
	checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: testNow}), "")
}

func TestGenericErrors(t *testing.T) {
	t.Parallel()
	base := sources.Source{Name: "x", Signature: sources.Signature{Header: "S", Algorithm: "hmac-sha256"}}
	if _, err := Generic(base, nil); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("no secrets: %v", err)
	}
	bad := base
	bad.Signature.Algorithm = "md5"
	if _, err := Generic(bad, []string{"k"}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("bad algorithm: %v", err)
	}
	ed := base
	ed.Signature.Algorithm = "ed25519"
	if _, err := Generic(ed, []string{"not a key"}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("bad ed25519 key: %v", err)
	}
	if _, err := SignGeneric(base, "", SignInput{}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("empty secret: %v", err)
	}
	withID := base
	withID.Signature.Content, withID.Signature.IDHeader = "{id}{body}", "I"
	if _, err := SignGeneric(withID, "k", SignInput{}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("signed id missing: %v", err)
	}
	// A configured verifier of an unknown request fails closed.
	v, _ := Generic(base, []string{"k"})
	checkErr(t, v.Verify(Request{Header: http.Header{}}), "missing signature header")
}

// TestConfiguredVerifiers: the file's sources with a secret get a
// Verifier that accepts what SignGeneric signs with that secret and
// refuses another secret's signature; a source without a secret is left
// out; an invalid file is an error.
func TestConfiguredVerifiers(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/sources.yaml"
	doc := `sources:
  - name: acme
    signature: {header: X-Acme-Signature, algorithm: hmac-sha256, prefix: "sha256=", content: "{timestamp}.{body}", timestamp_header: X-Acme-Timestamp}
    dedup: {json_path: id}
  - name: other
    signature: {header: X-Other-Signature, algorithm: hmac-sha256}
    dedup: {json_path: id}
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	vs, err := ConfiguredVerifiers(path, map[string]string{"acme": "acme-secret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs["acme"] == nil {
		t.Fatalf("verifiers = %v, want acme only", vs)
	}
	srcs, err := sources.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	body := []byte(`{"id":"evt_1"}`)
	for secret, wantOK := range map[string]bool{"acme-secret-0123456789": true, "another-secret-0123456789": false} {
		h, err := SignGeneric(srcs[0], secret, SignInput{Now: now, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		err = vs["acme"].Verify(Request{Header: h, Body: body, Now: now, Method: http.MethodPost})
		if (err == nil) != wantOK {
			t.Errorf("secret %q: Verify = %v, want ok %v", secret, err, wantOK)
		}
	}
	if err := os.WriteFile(path, []byte("sources: [{name: BAD}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ConfiguredVerifiers(path, nil); err == nil {
		t.Error("an invalid file was accepted")
	}
}
