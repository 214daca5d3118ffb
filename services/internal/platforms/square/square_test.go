package square_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/square"
)

const notificationURL = "https://hooks.example.com/webhooks/square"

func TestNotificationURL(t *testing.T) {
	t.Parallel()
	v := square.NewVerifier([]string{"sq-key"})
	s := square.Signature("sq-key", notificationURL, platformtest.Body)
	hd := platformtest.H("X-Square-Hmacsha256-Signature", s)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body, URL: notificationURL}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body, URL: "http://hooks.example.com/webhooks/square"}), "no signature match")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: platformtest.Body}), sig.ReasonNoURL)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Square-Signature", s), Body: platformtest.Body, URL: "x"}), "missing x-square-hmacsha256-signature header")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Square-Hmacsha256-Signature", "AAAA"), Body: platformtest.Body, URL: notificationURL}), sig.ReasonMalformed)
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := square.Platform.Key(nil, []byte(`{"merchant_id":"M1","event_id":"6a8f5f28"}`))
	if err != nil || k.Source != "M1" || k.EventID != "6a8f5f28" {
		t.Errorf("Key = %+v, %v; want M1/6a8f5f28", k, err)
	}
}

func FuzzHeader(f *testing.F) {
	for _, s := range []string{square.Signature(platformtest.FuzzKnown, notificationURL, platformtest.Body), "", "AAAA", "sha256=zz"} {
		f.Add(s, platformtest.Body)
	}
	known, unknowable := square.NewVerifier([]string{platformtest.FuzzKnown}), square.NewVerifier([]string{platformtest.FuzzUnknowable})
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		r := platform.Request{Header: http.Header{"X-Square-Hmacsha256-Signature": {value}}, Body: body, Now: platformtest.Now, URL: notificationURL}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		if want := base64.StdEncoding.EncodeToString(platformtest.OracleMAC([]byte(platformtest.FuzzKnown), notificationURL, string(body))); value != want {
			t.Fatalf("accepted %q, want %q", value, want)
		}
	})
}
