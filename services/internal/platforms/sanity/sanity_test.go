package sanity_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sanity"
)

// The vectors of Sanity's toolkit tests (sanity-io/webhook-toolkit,
// test/signature.test.ts): JSON.stringify({_id: 'resume'}) signed with
// "test" at 1633519811129, and JSON.stringify({title: 'GROQ-Hooks are
// neat'}) with "try-me" at 1633518820676.
const (
	resumeBody = `{"_id":"resume"}`
	resumeSig  = "t=1633519811129,v1=tLa470fx7qkLLEcMOcEUFuBbRSkGujyskxrNXcoh0N0"
	neatBody   = `{"title":"GROQ-Hooks are neat"}`
	neatSig    = "t=1633518820676,v1=e7C9h2sfbFfc4V7TEz7PSOp4IoNzl0UdVsBV-1wgdeA"
)

func TestToolkitVectors(t *testing.T) {
	t.Parallel()
	if got := sanity.Signature("try-me", time.UnixMilli(1633518820676), []byte(neatBody)); got != neatSig {
		t.Errorf("Signature = %s, want %s", got, neatSig)
	}
	if got := sanity.Signature("test", time.UnixMilli(1633519811129), []byte(resumeBody)); got != resumeSig {
		t.Errorf("Signature = %s, want %s", got, resumeSig)
	}
	v := sanity.NewVerifier([]string{"test"}, 0)
	at := time.UnixMilli(1633519811129)
	check := func(name, header, body, want string) {
		t.Run(name, func(t *testing.T) {
			r := platform.Request{Header: http.Header{"Sanity-Webhook-Signature": {header}}, Body: []byte(body), Now: at}
			platformtest.CheckErr(t, v.Verify(r), want)
		})
	}
	// The toolkit's cases: valid; timestamp, hash or payload changed; a
	// v5 scheme; a space after the comma.
	check("valid", resumeSig, resumeBody, "")
	check("timestamp changed", strings.Replace(resumeSig, "129,", "128,", 1), resumeBody, sig.ReasonNoV1Match)
	// The toolkit's changed hash only flips the unused low bits of the
	// last character: a spelling no sender produces, refused as malformed
	// (the strict decoder accepts one spelling per signature).
	check("hash changed", strings.Replace(resumeSig, "h0N0", "h0N1", 1), resumeBody, sig.ReasonMalformed)
	check("hash changed in its data", strings.Replace(resumeSig, "tLa4", "tLa5", 1), resumeBody, sig.ReasonNoV1Match)
	check("payload changed", resumeSig, `{"_id":"structure"}`, sig.ReasonNoV1Match)
	check("v5 scheme", strings.Replace(resumeSig, "v1=", "v5=", 1), resumeBody, sig.ReasonMalformed)
	check("space after the comma", strings.Replace(resumeSig, ",", ", ", 1), resumeBody, "")
	check("space instead of the comma", strings.Replace(resumeSig, ",", " ", 1), resumeBody, "")
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := sanity.NewVerifier([]string{"old", "sanity-secret"}, 0)
	valid := sanity.Signature("sanity-secret", platformtest.Now, platformtest.Body)
	_, v1, _ := strings.Cut(valid, ",v1=")
	h := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("sanity-webhook-signature", value), Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		h("valid", valid, ""),
		h("seconds, not milliseconds", "t=1700000000,v1="+v1, sig.ReasonTooOld),
		h("padded", valid+"=", sig.ReasonMalformed),
		h("standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid), sig.ReasonMalformed),
		h("two signatures", valid+",v1="+v1, sig.ReasonMalformed),
		h("v1 first", "v1="+v1+",t=1700000000000", sig.ReasonMalformed),
		h("timestamp only", "t=1700000000000", sig.ReasonMalformed),
		h("timestamp not digits", "t=17e11,v1="+v1, sig.ReasonBadTimestamp),
		{Name: "no header", Want: sig.ReasonNoHeader},
		at(h("5 minutes old", valid, ""), sanity.DefaultTolerance),
		at(h("older", valid, sig.ReasonTooOld), sanity.DefaultTolerance+time.Millisecond),
		at(h("ahead", valid, sig.ReasonFuture), -sanity.DefaultTolerance-time.Millisecond),
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := sanity.Platform.Key(map[string]string{"idempotency-key": "idem-1", "sanity-project-id": "3do82whm"}, nil)
	if err != nil || k.EventID != "idem-1" || k.Source != "3do82whm" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	if k, err := sanity.Platform.Key(map[string]string{"sanity-project-id": "3do82whm"}, []byte(`{"_id":"x"}`)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("no idempotency-key: Key = %+v, %v; want apperr.ErrInvalid", k, err)
	}
}
