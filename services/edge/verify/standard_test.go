package verify

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// The test vector published with the Standard Webhooks specification and
// used by every Svix library.
const (
	stdVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stdVectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	stdVectorTS     = 1614265330
	stdVectorBody   = `{"test": 2432232314}`
	stdVectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestStandardVector(t *testing.T) {
	t.Parallel()
	got, err := SignStandard(stdVectorSecret, stdVectorID, time.Unix(stdVectorTS, 0), []byte(stdVectorBody))
	if err != nil || got != stdVectorSig {
		t.Fatalf("SignStandard = %q, %v; want %q", got, err, stdVectorSig)
	}
	// Both secret forms must verify the vector: senders hand out either.
	for _, secret := range []string{stdVectorSecret, strings.TrimPrefix(stdVectorSecret, "whsec_")} {
		v, err := Standard([]string{secret}, 0)
		if err != nil {
			t.Fatal(err)
		}
		r := Request{
			Header: h("webhook-id", stdVectorID, "webhook-timestamp", "1614265330", "webhook-signature", stdVectorSig),
			Body:   []byte(stdVectorBody),
			Now:    time.Unix(stdVectorTS, 0),
		}
		checkErr(t, v.Verify(r), "")
	}
}

func TestStandardBadSecret(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"whsec_not base64",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", // truncated: bad padding
		"whsec_",
		"whpk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // a v1a public key, not supported
		"plain-text-secret",
	} {
		v, err := Standard([]string{stdVectorSecret, s}, 0)
		if !errors.Is(err, apperr.ErrInvalid) || v != nil {
			t.Errorf("Standard(%q) = %v, %v; want error wrapping ErrInvalid", s, v, err)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(s, "whsec_")) && s != "whsec_" {
			t.Errorf("error %q repeats the secret", err)
		}
		if _, err := SignStandard(s, "id", testNow, testBody); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("SignStandard(%q) error = %v, want ErrInvalid", s, err)
		}
	}
}

func TestStandard(t *testing.T) {
	t.Parallel()
	const rotated = "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3Rz"
	v, err := Standard([]string{stdVectorSecret, rotated}, 0)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(secret, id string, body []byte) string {
		s, err := SignStandard(secret, id, testNow, body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := sign(stdVectorSecret, "msg_1", testBody)
	wrong := sign("whsec_b3RoZXIgc2VjcmV0", "msg_1", testBody)
	b64 := strings.TrimPrefix(valid, "v1,")
	ts := "1700000000"
	std := func(name, id, ts, sig, want string) verifyCase {
		return verifyCase{name: name, header: h("webhook-id", id, "webhook-timestamp", ts, "webhook-signature", sig), want: want}
	}
	at := func(c verifyCase, d time.Duration) verifyCase { c.now = testNow.Add(d); return c }

	runCases(t, v, []verifyCase{
		std("valid", "msg_1", ts, valid, ""),
		std("rotation: second secret", "msg_1", ts, sign(rotated, "msg_1", testBody), ""),
		{name: "tampered body", header: h("webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature", valid), body: tamperedBody, want: "no v1 match"},
		std("wrong secret", "msg_1", ts, wrong, "no v1 match"),
		std("id changed, signature kept", "msg_2", ts, valid, "no v1 match"),
		std("timestamp changed, signature kept", "msg_1", "1700000001", valid, "no v1 match"),
		std("missing id", "", ts, valid, "missing id header"),
		std("missing timestamp", "msg_1", "", valid, "missing timestamp header"),
		std("missing signature", "msg_1", ts, "", "missing signature header"),
		{name: "no headers at all", header: http.Header{}, want: "missing id header"},
		std("malformed: bare base64", "msg_1", ts, b64, "no v1 signature"),
		std("malformed: not base64", "msg_1", ts, "v1,!!!", "no v1 signature"),
		std("malformed: hex", "msg_1", ts, "v1,"+strings.Repeat("ab", 32), "no v1 signature"),
		std("malformed: timestamp", "msg_1", "17e8", valid, reasonBadTimestamp),
		// A v1a entry carrying the right bytes must not count.
		std("v1a ignored", "msg_1", ts, "v1a,"+b64, "no v1 signature"),
		std("v1a beside a good v1", "msg_1", ts, "v1a,"+b64+" "+valid, ""),
		std("unknown versions ignored", "msg_1", ts, "v2,"+b64+" x "+valid, ""),
		std("several v1, last matches", "msg_1", ts, wrong+" "+wrong+" "+valid, ""),
		std("several v1, first matches", "msg_1", ts, valid+" "+wrong, ""),
		std("several v1, none matches", "msg_1", ts, wrong+" "+wrong, "no v1 match"),
		std("extra spaces", "msg_1", ts, "  "+wrong+"   "+valid+" ", ""),
		std("comma-separated instead of spaces", "msg_1", ts, wrong+","+valid, "no v1 signature"),
		std("maxEntries entries", "msg_1", ts, strings.Repeat(wrong+" ", maxEntries-1)+valid, ""),
		std("too many entries", "msg_1", ts, strings.Repeat(wrong+" ", maxEntries)+valid, reasonTooMany),
		{
			name:   "svix-* names",
			header: h("svix-id", "msg_1", "svix-timestamp", ts, "svix-signature", valid),
		},
		{
			name:   "svix-* names, bad signature",
			header: h("svix-id", "msg_1", "svix-timestamp", ts, "svix-signature", wrong),
			want:   "no v1 match",
		},
		{
			// Sets are not mixed: with a webhook-* header present the
			// svix-* ones are not consulted.
			name:   "mixed sets",
			header: h("webhook-id", "msg_1", "svix-timestamp", ts, "svix-signature", valid),
			want:   "missing timestamp header",
		},
		{
			name:   "lower-case header map",
			header: map[string][]string{"webhook-id": {"msg_1"}, "webhook-timestamp": {ts}, "webhook-signature": {valid}},
		},
		at(std("exactly 5 minutes old", "msg_1", ts, valid, ""), DefaultStandardTolerance),
		at(std("exactly 5 minutes ahead", "msg_1", ts, valid, ""), -DefaultStandardTolerance),
		at(std("too old", "msg_1", ts, valid, reasonTooOld), DefaultStandardTolerance+time.Second),
		at(std("too far in the future", "msg_1", ts, valid, reasonFuture), -DefaultStandardTolerance-time.Second),
	})
}

// TestStandardKeyIsDecoded: the key is the decoded secret, not its text
// (the mistake that makes a verifier agree with itself and no one else).
func TestStandardKeyIsDecoded(t *testing.T) {
	t.Parallel()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(stdVectorSecret, "whsec_"))
	got := base64.StdEncoding.EncodeToString(mac(key, []byte(stdVectorID+".1614265330."+stdVectorBody)))
	if "v1,"+got != stdVectorSig {
		t.Fatalf("decoded-key MAC = %s, want %s", got, stdVectorSig)
	}
	asText := base64.StdEncoding.EncodeToString(mac([]byte(stdVectorSecret), []byte(stdVectorID+".1614265330."+stdVectorBody)))
	if "v1,"+asText == stdVectorSig {
		t.Fatal("text-keyed MAC matches too; the vector cannot tell the two apart")
	}
}
