package mailgun_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mailgun"
)

func TestForms(t *testing.T) {
	t.Parallel()
	const key = "mailgun-signing-key"
	v := mailgun.NewVerifier([]string{key}, 0)
	s := mailgun.Signature(key, "1700000000", "tok")
	c := func(name, body, want string) platformtest.Case {
		return platformtest.Case{Name: name, Body: []byte(body), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		c("form body (legacy webhooks)", "timestamp=1700000000&token=tok&signature="+s+"&event=delivered", ""),
		c("timestamp as a JSON number", `{"signature":{"timestamp":1700000000,"token":"tok","signature":"`+s+`"}}`, ""),
		c("parent-signature of a subaccount", `{"signature":{"timestamp":"1700000000","token":"tok","signature":"`+strings.Repeat("0", 64)+`","parent-signature":"`+s+`"}}`, ""),
		c("token changed", `{"signature":{"timestamp":"1700000000","token":"tox","signature":"`+s+`"}}`, "no signature match"),
		c("timestamp changed", `{"signature":{"timestamp":"1700000001","token":"tok","signature":"`+s+`"}}`, "no signature match"),
		c("no signature object", `{"event-data":{}}`, "missing signature"),
		c("empty token", `{"signature":{"timestamp":"1700000000","token":"","signature":"`+s+`"}}`, "malformed token"),
		c("not JSON", `{"signature":`, "malformed body"),
		c("bad timestamp", `{"signature":{"timestamp":"x","token":"tok","signature":"`+s+`"}}`, sig.ReasonBadTimestamp),
		c("not hex", `{"signature":{"timestamp":"1700000000","token":"tok","signature":"%%not hex%%"}}`, sig.ReasonMalformed),
		c("form without signature", "timestamp=1700000000&token=tok", "missing signature"),
	})
	// Sign fills a form body too.
	_, body, err := mailgun.Platform.Sign(platform.SignInput{Secret: key, Now: platformtest.Now, Body: []byte("event=opened&recipient=a%40b")})
	if err != nil {
		t.Fatal(err)
	}
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: body, Now: platformtest.Now}), "")
	if _, _, err := mailgun.Platform.Sign(platform.SignInput{Secret: key, Now: platformtest.Now, Body: []byte(`{"a":`)}); err == nil {
		t.Error("Sign accepted a truncated JSON object")
	}
}

func TestSignatureRemoved(t *testing.T) {
	t.Parallel()
	// The signature object is the whole proof: without it, or with it
	// garbled, the request fails.
	v := mailgun.NewVerifier([]string{"k"}, 0)
	_, body, err := mailgun.Platform.Sign(platform.SignInput{Secret: "k", Now: platformtest.Now, Body: []byte(`{"event-data":{"id":"evt_1","event":"delivered"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "signature")
	stripped, _ := json.Marshal(m)
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: stripped, Now: platformtest.Now}), "missing signature")
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: body, Now: platformtest.Now.Add(mailgun.DefaultTolerance + time.Second)}), sig.ReasonTooOld)
}

func TestKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, body, want string }{
		{"event-data id", `{"signature":{"token":"t"},"event-data":{"id":"ev-1"}}`, "ev-1"},
		{"token fallback", `{"signature":{"token":"t"}}`, "t"},
		{"form token", `token=t2&timestamp=1`, "t2"},
	} {
		if got, err := mailgun.Platform.Key(nil, []byte(c.body)); err != nil || got != (eventid.Key{EventID: c.want}) {
			t.Errorf("%s: Key = %+v, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func FuzzBody(f *testing.F) {
	_, signed, _ := mailgun.Platform.Sign(platform.SignInput{Secret: platformtest.FuzzKnown, Now: platformtest.Now, Body: []byte(`{"event-data":{"id":"evt_1","event":"delivered"}}`)})
	f.Add(signed)
	f.Add([]byte("timestamp=1700000000&token=t&signature=" + mailgun.Signature(platformtest.FuzzKnown, "1700000000", "t")))
	f.Add([]byte(`{"signature":{"timestamp":1e9,"token":1}}`))
	f.Add([]byte(`{"signature":null}`))
	known, unknowable := mailgun.NewVerifier([]string{platformtest.FuzzKnown}, 0), mailgun.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		platformtest.CheckFuzz(t, known, unknowable, platform.Request{Body: body, Now: platformtest.Now})
	})
}
