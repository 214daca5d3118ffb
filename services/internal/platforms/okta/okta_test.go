package okta_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/okta"
)

const (
	secret  = "Basic YWRtaW46c3VwZXJzZWNyZXQ="
	rotated = "okta-token-rotated-8f1c2d"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	v := okta.NewVerifier([]string{secret, rotated})
	auth := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Authorization", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		auth("valid", secret, ""),
		auth("rotation: second secret", rotated, ""),
		// Okta does not sign: a changed body with the right header passes.
		{Name: "the body is not authenticated", Header: platformtest.H("Authorization", secret), Body: platformtest.TamperedBody, Want: ""},
		auth("wrong secret", "Basic b3RoZXI6c2VjcmV0", "authorization mismatch"),
		auth("prefix of the secret", secret[:len(secret)-1], "authorization mismatch"),
		auth("secret and more", secret+"=", "authorization mismatch"),
		auth("case matters", strings.ToLower(secret), "authorization mismatch"),
		auth("space around", " "+secret, "authorization mismatch"),
		{Name: "missing header", Header: platformtest.H("X-Other", secret), Want: "missing Authorization header"},
	})
	if err := okta.NewVerifier([]string{""}).Verify(platform.Request{Header: platformtest.H("Authorization", "x")}); err == nil {
		t.Error("a verifier with only an empty secret accepted a request")
	}
}

// TestHandshake: the one-time verification GET is answered with the
// header's value in {"verification": ...}, JSON-escaped; other requests
// are not handshakes.
func TestHandshake(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, challenge, want string
		ok                    bool
	}{
		{"okta's challenge", "TmH3AkKd3Xz1l8XnJ8BH0nFJqZGqEXKrhPKMmS1l", `{"verification":"TmH3AkKd3Xz1l8XnJ8BH0nFJqZGqEXKrhPKMmS1l"}`, true},
		{"quotes are escaped", `a"b\c<`, `{"verification":"a\"b\\c\u003c"}`, true},
		{"no header", "", "", false},
		{"too long", strings.Repeat("a", 1025), "", false},
	} {
		h := http.Header{}
		if tc.challenge != "" {
			h.Set("X-Okta-Verification-Challenge", tc.challenge)
		}
		got, format, ok := okta.Platform.Handshake(h, nil)
		if ok != tc.ok || got != tc.want || (ok && format != platform.ChallengeRawJSON) {
			t.Errorf("%s: Handshake = %q, %q, %v; want %q, raw JSON, %v", tc.name, got, format, ok, tc.want, tc.ok)
		}
	}
}

// TestKey: one event is keyed by its uuid; several by the hash of their
// sorted uuids, the same whatever their order.
func TestKey(t *testing.T) {
	t.Parallel()
	one := []byte(`{"data":{"events":[{"uuid":"f790999f-fe87-467a-9880-6982a583986c","eventType":"user.session.start"}]}}`)
	k, err := okta.Platform.Key(nil, one)
	if err != nil || k.EventID != "f790999f-fe87-467a-9880-6982a583986c" {
		t.Errorf("Key(one) = %+v, %v", k, err)
	}
	ab := []byte(`{"data":{"events":[{"uuid":"a"},{"uuid":"b"}]}}`)
	ba := []byte(`{"data":{"events":[{"uuid":"b"},{"uuid":"a"}]}}`)
	kab, err1 := okta.Platform.Key(nil, ab)
	kba, err2 := okta.Platform.Key(nil, ba)
	if err1 != nil || err2 != nil || kab != kba || !strings.HasPrefix(kab.EventID, "batch:") {
		t.Errorf("Key(a,b) = %+v, %v; Key(b,a) = %+v, %v", kab, err1, kba, err2)
	}
	kac, _ := okta.Platform.Key(nil, []byte(`{"data":{"events":[{"uuid":"a"},{"uuid":"c"}]}}`))
	if kac == kab {
		t.Error("two different batches got one key")
	}
	for _, b := range []string{`{"data":{"events":[]}}`, `{"data":{}}`, `{"data":{"events":[{"uuid":"a"},{}]}}`, `{"data":{"events":[{"uuid":1}]}}`, `[]`, `x`} {
		if _, err := okta.Platform.Key(nil, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %v, want ErrInvalid", b, err)
		}
	}
}
