package workos_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/workos"
)

const (
	secret  = "workos-secret-primary"
	rotated = "workos-secret-rotated"
	// vector is HMAC-SHA256(secret, "1700000000000."+platformtest.Body),
	// computed with Python's hmac module, so Signature is checked against
	// an independent implementation. WorkOS publishes no fixed vector (its
	// SDK tests sign with the current time).
	vector = "6af618ba30d1832cc3cbd973106c49a7e192c8928b10b5c8290e2731d9f29996"
	ts     = "t=1700000000000"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got, want := workos.Signature(secret, platformtest.Now, platformtest.Body), ts+", v1="+vector; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := workos.NewVerifier([]string{secret, rotated}, 0)
	valid := ts + ", v1=" + vector
	wrong := strings.Repeat("0", 64)
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("WorkOS-Signature", value), Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", valid, ""),
		sh("rotation: second secret", workos.Signature(rotated, platformtest.Now, platformtest.Body), ""),
		{Name: "tampered body", Header: platformtest.H("WorkOS-Signature", valid), Body: platformtest.TamperedBody, Want: "no v1 match"},
		sh("wrong secret", workos.Signature("someone-else", platformtest.Now, platformtest.Body), "no v1 match"),
		{Name: "missing header", Header: platformtest.H("X-Other", valid), Want: "missing WorkOS-Signature header"},
		sh("no space after the comma", ts+",v1="+vector, ""),
		sh("v1 before t", "v1="+vector+", "+ts, ""),
		sh("upper-case hex", ts+", v1="+strings.ToUpper(vector), ""),
		sh("several v1, last matches", ts+", v1="+wrong+", v1="+vector, ""),
		sh("several v1, none matches", ts+", v1="+wrong+", v1="+wrong, "no v1 match"),
		// The signed t is the text as sent: seconds where WorkOS sends
		// milliseconds are a different message.
		sh("t in seconds signs other bytes", "t=1700000000, v1="+vector, sig.ReasonTooOld),
		sh("garbage", "garbage", sig.ReasonMalformed),
		sh("empty item", ts+",, v1="+vector, sig.ReasonMalformed),
		sh("repeated t", ts+", "+ts+", v1="+vector, sig.ReasonMalformed),
		sh("t not a number", "t=abc, v1="+vector, sig.ReasonBadTimestamp),
		sh("signed t", "t=+1700000000000, v1="+vector, sig.ReasonBadTimestamp),
		sh("missing t", "v1="+vector, "missing timestamp"),
		sh("missing v1", ts, "no v1 signature"),
		sh("v0 only", ts+", v0="+vector, "no v1 signature"),
		sh("short v1", ts+", v1="+vector[:63], "no v1 signature"),
		sh("too many items", ts+strings.Repeat(", v1="+wrong, sig.MaxEntries-1)+", v1="+vector, sig.ReasonTooMany),
		at(sh("exactly tolerance old", valid, ""), workos.DefaultTolerance),
		at(sh("exactly tolerance ahead", valid, ""), -workos.DefaultTolerance),
		at(sh("too old", valid, sig.ReasonTooOld), workos.DefaultTolerance+time.Millisecond),
		at(sh("too far ahead", valid, sig.ReasonFuture), -workos.DefaultTolerance-time.Millisecond),
	})
	// The window is the caller's when set.
	wide := workos.NewVerifier([]string{secret}, 10*time.Minute)
	if err := wide.Verify(platform.Request{Header: platformtest.H("WorkOS-Signature", valid), Body: platformtest.Body, Now: platformtest.Now.Add(9 * time.Minute)}); err != nil {
		t.Errorf("a 10-minute window refused a 9-minute-old request: %v", err)
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// WorkOS-Signature parser, with an oracle of its own: some t item and some
// v1 item, which must be the HMAC of "<t>.<body>" for that exact t.
func FuzzHeader(f *testing.F) {
	valid := workos.Signature(platformtest.FuzzKnown, platformtest.Now, platformtest.Body)
	for _, s := range []string{
		valid,
		strings.ReplaceAll(valid, " ", ""),
		"t=1700000000000, v0=" + vector,
		valid + strings.Repeat(",v1=", 20),
		"t=+1700000000000, v1=" + vector,
		"", ",", "=", "t=", "garbage",
	} {
		f.Add(s, platformtest.Body)
	}
	known := workos.NewVerifier([]string{platformtest.FuzzKnown}, 0)
	unknowable := workos.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		r := platform.Request{Header: http.Header{"Workos-Signature": {header}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		items := strings.Split(header, ",")
		for _, ti := range items {
			tv, ok := strings.CutPrefix(strings.Trim(ti, " \t"), "t=")
			if !ok {
				continue
			}
			want := hex.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), tv, ".", string(body)))
			for _, si := range items {
				if strings.EqualFold(strings.Trim(si, " \t"), "v1="+want) {
					return
				}
			}
		}
		t.Fatalf("accepted without a valid v1: %q", header)
	})
}
