package stdwebhooks_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
	"github.com/hookmesh/hookmesh/services/internal/platforms/clerk"
	"github.com/hookmesh/hookmesh/services/internal/platforms/resend"
	"github.com/hookmesh/hookmesh/services/internal/platforms/svix"
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

// std is the scheme under the specification's names, as the standard
// platform uses it.
var std = stdwebhooks.Scheme{Name: "standard", Names: stdwebhooks.WebhookNames}

func mustVerifier(tb testing.TB, secrets ...string) platform.Verifier {
	tb.Helper()
	v, err := std.NewVerifier(secrets, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestStandardVector(t *testing.T) {
	t.Parallel()
	got, err := stdwebhooks.Signature(stdVectorSecret, stdVectorID, time.Unix(stdVectorTS, 0), []byte(stdVectorBody))
	if err != nil || got != stdVectorSig {
		t.Fatalf("Signature = %q, %v; want %q", got, err, stdVectorSig)
	}
	// Both secret forms must verify the vector: senders hand out either.
	for _, secret := range []string{stdVectorSecret, strings.TrimPrefix(stdVectorSecret, "whsec_")} {
		v := mustVerifier(t, secret)
		r := platform.Request{
			Header: platformtest.H("webhook-id", stdVectorID, "webhook-timestamp", "1614265330", "webhook-signature", stdVectorSig),
			Body:   []byte(stdVectorBody),
			Now:    time.Unix(stdVectorTS, 0),
		}
		platformtest.CheckErr(t, v.Verify(r), "")
	}
}

// The vector verifies under the svix-* names for each platform that sends
// them, and a failure names that platform.
func TestStandardFamilyVector(t *testing.T) {
	t.Parallel()
	for _, p := range []platform.Platform{svix.Platform, clerk.Platform, resend.Platform} {
		v, err := p.NewVerifier([]string{stdVectorSecret}, 0)
		if err != nil {
			t.Fatal(err)
		}
		hd := platformtest.H("svix-id", stdVectorID, "svix-timestamp", "1614265330", "svix-signature", stdVectorSig)
		err = v.Verify(platform.Request{Header: hd, Body: []byte(stdVectorBody), Now: time.Unix(stdVectorTS, 0)})
		platformtest.CheckErr(t, err, "")
		bad := v.Verify(platform.Request{Header: hd, Body: []byte(stdVectorBody + " "), Now: time.Unix(stdVectorTS, 0)})
		if e, ok := bad.(*platform.Error); !ok || e.Platform != p.Name {
			t.Errorf("%s failure names platform %v", p.Name, bad)
		}
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
		v, err := std.NewVerifier([]string{stdVectorSecret, s}, 0)
		if !errors.Is(err, apperr.ErrInvalid) || v != nil {
			t.Errorf("NewVerifier(%q) = %v, %v; want error wrapping ErrInvalid", s, v, err)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(s, "whsec_")) && s != "whsec_" {
			t.Errorf("error %q repeats the secret", err)
		}
		if _, err := stdwebhooks.Signature(s, "id", platformtest.Now, platformtest.Body); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Signature(%q) error = %v, want ErrInvalid", s, err)
		}
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	in := platform.SignInput{Secret: stdVectorSecret, Now: time.Unix(stdVectorTS, 0), ID: stdVectorID, Body: []byte(stdVectorBody)}
	for _, s := range []stdwebhooks.Scheme{std, {Name: "svix", Names: stdwebhooks.SvixNames}} {
		hd, body, err := s.Sign(in)
		if err != nil || string(body) != stdVectorBody {
			t.Fatalf("%s: Sign = %v, %q", s.Name, err, body)
		}
		want := platformtest.H(s.Names.ID, stdVectorID, s.Names.Timestamp, "1614265330", s.Names.Signature, stdVectorSig)
		for k := range want {
			if hd.Get(k) != want.Get(k) {
				t.Errorf("%s: %s = %q, want %q", s.Name, k, hd.Get(k), want.Get(k))
			}
		}
		if len(hd) != len(want) {
			t.Errorf("%s: headers %v, want %v", s.Name, hd, want)
		}
	}
	noID := in
	noID.ID = ""
	if _, _, err := std.Sign(noID); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Sign without an id: %v, want ErrInvalid", err)
	}
	bad := in
	bad.Secret = "whsec_%%%"
	if _, _, err := std.Sign(bad); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Sign under a bad secret: %v, want ErrInvalid", err)
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		headers map[string]string
		want    string
	}{
		{map[string]string{"webhook-id": "msg_1"}, "msg_1"},
		{map[string]string{"svix-id": "msg_2"}, "msg_2"},
		{map[string]string{"webhook-id": "msg_3", "svix-id": "x"}, "msg_3"},
		{map[string]string{}, ""},
	} {
		k, err := stdwebhooks.Key(c.headers, nil)
		if err != nil || k.EventID != c.want || k.Source != "" {
			t.Errorf("Key(%v) = %+v, %v; want %q", c.headers, k, err, c.want)
		}
	}
}

