package discord_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/discord"
)

// devPublicKey is the development public key `make run` has always been
// configured with (verify.DevKeyPair): the primary test pair must stay it.
const devPublicKey = "b3a8c9754cf43ac687289c6832844ac09c0ce4852ede1a28692f2378f321d970"

func TestDevKeys(t *testing.T) {
	t.Parallel()
	keys := discord.Platform.TestKeys
	if len(keys) != 3 || keys[0].Verify != devPublicKey {
		t.Fatalf("TestKeys = %v, want the development pair first", keys)
	}
	if keys[0] == keys[1] || keys[1] == keys[2] || keys[0] == keys[2] {
		t.Fatalf("TestKeys repeat a pair: %v", keys)
	}
}

func TestDiscord(t *testing.T) {
	t.Parallel()
	keys := discord.Platform.TestKeys
	pub, priv := keys[0].Verify, keys[0].Sign
	v, err := discord.NewVerifier([]string{keys[1].Verify, pub}, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, ts, err := discord.Signature(priv, platformtest.Now, platformtest.Body)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _, _ := discord.Signature(keys[2].Sign, platformtest.Now, platformtest.Body)
	h := func(s, ts string) http.Header {
		return platformtest.H("X-Signature-Ed25519", s, "X-Signature-Timestamp", ts)
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	tol := discord.DefaultTolerance
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: h(s, ts)},
		{Name: "upper-case hex", Header: h(strings.ToUpper(s), ts)},
		{Name: "tampered body", Header: h(s, ts), Body: platformtest.TamperedBody, Want: "no signature match"},
		{Name: "stranger's key", Header: h(stranger, ts), Want: "no signature match"},
		{Name: "timestamp changed, signature kept", Header: h(s, "1700000001"), Want: "no signature match"},
		{Name: "missing signature", Header: platformtest.H("X-Signature-Timestamp", ts), Want: "missing X-Signature-Ed25519 header"},
		{Name: "missing timestamp", Header: platformtest.H("X-Signature-Ed25519", s), Want: "missing X-Signature-Timestamp header"},
		{Name: "malformed: short", Header: h(s[:len(s)-2], ts), Want: sig.ReasonMalformed},
		{Name: "malformed: not hex", Header: h(s[:len(s)-2]+"zz", ts), Want: sig.ReasonMalformed},
		{Name: "malformed: base64", Header: h(base64.StdEncoding.EncodeToString([]byte(s[:64])), ts), Want: sig.ReasonMalformed},
		{Name: "malformed: timestamp", Header: h(s, "+"+ts), Want: sig.ReasonBadTimestamp},
		at(platformtest.Case{Name: "exactly 5 minutes old", Header: h(s, ts)}, tol),
		at(platformtest.Case{Name: "exactly 5 minutes ahead", Header: h(s, ts)}, -tol),
		at(platformtest.Case{Name: "too old", Header: h(s, ts), Want: sig.ReasonTooOld}, tol+time.Second),
		at(platformtest.Case{Name: "too far in the future", Header: h(s, ts), Want: sig.ReasonFuture}, -tol-time.Second),
	})
	if tol != 5*time.Minute {
		t.Errorf("DefaultTolerance = %v", tol)
	}
}

func TestKeyForms(t *testing.T) {
	t.Parallel()
	raw, _ := hex.DecodeString(devPublicKey)
	for _, k := range []string{devPublicKey, strings.ToUpper(devPublicKey), base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw)} {
		if _, err := discord.NewVerifier([]string{k}, 0); err != nil {
			t.Errorf("NewVerifier(%q): %v", k, err)
		}
	}
	for _, k := range []string{"abcd", strings.Repeat("zz", 32), devPublicKey + "00", "not a key"} {
		if v, err := discord.NewVerifier([]string{devPublicKey, k}, 0); !errors.Is(err, apperr.ErrInvalid) || v != nil {
			t.Errorf("NewVerifier(%q) = %v, %v; want ErrInvalid", k, v, err)
		} else if strings.Contains(err.Error(), k) {
			t.Errorf("error %q repeats the key", err)
		}
	}
	// The signing secret is a seed or a private key, hex or base64.
	seed, _ := hex.DecodeString(discord.Platform.TestKeys[0].Sign)
	priv := ed25519.NewKeyFromSeed(seed)
	v, _ := discord.NewVerifier([]string{devPublicKey}, 0)
	for _, k := range []string{hex.EncodeToString(priv), base64.StdEncoding.EncodeToString(seed)} {
		s, ts, err := discord.Signature(k, platformtest.Now, platformtest.Body)
		if err != nil {
			t.Fatalf("Signature under %q: %v", k, err)
		}
		r := platform.Request{Header: platformtest.H("X-Signature-Ed25519", s, "X-Signature-Timestamp", ts), Body: platformtest.Body, Now: platformtest.Now}
		platformtest.CheckErr(t, v.Verify(r), "")
	}
	if _, _, err := discord.Signature("s", platformtest.Now, platformtest.Body); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Signature under a non-key: %v, want ErrInvalid", err)
	}
}

