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
