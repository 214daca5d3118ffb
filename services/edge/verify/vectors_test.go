package verify

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
)

// Published test vectors, and the cases particular to one scheme. Each
// vector names the document or official SDK test it comes from.

// Adyen's vectors: adyen-php-api-library tests/Adyen/Util/HmacSignatureTest
// (the same items are in Adyen's other SDKs' HMAC tests).
func TestAdyenVectors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ key, item, want string }{
		{
			"DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
			`{"pspReference":"7914073381342284","merchantAccountCode":"TestMerchant","merchantReference":"TestPayment-1407325143704","amount":{"value":1130,"currency":"EUR"},"eventCode":"AUTHORISATION","success":"true"}`,
			"Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=",
		},
		{
			"44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
			`{"pspReference":"7914073381342284","merchantAccountCode":"TestMerchant","merchantReference":"TestPayment-1407325143704","amount":{"value":0,"currency":"EUR"},"eventCode":"REFUND","success":"true"}`,
			"J7HhsgZo5KwqdB7LFZJV6rfQgp+RqC2kuYyw/3x3w+8=",
		},
	} {
		got, err := SignAdyenItem(c.key, []byte(c.item))
		if err != nil || got != c.want {
			t.Errorf("SignAdyenItem = %q, %v; want %q", got, err, c.want)
		}
		v, err := Adyen([]string{c.key})
		if err != nil {
			t.Fatal(err)
		}
		signedItem := strings.TrimSuffix(c.item, "}") + `,"additionalData":{"hmacSignature":"` + c.want + `"}}`
		body := `{"live":"false","notificationItems":[{"NotificationRequestItem":` + signedItem + `}]}`
		checkErr(t, v.Verify(Request{Body: []byte(body)}), "")
	}
}

func TestAdyenBatch(t *testing.T) {
	t.Parallel()
	const key = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
	v, _ := Adyen([]string{key})
	_, signed, err := SignRequest("adyen", SignInput{Secret: key, Body: adyenBody})
	if err != nil {
		t.Fatal(err)
	}
	checkErr(t, v.Verify(Request{Body: signed}), "")
	// One item of the batch altered: the whole batch fails.
	second := strings.Replace(string(signed), `"evt_2"`, `"evt_3"`, 1)
	checkErr(t, v.Verify(Request{Body: []byte(second)}), "item signature mismatch")
	// One item's signature removed.
	first := strings.Replace(string(signed), `"hmacSignature"`, `"x"`, 1)
	checkErr(t, v.Verify(Request{Body: []byte(first)}), "item without hmacSignature")
	checkErr(t, v.Verify(Request{Body: []byte(`{"notificationItems":[]}`)}), "no notification items")
	checkErr(t, v.Verify(Request{Body: []byte(`not json`)}), "malformed body")
	many := `{"notificationItems":[` + strings.Repeat(`{"NotificationRequestItem":{}},`, maxAdyenItems) + `{"NotificationRequestItem":{}}]}`
	checkErr(t, v.Verify(Request{Body: []byte(many)}), reasonTooMany)
}

// The Standard Webhooks vector (standard_test.go) verifies under the
// svix-* names for each preset that sends them.
func TestStandardFamilyVector(t *testing.T) {
	t.Parallel()
	for _, p := range []string{svixPlatform, clerkPlatform, resendPlatform} {
		v, err := New(p, []string{stdVectorSecret}, 0)
		if err != nil {
			t.Fatal(err)
		}
		hd := h("svix-id", stdVectorID, "svix-timestamp", "1614265330", "svix-signature", stdVectorSig)
		err = v.Verify(Request{Header: hd, Body: []byte(stdVectorBody), Now: time.Unix(stdVectorTS, 0)})
		checkErr(t, err, "")
		bad := v.Verify(Request{Header: hd, Body: []byte(stdVectorBody + " "), Now: time.Unix(stdVectorTS, 0)})
		if e, ok := bad.(*Error); !ok || e.Platform != p {
			t.Errorf("%s failure names platform %v", p, bad)
		}
	}
}

func TestTwitchAndZendeskTimestamps(t *testing.T) {
	t.Parallel()
	tw := Twitch([]string{"s"}, 0)
	sig, ts := SignTwitch("s", "m1", testNow, testBody)
	runCases(t, tw, []verifyCase{
		{name: "twitch valid", header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", sig)},
		{name: "twitch nanoseconds", header: func() http.Header {
			at := testNow.Add(123456789 * time.Nanosecond)
			s2, t2 := SignTwitch("s", "m1", at, testBody)
			return h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", t2, "Twitch-Eventsub-Message-Signature", s2)
		}()},
		{name: "twitch id changed", header: h("Twitch-Eventsub-Message-Id", "m2", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", sig), want: "no sha256 match"},
		{name: "twitch missing id", header: h("Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", sig), want: "missing Twitch-Eventsub-Message-Id header"},
		{name: "twitch unix timestamp", header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", "1700000000", "Twitch-Eventsub-Message-Signature", sig), want: reasonBadTimestamp},
		{name: "twitch no prefix", header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", strings.TrimPrefix(sig, "sha256=")), want: reasonMalformed},
	})
	zd := zendesk.NewVerifier([]string{"s"}, 0)
	zs, zt := zendesk.Signature("s", testNow, testBody)
	if zt != "2023-11-14T22:13:20Z" {
		t.Errorf("zendesk timestamp %q", zt)
	}
	runCases(t, zd, []verifyCase{
		{name: "zendesk valid", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", zt)},
		{name: "zendesk offset form of the same instant is other text", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", "2023-11-14T23:13:20+01:00"), want: "no signature match"},
		{name: "zendesk missing timestamp", header: h("X-Zendesk-Webhook-Signature", zs), want: "missing X-Zendesk-Webhook-Signature-Timestamp header"},
		{name: "zendesk unix timestamp", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", "1700000000"), want: reasonBadTimestamp},
		{name: "zendesk hex signature", header: h("X-Zendesk-Webhook-Signature", strings.Repeat("ab", 32), "X-Zendesk-Webhook-Signature-Timestamp", zt), want: reasonMalformed},
	})
}

func TestIntercomAndBitbucketShareAHeaderNotAScheme(t *testing.T) {
	t.Parallel()
	// Both use X-Hub-Signature: a Bitbucket sha256 value must not pass as
	// Intercom's sha1, nor the reverse.
	ic, bb := intercom.NewVerifier([]string{"s"}), bitbucket.NewVerifier([]string{"s"})
	checkErr(t, ic.Verify(Request{Header: h("X-Hub-Signature", bitbucket.Signature("s", testBody)), Body: testBody}), reasonMalformed)
	checkErr(t, bb.Verify(Request{Header: h("X-Hub-Signature", intercom.Signature("s", testBody)), Body: testBody}), reasonMalformed)
}