func TestHandshake(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body, want, format string
		ok                       bool
	}{
		{"interaction PING", `{"id":"1","token":"t","type":1,"application_id":"2"}`, `{"type":1}`, platform.ChallengeRawJSON, true},
		{"webhook-event PING", `{"version":1,"application_id":"2","type":0}`, "", platform.ChallengeEmpty, true},
		{"webhook event", `{"version":1,"application_id":"2","type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}`, "", "", false},
		{"command", `{"id":"1","token":"t","type":2}`, "", "", false},
		{"type 0 with an event", `{"version":1,"type":0,"event":{}}`, "", "", false},
		{"no type", `{"id":"1"}`, "", "", false},
		{"not JSON", `{`, "", "", false},
	} {
		got, format, ok := discord.Platform.Handshake(nil, []byte(c.body))
		if got != c.want || format != c.format || ok != c.ok {
			t.Errorf("%s: Handshake = %q, %q, %v; want %q, %q, %v", c.name, got, format, ok, c.want, c.format, c.ok)
		}
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body   string
		id, source   string
		contentKeyed bool
	}{
		{"interaction", `{"id":"1234567890123456789","application_id":"42","type":2}`, "1234567890123456789", "42", false},
		{"webhook event", `{"version":1,"application_id":"42","type":1,"event":{}}`, "", "42", true},
		{"array", `[1]`, "", "", true},
		{"not JSON", `{`, "", "", false},
	} {
		k, err := discord.Platform.Key(nil, []byte(c.body))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := c.id
		if c.contentKeyed {
			sum := sha256.Sum256([]byte(c.body))
			want = "sha256:" + hex.EncodeToString(sum[:])
		}
		if k.EventID != want || k.Source != c.source {
			t.Errorf("%s: Key = %+v, want %q in %q", c.name, k, want, c.source)
		}
	}
}

// FuzzHeaders holds platformtest.CheckFuzz's properties for the two
// headers, with crypto/ed25519 as the oracle: whatever the development
// key accepts is a valid signature of timestamp + body under it.
func FuzzHeaders(f *testing.F) {
	keys := discord.Platform.TestKeys
	s, ts, _ := discord.Signature(keys[0].Sign, platformtest.Now, platformtest.Body)
	f.Add(s, ts, platformtest.Body)
	f.Add(strings.Repeat("0", 128), "1700000000", platformtest.Body)
	f.Add("", "", platformtest.Body)
	rp, _, _ := ed25519.GenerateKey(rand.Reader)
	known, _ := discord.NewVerifier([]string{keys[0].Verify}, 0)
	unknowable, _ := discord.NewVerifier([]string{hex.EncodeToString(rp)}, 0)
	pub, _ := hex.DecodeString(keys[0].Verify)
	f.Fuzz(func(t *testing.T, s, ts string, body []byte) {
		r := platform.Request{Header: http.Header{"X-Signature-Ed25519": {s}, "X-Signature-Timestamp": {ts}}, Body: body, Now: platformtest.Now}
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		raw, err := hex.DecodeString(s)
		if err != nil || !ed25519.Verify(pub, append([]byte(ts), body...), raw) {
			t.Fatalf("accepted %q at %q", s, ts)
		}
	})
}
