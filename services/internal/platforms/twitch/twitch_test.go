package twitch_test

import (
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twitch"
)

func TestTwitchTimestamps(t *testing.T) {
	t.Parallel()
	h := platformtest.H
	v := twitch.NewVerifier([]string{"s"}, 0)
	s, ts := twitch.Signature("s", "m1", platformtest.Now, platformtest.Body)
	at := platformtest.Now.Add(123456789 * time.Nanosecond)
	s2, t2 := twitch.Signature("s", "m1", at, platformtest.Body)
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", s)},
		{Name: "nanoseconds", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", t2, "Twitch-Eventsub-Message-Signature", s2)},
		{Name: "id changed", Header: h("Twitch-Eventsub-Message-Id", "m2", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", s), Want: "no sha256 match"},
		{Name: "missing id", Header: h("Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", s), Want: "missing Twitch-Eventsub-Message-Id header"},
		{Name: "missing timestamp", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Signature", s), Want: "missing Twitch-Eventsub-Message-Timestamp header"},
		{Name: "missing signature", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts), Want: "missing Twitch-Eventsub-Message-Signature header"},
		{Name: "unix timestamp", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", "1700000000", "Twitch-Eventsub-Message-Signature", s), Want: sig.ReasonBadTimestamp},
		{Name: "no prefix", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", strings.TrimPrefix(s, "sha256=")), Want: sig.ReasonMalformed},
		{Name: "too old", Header: h("Twitch-Eventsub-Message-Id", "m1", "Twitch-Eventsub-Message-Timestamp", ts, "Twitch-Eventsub-Message-Signature", s), Now: platformtest.Now.Add(twitch.DefaultTolerance + time.Second), Want: sig.ReasonTooOld},
	})
	if twitch.DefaultTolerance != 10*time.Minute {
		t.Errorf("DefaultTolerance = %v, Twitch documents 10 minutes", twitch.DefaultTolerance)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	verification := http.Header{"Twitch-Eventsub-Message-Type": {"webhook_callback_verification"}}
	for _, c := range []struct {
		name   string
		header http.Header
		body   string
		want   string
		ok     bool
	}{
		{"verification", verification, `{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"type":"channel.follow"}}`, "pogchamp-kappa-360noscope-vohiyo", true},
		{"notification", http.Header{"Twitch-Eventsub-Message-Type": {"notification"}}, `{"challenge":"x"}`, "", false},
		{"no type header", http.Header{}, `{"challenge":"x"}`, "", false},
		{"empty challenge", verification, `{"challenge":""}`, "", false},
		{"not JSON", verification, `challenge`, "", false},
	} {
		got, format, ok := twitch.Platform.Handshake(c.header, []byte(c.body))
		if got != c.want || ok != c.ok || (ok && format != platform.ChallengeText) {
			t.Errorf("%s: Handshake = %q, %q, %v; want %q, %v", c.name, got, format, ok, c.want, c.ok)
		}
	}
}

// FuzzHeaders holds platformtest.CheckFuzz's properties for the three
// signed headers, with an oracle of its own.
func FuzzHeaders(f *testing.F) {
	known := platformtest.FuzzKnown
	s, ts := twitch.Signature(known, "m1", platformtest.Now, platformtest.Body)
	f.Add("m1", ts, s, platformtest.Body)
	f.Add("m1", "2023-11-14T22:13:20.123456789Z", s, platformtest.Body)
	f.Add("", ts, "sha256=", platformtest.Body)
	f.Add("m1", "not a time", s, platformtest.Body)
	kv, uv := twitch.NewVerifier([]string{known}, 0), twitch.NewVerifier([]string{platformtest.FuzzUnknowable}, 0)
	f.Fuzz(func(t *testing.T, id, ts, s string, body []byte) {
		r := platform.Request{Header: http.Header{
			"Twitch-Eventsub-Message-Id": {id}, "Twitch-Eventsub-Message-Timestamp": {ts}, "Twitch-Eventsub-Message-Signature": {s},
		}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, kv, uv, r) {
			return
		}
		want := "sha256=" + hex.EncodeToString(platformtest.OracleMAC([]byte(known), id, ts, string(body)))
		if !strings.EqualFold(s, want) || !strings.HasPrefix(s, "sha256=") {
			t.Fatalf("accepted %q, want %q", s, want)
		}
	})
}
