package segment_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/segment"
)

const (
	secret  = "segment-secret-primary"
	rotated = "segment-secret-rotated"
	// vector and batchVector are HMAC-SHA1(secret, ...) in hex of
	// platformtest.Body and of "[" + Body + "]", computed with Python's
	// hmac module, so Signature is checked against an independent
	// implementation.
	vector      = "bc9f675662cbd712d9b2db6ec9ddd4c6a2bfcdb4"
	batchVector = "c12e0fa5531660d006049ba54e0f3dcde68c29fb"
)

var batch = []byte("[" + string(platformtest.Body) + "]")

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := segment.Signature(secret, platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
	if got := segment.Signature(secret, batch); got != batchVector {
		t.Errorf("Signature(batch) = %s, want %s", got, batchVector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := segment.NewVerifier([]string{secret, rotated})
	legacy := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Signature", value), Want: want}
	}
	full := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Segment-Signature", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		legacy("X-Signature: valid", vector, ""),
		full("X-Segment-Signature: valid", vector, ""),
		legacy("rotation: second secret", segment.Signature(rotated, platformtest.Body), ""),
		legacy("upper-case hex decodes to the same bytes", strings.ToUpper(vector), ""),
		{Name: "tampered body", Header: platformtest.H("X-Signature", vector), Body: platformtest.TamperedBody, Want: "no signature match"},
		legacy("wrong secret", segment.Signature("someone-else", platformtest.Body), "no signature match"),
		{Name: "missing headers", Header: platformtest.H("X-Other", vector), Want: "missing X-Segment-Signature or X-Signature header"},
		// A batch signed in X-Signature: Segment's legacy header covers
		// the first event only, so even a correct HMAC of the whole body
		// is refused.
		{Name: "batch with X-Signature only", Header: platformtest.H("X-Signature", batchVector), Body: batch, Want: "batch signed by X-Signature only"},
		{Name: "batch with leading space and X-Signature only", Header: platformtest.H("X-Signature", segment.Signature(secret, []byte(" "+string(batch)))), Body: []byte(" " + string(batch)), Want: "batch signed by X-Signature only"},
		{Name: "batch with X-Segment-Signature", Header: platformtest.H("X-Segment-Signature", batchVector), Body: batch, Want: ""},
		// X-Segment-Signature wins when both are sent: a good legacy
		// signature beside a bad full one does not pass.
		{Name: "both headers, the full one wrong", Header: platformtest.H("X-Segment-Signature", strings.Repeat("0", 40), "X-Signature", vector), Want: "no signature match"},
		legacy("HMAC-SHA256 is not Segment's", hex.EncodeToString(platformtest.OracleMAC([]byte(secret), string(platformtest.Body))), sig.ReasonMalformed),
		legacy("short", vector[:39], sig.ReasonMalformed),
		legacy("not hex", vector[:38]+"zz", sig.ReasonMalformed),
		legacy("sha1= prefix is not Segment's format", "sha1="+vector, sig.ReasonMalformed),
	})
}

// FuzzHeader holds platformtest.CheckFuzz's properties for Segment's two
// headers, with an oracle of its own (crypto/hmac and crypto/sha1 alone):
// an accepted request carries the hex HMAC-SHA1 of the body in
// X-Segment-Signature, or in X-Signature for a body that is not an array.
func FuzzHeader(f *testing.F) {
	valid := segment.Signature(platformtest.FuzzKnown, platformtest.Body)
	for _, s := range []string{valid, strings.ToUpper(valid), " " + valid, valid[:39], "", "garbage"} {
		f.Add(s, false, platformtest.Body)
		f.Add(s, true, platformtest.Body)
	}
	f.Add(segment.Signature(platformtest.FuzzKnown, batch), false, batch)
	f.Add(segment.Signature(platformtest.FuzzKnown, batch), true, batch)
	known := segment.NewVerifier([]string{platformtest.FuzzKnown})
	unknowable := segment.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, header string, full bool, body []byte) {
		name := "X-Signature"
		if full {
			name = "X-Segment-Signature"
		}
		r := platform.Request{Header: http.Header{name: {header}}, Body: body}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		m := hmac.New(sha1.New, []byte(platformtest.FuzzKnown))
		m.Write(body)
		if want := hex.EncodeToString(m.Sum(nil)); !strings.EqualFold(header, want) {
			t.Fatalf("accepted %q, want the HMAC %s", header, want)
		}
		if !full && strings.HasPrefix(strings.TrimLeft(string(body), " \t\r\n"), "[") {
			t.Fatalf("accepted a batch under X-Signature")
		}
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := segment.Platform.Key(nil, []byte(`{"type":"identify","messageId":"022bb90c-bbac-11e4-8dfc-aa07a5b093db"}`))
	if err != nil || k.EventID != "022bb90c-bbac-11e4-8dfc-aa07a5b093db" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	for _, b := range []string{`{"messageId":1}`, `[{"messageId":"a"}]`, `not json`} {
		if _, err := segment.Platform.Key(nil, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %v, want ErrInvalid", b, err)
		}
	}
}

// TestNormalizeRefusesBatches: a batch is one webhook of several calls;
// it is refused with a reason rather than normalized as its first call.
func TestNormalizeRefusesBatches(t *testing.T) {
	t.Parallel()
	_, err := platformtest.Normalize(segment.Platform, map[string]string{}, []byte(`[{"type":"identify","messageId":"m1"}]`), platformtest.ReceivedAt)
	if !errors.Is(err, apperr.ErrInvalid) || !strings.Contains(err.Error(), "batching") {
		t.Fatalf("Normalize(batch) = %v, want ErrInvalid naming batching", err)
	}
}
