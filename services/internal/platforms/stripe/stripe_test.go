package stripe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
)

const (
	stripeSecret  = "whsec_test_primary"
	stripeRotated = "whsec_test_rotated"
	// stripeVector is HMAC-SHA256("whsec_test_primary",
	// "1700000000."+platformtest.Body) computed with Python's hmac module,
	// so Signature is checked against an independent implementation.
	stripeVector = "977dd8ac9444f373964e7f33470f213bf663b62011b3dabaaf62ad846f6f56c5"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got, want := stripe.Signature(stripeSecret, platformtest.Now, platformtest.Body), "t=1700000000,v1="+stripeVector; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := stripe.NewVerifier([]string{stripeSecret, stripeRotated}, 0)
	valid := stripe.Signature(stripeSecret, platformtest.Now, platformtest.Body)
	_, v1, _ := strings.Cut(valid, ",v1=")
	wrong := strings.Repeat("0", 64)
	ts := "t=1700000000"
	sh := func(v string) platformtest.Case {
		return platformtest.Case{Header: platformtest.H("Stripe-Signature", v)}
	}
	with := func(c platformtest.Case, name, want string) platformtest.Case { c.Name, c.Want = name, want; return c }
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}

	platformtest.RunCases(t, v, []platformtest.Case{
		with(sh(valid), "valid", ""),
		with(sh(stripe.Signature(stripeRotated, platformtest.Now, platformtest.Body)), "rotation: second secret", ""),
		{Name: "tampered body", Header: platformtest.H("Stripe-Signature", valid), Body: platformtest.TamperedBody, Want: "no v1 match"},
		with(sh(stripe.Signature("whsec_someone_else", platformtest.Now, platformtest.Body)), "wrong secret", "no v1 match"),
		with(sh(stripe.Signature("test_primary", platformtest.Now, platformtest.Body)), "key without whsec_ prefix", "no v1 match"),
		{Name: "missing header", Header: platformtest.H("X-Other", valid), Want: "missing Stripe-Signature header"},
		with(sh("garbage"), "malformed: no =", sig.ReasonMalformed),
		with(sh(valid+","), "malformed: trailing comma", sig.ReasonMalformed),
		with(sh(ts+",,v1="+v1), "malformed: empty item", sig.ReasonMalformed),
		with(sh(ts+","+ts+",v1="+v1), "malformed: repeated t", sig.ReasonMalformed),
		with(sh("t=abc,v1="+v1), "malformed: t not a number", sig.ReasonBadTimestamp),
		with(sh("t=+1700000000,v1="+v1), "malformed: signed t", sig.ReasonBadTimestamp),
		with(sh("t=,v1="+v1), "malformed: empty t", sig.ReasonBadTimestamp),
		with(sh("v1="+v1), "missing t", "missing timestamp"),
		with(sh(ts), "missing v1", "no v1 signature"),
		// v0 carries a correct HMAC: it would pass if v0 counted.
		with(sh(ts+",v0="+v1), "v0 only is rejected", "no v1 signature"),
		with(sh(ts+",v2="+v1), "unknown scheme only is rejected", "no v1 signature"),
		with(sh(ts+",V1="+v1), "scheme names are case-sensitive", "no v1 signature"),
		with(sh(ts+",v1="+v1[:63]), "short v1 ignored", "no v1 signature"),
		with(sh(ts+",v1="+v1[:62]+"zz"), "non-hex v1 ignored", "no v1 signature"),
		with(sh(ts+",v1="+wrong+",v1="+v1), "several v1, last matches", ""),
		with(sh(ts+",v1="+v1+",v1="+wrong), "several v1, first matches", ""),
		with(sh(ts+",v1="+wrong+",v1="+wrong), "several v1, none matches", "no v1 match"),
		with(sh(ts+",v1=zz,v1="+v1+",v0="+wrong), "bad v1 and v0 beside a good v1", ""),
		with(sh("v1="+v1+","+ts), "t after v1", ""),
		with(sh(ts+", v1="+v1), "space after comma", ""),
		with(sh(" "+ts+" ,\tv1="+v1+" "), "spaces and tabs around items", ""),
		with(sh(ts+",v1="+strings.ToUpper(v1)), "upper-case hex decodes to the same bytes", ""),
		with(sh(ts+",v1= "+v1), "space inside an item", "no v1 signature"),
		with(sh(ts+strings.Repeat(",v1="+wrong, sig.MaxEntries-2)+",v1="+v1), "sig.MaxEntries items", ""),
		with(sh(ts+strings.Repeat(",v1="+wrong, sig.MaxEntries-1)+",v1="+v1), "too many items", sig.ReasonTooMany),
		with(at(sh(valid), stripe.DefaultTolerance), "exactly tolerance old", ""),
		with(at(sh(valid), -stripe.DefaultTolerance), "exactly tolerance ahead", ""),
		with(at(sh(valid), stripe.DefaultTolerance+time.Second), "too old", sig.ReasonTooOld),
		with(at(sh(valid), -stripe.DefaultTolerance-time.Second), "too far in the future", sig.ReasonFuture),
		with(at(sh(valid), 24*time.Hour), "a day old", sig.ReasonTooOld),
		with(sh("t=1700000001,v1="+v1), "t changed, signature kept", "no v1 match"),
		{Name: "lower-case header name", Header: map[string][]string{"stripe-signature": {valid}}, Want: ""},
	})
}

func TestCustomTolerance(t *testing.T) {
	t.Parallel()
	v := stripe.NewVerifier([]string{stripeSecret}, 10*time.Second)
	hd := platformtest.H("Stripe-Signature", stripe.Signature(stripeSecret, platformtest.Now, platformtest.Body))
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body, Now: platformtest.Now.Add(10 * time.Second)}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body, Now: platformtest.Now.Add(11 * time.Second)}), sig.ReasonTooOld)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body, Now: platformtest.Now.Add(-11 * time.Second)}), sig.ReasonFuture)
}
