package verify

import (
	"strings"
	"testing"
	"time"
)

const (
	stripeSecret  = "whsec_test_primary"
	stripeRotated = "whsec_test_rotated"
	// stripeVector is HMAC-SHA256("whsec_test_primary",
	// "1700000000."+testBody) computed with Python's hmac module, so
	// SignStripe is checked against an independent implementation.
	stripeVector = "977dd8ac9444f373964e7f33470f213bf663b62011b3dabaaf62ad846f6f56c5"
)

func TestSignStripeVector(t *testing.T) {
	t.Parallel()
	if got, want := SignStripe(stripeSecret, testNow, testBody), "t=1700000000,v1="+stripeVector; got != want {
		t.Errorf("SignStripe = %s, want %s", got, want)
	}
}

func TestStripe(t *testing.T) {
	t.Parallel()
	v := Stripe([]string{stripeSecret, stripeRotated}, 0)
	valid := SignStripe(stripeSecret, testNow, testBody)
	_, sig, _ := strings.Cut(valid, ",v1=")
	wrong := strings.Repeat("0", 64)
	ts := "t=1700000000"
	sh := func(v string) verifyCase { return verifyCase{header: h("Stripe-Signature", v)} }
	with := func(c verifyCase, name, want string) verifyCase { c.name, c.want = name, want; return c }
	at := func(c verifyCase, d time.Duration) verifyCase { c.now = testNow.Add(d); return c }

	runCases(t, v, []verifyCase{
		with(sh(valid), "valid", ""),
		with(sh(SignStripe(stripeRotated, testNow, testBody)), "rotation: second secret", ""),
		{name: "tampered body", header: h("Stripe-Signature", valid), body: tamperedBody, want: "no v1 match"},
		with(sh(SignStripe("whsec_someone_else", testNow, testBody)), "wrong secret", "no v1 match"),
		with(sh(SignStripe("test_primary", testNow, testBody)), "key without whsec_ prefix", "no v1 match"),
		{name: "missing header", header: h("X-Other", valid), want: "missing Stripe-Signature header"},
		with(sh("garbage"), "malformed: no =", reasonMalformed),
		with(sh(valid+","), "malformed: trailing comma", reasonMalformed),
		with(sh(ts+",,v1="+sig), "malformed: empty item", reasonMalformed),
		with(sh(ts+","+ts+",v1="+sig), "malformed: repeated t", reasonMalformed),
		with(sh("t=abc,v1="+sig), "malformed: t not a number", reasonBadTimestamp),
		with(sh("t=+1700000000,v1="+sig), "malformed: signed t", reasonBadTimestamp),
		with(sh("t=,v1="+sig), "malformed: empty t", reasonBadTimestamp),
		with(sh("v1="+sig), "missing t", "missing timestamp"),
		with(sh(ts), "missing v1", "no v1 signature"),
		// v0 carries a correct HMAC: it would pass if v0 counted.
		with(sh(ts+",v0="+sig), "v0 only is rejected", "no v1 signature"),
		with(sh(ts+",v2="+sig), "unknown scheme only is rejected", "no v1 signature"),
		with(sh(ts+",V1="+sig), "scheme names are case-sensitive", "no v1 signature"),
		with(sh(ts+",v1="+sig[:63]), "short v1 ignored", "no v1 signature"),
		with(sh(ts+",v1="+sig[:62]+"zz"), "non-hex v1 ignored", "no v1 signature"),
		with(sh(ts+",v1="+wrong+",v1="+sig), "several v1, last matches", ""),
		with(sh(ts+",v1="+sig+",v1="+wrong), "several v1, first matches", ""),
		with(sh(ts+",v1="+wrong+",v1="+wrong), "several v1, none matches", "no v1 match"),
		with(sh(ts+",v1=zz,v1="+sig+",v0="+wrong), "bad v1 and v0 beside a good v1", ""),
		with(sh("v1="+sig+","+ts), "t after v1", ""),
		with(sh(ts+", v1="+sig), "space after comma", ""),
		with(sh(" "+ts+" ,\tv1="+sig+" "), "spaces and tabs around items", ""),
		with(sh(ts+",v1="+strings.ToUpper(sig)), "upper-case hex decodes to the same bytes", ""),
		with(sh(ts+",v1= "+sig), "space inside an item", "no v1 signature"),
		with(sh(ts+strings.Repeat(",v1="+wrong, maxEntries-2)+",v1="+sig), "maxEntries items", ""),
		with(sh(ts+strings.Repeat(",v1="+wrong, maxEntries-1)+",v1="+sig), "too many items", reasonTooMany),
		with(at(sh(valid), DefaultStripeTolerance), "exactly tolerance old", ""),
		with(at(sh(valid), -DefaultStripeTolerance), "exactly tolerance ahead", ""),
		with(at(sh(valid), DefaultStripeTolerance+time.Second), "too old", reasonTooOld),
		with(at(sh(valid), -DefaultStripeTolerance-time.Second), "too far in the future", reasonFuture),
		with(at(sh(valid), 24*time.Hour), "a day old", reasonTooOld),
		with(sh("t=1700000001,v1="+sig), "t changed, signature kept", "no v1 match"),
		{name: "lower-case header name", header: map[string][]string{"stripe-signature": {valid}}, want: ""},
	})
}

func TestStripeCustomTolerance(t *testing.T) {
	t.Parallel()
	v := Stripe([]string{stripeSecret}, 10*time.Second)
	hd := h("Stripe-Signature", SignStripe(stripeSecret, testNow, testBody))
	checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: testNow.Add(10 * time.Second)}), "")
	checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: testNow.Add(11 * time.Second)}), reasonTooOld)
	checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: testNow.Add(-11 * time.Second)}), reasonFuture)
}
