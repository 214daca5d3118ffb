package whsec

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The vector the Standard Webhooks repository publishes with its libraries
// (libraries/go/webhook_test.go, TestWebhookSign; the same in every
// language): secret, message id, timestamp, body and the signature.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTS     = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignPublishedVector(t *testing.T) {
	t.Parallel()
	key, err := Parse(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign([][]byte{key}, vectorID, vectorTS, []byte(vectorBody)); got != vectorSig {
		t.Fatalf("Sign = %q, want the published %q", got, vectorSig)
	}
}

// verify is the receiving side as the specification describes it, written
// here from the text and not from Sign: split the header on spaces, keep
// the v1 entries, and compare each in constant time with the HMAC-SHA256
// of "id.timestamp.body" under the base64-decoded secret.
func verify(secret, id, ts, body, header string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + body))
	want := mac.Sum(nil)
	for _, entry := range strings.Fields(header) {
		v, sig, ok := strings.Cut(entry, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// TestSignRotation: with two secrets each one alone verifies the header
// (a receiver that has only the old or only the new one), and a third
// does not.
func TestSignRotation(t *testing.T) {
	t.Parallel()
	const old, next, other = vectorSecret, "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3RzIG9ubHk=", "whsec_dW5yZWxhdGVkIHNlY3JldCBmb3IgdGhlIHRlc3Q="
	var keys [][]byte
	for _, s := range []string{old, next} {
		k, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		keys = append(keys, k)
	}
	const id, ts, body = "3b5f4ab6-8f0e-4a43-9c34-2d6c1a0f7e11", 1765000000, `{"event_id":"evt_1"}`
	h := Sign(keys, id, ts, []byte(body))
	if n := len(strings.Split(h, " ")); n != 2 {
		t.Fatalf("header %q has %d entries, want 2", h, n)
	}
	tsText := strconv.Itoa(ts)
	for _, s := range []string{old, next} {
		if !verify(s, id, tsText, body, h) {
			t.Errorf("secret %s does not verify %q", s, h)
		}
	}
	if verify(other, id, tsText, body, h) {
		t.Error("an unrelated secret verifies")
	}
	// Every signed part counts.
	for _, c := range [][3]string{{id + "x", tsText, body}, {id, strconv.Itoa(ts + 1), body}, {id, tsText, body + " "}} {
		if verify(old, c[0], c[1], c[2], h) {
			t.Errorf("%v verifies a signature made over something else", c)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",      // no prefix
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", // bad padding
		"whsec_not base64 at all",               // not base64
		"whsec_c2hvcnQ=",                        // 5 bytes
		"whsec_" + strings.Repeat("QUFB", 22),   // 66 bytes
		"whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // an Ed25519 public key
		"",
	} {
		_, err := Parse(s)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", s, err)
		}
		if err != nil && len(s) > 12 && strings.Contains(err.Error(), s[6:]) {
			t.Errorf("Parse(%q): error %q repeats the secret", s, err)
		}
	}
	if k, err := Parse("whsec_" + strings.Repeat("QUFB", 8)); err != nil || len(k) != 24 {
		t.Errorf("24 bytes: %d, %v", len(k), err)
	}
	if k, err := Parse("whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 64))); err != nil || len(k) != 64 {
		t.Errorf("64 bytes: %d, %v", len(k), err)
	}
}
