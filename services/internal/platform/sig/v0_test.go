package sig_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

// v0 is a V0 scheme under test headers, with the shared reasons.
var v0 = sig.V0{Platform: "v0", Header: "Signature", TimeHeader: "Timestamp"}

func TestV0(t *testing.T) {
	t.Parallel()
	// The signature is "v0=" and the hex HMAC-SHA256 of
	// "v0:<timestamp>:<body>", by the oracle (Slack's published vector is
	// slack.TestSlackVector).
	const secret, ts, body = "8f742231b10e8888abcd99yyyzzz85a5", "1531420618", "token=x"
	want := "v0=" + hex.EncodeToString(platformtest.OracleMAC([]byte(secret), "v0:", ts, ":", body))
	s, gotTS := v0.Signature(secret, time.Unix(1531420618, 0), []byte(body))
	if s != want || gotTS != ts {
		t.Fatalf("Signature = %s, %s; want %s, %s", s, gotTS, want, ts)
	}
	h, _, _ := v0.Sign(platform.SignInput{Secret: secret, Now: time.Unix(1531420618, 0), Body: []byte(body)})
	if h.Get("Signature") != want || h.Get("Timestamp") != ts {
		t.Errorf("Sign = %v", h)
	}

	signed, now := "v0="+hex.EncodeToString(platformtest.OracleMAC([]byte(secret), "v0:1700000000:", string(platformtest.Body))), "1700000000"
	c := func(name, signature, ts, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Signature", signature, "Timestamp", ts), Want: want}
	}
	platformtest.RunCases(t, v0.Verifier([]string{"other", secret}, time.Minute), []platformtest.Case{
		c("valid, second secret", signed, now, ""),
		c("upper-case hex", "v0="+strings.ToUpper(signed[3:]), now, ""),
		c("timestamp changed", signed, "1700000001", sig.ReasonNoV0Match),
		c("other version", "v1="+signed[3:], now, sig.ReasonMalformed),
		c("short", signed[:len(signed)-2], now, sig.ReasonMalformed),
		c("signed timestamp not digits", signed, "+1700000000", sig.ReasonBadTimestamp),
		c("no timestamp", signed, "", sig.ReasonNoTimestamp),
		c("no signature", "", now, sig.ReasonNoHeader),
		c("too old", signed, "1699999939", sig.ReasonTooOld),
	})
	platformtest.RunCases(t, v0.Verifier([]string{""}, time.Minute), []platformtest.Case{c("no secrets", signed, now, sig.ReasonNoSecrets)})

	// A platform's own reasons (Slack's).
	own := v0
	own.MissingHeader, own.MissingTimestamp, own.UnsupportedVersion = "no sig", "no ts", "unsupported"
	platformtest.RunCases(t, own.Verifier([]string{secret}, time.Minute), []platformtest.Case{
		c("valid, own reasons", signed, now, ""),
		c("no signature, own reason", "", now, "no sig"),
		c("no timestamp, own reason", signed, "", "no ts"),
		c("other version, own reason", "v1="+signed[3:], now, "unsupported"),
		c("no version, own reason", signed[3:], now, "unsupported"),
		c("v0 but short, shared reason", signed[:len(signed)-2], now, sig.ReasonMalformed),
	})
}

// TestV0Signer: the signer returned is the secret that signed.
func TestV0Signer(t *testing.T) {
	t.Parallel()
	v := v0.Verifier([]string{"a", "b"}, time.Minute)
	s, ts := v0.Signature("b", platformtest.Now, platformtest.Body)
	k, err := v.Signer(platform.Request{Header: platformtest.H("Signature", s, "Timestamp", ts), Body: platformtest.Body, Now: platformtest.Now})
	if err != nil || !bytes.Equal(k, []byte("b")) {
		t.Errorf("Signer = %q, %v; want b", k, err)
	}
}

// FuzzV0 is V0's header fuzz target (platformtest.FuzzV0) under the
// shared reasons; Slack and Zoom fuzz their own schemes with it.
func FuzzV0(f *testing.F) { platformtest.FuzzV0(f, v0) }