func TestStandard(t *testing.T) {
	t.Parallel()
	const rotated = "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3Rz"
	v := mustVerifier(t, stdVectorSecret, rotated)
	sign := func(secret, id string, body []byte) string {
		s, err := stdwebhooks.Signature(secret, id, platformtest.Now, body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := sign(stdVectorSecret, "msg_1", platformtest.Body)
	wrong := sign("whsec_b3RoZXIgc2VjcmV0", "msg_1", platformtest.Body)
	b64 := strings.TrimPrefix(valid, "v1,")
	ts := "1700000000"
	h := platformtest.H
	c := func(name, id, ts, sig, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: h("webhook-id", id, "webhook-timestamp", ts, "webhook-signature", sig), Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	tol := stdwebhooks.DefaultTolerance

	platformtest.RunCases(t, v, []platformtest.Case{
		c("valid", "msg_1", ts, valid, ""),
		c("rotation: second secret", "msg_1", ts, sign(rotated, "msg_1", platformtest.Body), ""),
		{Name: "tampered body", Header: h("webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature", valid), Body: platformtest.TamperedBody, Want: "no v1 match"},
		c("wrong secret", "msg_1", ts, wrong, "no v1 match"),
		c("id changed, signature kept", "msg_2", ts, valid, "no v1 match"),
		c("timestamp changed, signature kept", "msg_1", "1700000001", valid, "no v1 match"),
		c("missing id", "", ts, valid, "missing id header"),
		c("missing timestamp", "msg_1", "", valid, "missing timestamp header"),
		c("missing signature", "msg_1", ts, "", "missing signature header"),
		{Name: "no headers at all", Header: http.Header{}, Want: "missing id header"},
		c("malformed: bare base64", "msg_1", ts, b64, "no v1 signature"),
		c("malformed: not base64", "msg_1", ts, "v1,!!!", "no v1 signature"),
		c("malformed: hex", "msg_1", ts, "v1,"+strings.Repeat("ab", 32), "no v1 signature"),
		c("malformed: timestamp", "msg_1", "17e8", valid, sig.ReasonBadTimestamp),
		// A v1a entry carrying the right bytes must not count.
		c("v1a ignored", "msg_1", ts, "v1a,"+b64, "no v1 signature"),
		c("v1a beside a good v1", "msg_1", ts, "v1a,"+b64+" "+valid, ""),
		c("unknown versions ignored", "msg_1", ts, "v2,"+b64+" x "+valid, ""),
		c("several v1, last matches", "msg_1", ts, wrong+" "+wrong+" "+valid, ""),
		c("several v1, first matches", "msg_1", ts, valid+" "+wrong, ""),
		c("several v1, none matches", "msg_1", ts, wrong+" "+wrong, "no v1 match"),
		c("extra spaces", "msg_1", ts, "  "+wrong+"   "+valid+" ", ""),
		c("comma-separated instead of spaces", "msg_1", ts, wrong+","+valid, "no v1 signature"),
		c("MaxEntries entries", "msg_1", ts, strings.Repeat(wrong+" ", sig.MaxEntries-1)+valid, ""),
		c("too many entries", "msg_1", ts, strings.Repeat(wrong+" ", sig.MaxEntries)+valid, sig.ReasonTooMany),
		{
			Name:   "svix-* names",
			Header: h("svix-id", "msg_1", "svix-timestamp", ts, "svix-signature", valid),
		},
		{
			Name:   "svix-* names, bad signature",
			Header: h("svix-id", "msg_1", "svix-timestamp", ts, "svix-signature", wrong),
			Want:   "no v1 match",
		},
		{
			// Sets are not mixed: with a webhook-* header present the
			// svix-* ones are not consulted.
			Name:   "mixed sets",
			Header: h("webhook-id", "msg_1", "svix-timestamp", ts, "svix-signature", valid),
			Want:   "missing timestamp header",
		},
		{
			Name:   "lower-case header map",
			Header: map[string][]string{"webhook-id": {"msg_1"}, "webhook-timestamp": {ts}, "webhook-signature": {valid}},
		},
		at(c("exactly 5 minutes old", "msg_1", ts, valid, ""), tol),
		at(c("exactly 5 minutes ahead", "msg_1", ts, valid, ""), -tol),
		at(c("too old", "msg_1", ts, valid, sig.ReasonTooOld), tol+time.Second),
		at(c("too far in the future", "msg_1", ts, valid, sig.ReasonFuture), -tol-time.Second),
	})
}

// TestStandardKeyIsDecoded: the key is the decoded secret, not its text
// (the mistake that makes a verifier agree with itself and no one else).
func TestStandardKeyIsDecoded(t *testing.T) {
	t.Parallel()
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(stdVectorSecret, "whsec_"))
	got := base64.StdEncoding.EncodeToString(platformtest.OracleMAC(key, stdVectorID+".1614265330."+stdVectorBody))
	if "v1,"+got != stdVectorSig {
		t.Fatalf("decoded-key MAC = %s, want %s", got, stdVectorSig)
	}
	asText := base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(stdVectorSecret), stdVectorID+".1614265330."+stdVectorBody))
	if "v1,"+asText == stdVectorSig {
		t.Fatal("text-keyed MAC matches too; the vector cannot tell the two apart")
	}
}

func TestTolerance(t *testing.T) {
	t.Parallel()
	// The documented value; changing it changes what the edge accepts.
	if stdwebhooks.DefaultTolerance != 300*time.Second {
		t.Errorf("DefaultTolerance = %v", stdwebhooks.DefaultTolerance)
	}
}
