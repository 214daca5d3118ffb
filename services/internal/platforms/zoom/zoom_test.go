package zoom_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

const (
	secret  = "zoom-secret-token"
	rotated = "zoom-rotated-token"
	// vector is the hex HMAC-SHA256("zoom-secret-token",
	// "v0:1700000000:" + platformtest.Body), computed with Python's hmac
	// module (Zoom publishes no test vector).
	vector = "06745b679c670fe61753a888efd8cbbfcd29c0fd3b63e6b57e3d5166b7065b54"
	// validation is the url_validation body of Zoom's docs, and its
	// plainToken's HMAC under each secret (Python's hmac module).
	validation      = `{"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event_ts": 1654503849680, "event": "endpoint.url_validation"}`
	tokenUnderFirst = "d9e0d764a78494688ba3f2d5c0ed4ca311394b4834d959759213424d2df961e3"
	tokenUnderOther = "c4292d6c6e0f07bded084a33ebc824ceeb5af5a1552cdba6bb86174f16e0bfe8"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	s, ts := zoom.Signature(secret, platformtest.Now, platformtest.Body)
	if s != "v0="+vector || ts != "1700000000" {
		t.Errorf("Signature = %s, %s; want v0=%s, 1700000000", s, ts, vector)
	}
	if got := zoom.EncryptedToken(secret, "qgg8vlvZRS6UYooatFL8Aw"); got != tokenUnderFirst {
		t.Errorf("EncryptedToken = %s, want %s", got, tokenUnderFirst)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := zoom.NewVerifier([]string{secret, rotated}, 0)
	h := func(name, signature, ts, want string) platformtest.Case {
		hd := platformtest.H("x-zm-signature", signature, "x-zm-request-timestamp", ts)
		return platformtest.Case{Name: name, Header: hd, Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		h("valid", "v0="+vector, "1700000000", ""),
		h("upper-case hex", "v0="+strings.ToUpper(vector), "1700000000", ""),
		h("timestamp changed", "v0="+vector, "1700000001", "no v0 match"),
		h("no v0= prefix", vector, "1700000000", sig.ReasonMalformed),
		h("v1=", "v1="+vector, "1700000000", sig.ReasonMalformed),
		h("timestamp in milliseconds", "v0="+vector, "1700000000000", sig.ReasonFuture),
		h("timestamp not digits", "v0="+vector, "17e8", sig.ReasonBadTimestamp),
		h("no timestamp", "v0="+vector, "", "missing timestamp"),
		h("no signature", "", "1700000000", sig.ReasonNoHeader),
		at(h("5 minutes old", "v0="+vector, "1700000000", ""), zoom.DefaultTolerance),
		at(h("older", "v0="+vector, "1700000000", sig.ReasonTooOld), zoom.DefaultTolerance+time.Second),
		at(h("ahead", "v0="+vector, "1700000000", sig.ReasonFuture), -zoom.DefaultTolerance-time.Second),
	})
}

// TestHandshake: the url_validation is answered, after its signature
// verified, with the token's HMAC under the secret that signed it.
func TestHandshake(t *testing.T) {
	t.Parallel()
	v := zoom.NewVerifier([]string{secret, rotated}, 0)
	sh, ok := v.(platform.SecretHandshaker)
	if !ok {
		t.Fatal("the zoom verifier does not answer handshakes")
	}
	request := func(key, body string) platform.Request {
		s, ts := zoom.Signature(key, platformtest.Now, []byte(body))
		return platform.Request{Header: platformtest.H("x-zm-signature", s, "x-zm-request-timestamp", ts), Body: []byte(body), Now: platformtest.Now}
	}
	for _, tc := range []struct {
		name, key, body, want string
	}{
		{"signed by the first secret", secret, validation, `{"encryptedToken":"` + tokenUnderFirst + `","plainToken":"qgg8vlvZRS6UYooatFL8Aw"}`},
		{"signed by the rotated secret", rotated, validation, `{"encryptedToken":"` + tokenUnderOther + `","plainToken":"qgg8vlvZRS6UYooatFL8Aw"}`},
		{"signed by a stranger", "stranger", validation, ""},
		{"another event", secret, `{"event": "meeting.started", "payload": {"plainToken": "x"}}`, ""},
		{"no token", secret, `{"event": "endpoint.url_validation", "payload": {}}`, ""},
		{"not JSON", secret, `event=endpoint.url_validation`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer, format, ok := sh.Handshake(request(tc.key, tc.body))
			if ok != (tc.want != "") || answer != tc.want {
				t.Fatalf("Handshake = %q, %q, %v; want %q", answer, format, ok, tc.want)
			}
			if ok && format != platform.ChallengeRawJSON {
				t.Errorf("format = %q, want raw JSON", format)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, id, source string }{
		{`{"event": "meeting.started", "event_ts": 1709911700000, "payload": {"account_id": "acct", "object": {"id": 85746065432, "uuid": "4444AAAiAAAAAiAiAiiAii=="}}}`, "meeting.started:1709911700000:4444AAAiAAAAAiAiAiiAii==", "acct"},
		{`{"event": "user.created", "event_ts": 1709911797000, "payload": {"account_id": "acct", "object": {"id": "KDcuGIm1QgePTO8WbOqwIQ"}}}`, "user.created:1709911797000:KDcuGIm1QgePTO8WbOqwIQ", "acct"},
		{`{"event": "meeting.ended", "event_ts": 1709911700000, "payload": {"account_id": "acct", "object": {"id": 85746065432}}}`, "meeting.ended:1709911700000:85746065432", "acct"},
		{`{"event": "team_chat.dm_message_posted", "event_ts": 1, "payload": {"object": {"message_id": "m-1"}}}`, "team_chat.dm_message_posted:1:m-1", ""},
		{validation, "endpoint.url_validation:1654503849680", ""},
	} {
		k, err := zoom.Platform.Key(nil, []byte(tc.body))
		if err != nil || k.EventID != tc.id || k.Source != tc.source {
			t.Errorf("Key(%s) = %+v, %v; want %q in %q", tc.body, k, err, tc.id, tc.source)
		}
	}
	for _, b := range []string{`{"event": "user.created"}`, `{"event_ts": 1}`, `{"event": "x", "event_ts": "1"}`, `[]`} {
		if k, err := zoom.Platform.Key(nil, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %+v, %v; want apperr.ErrInvalid", b, k, err)
		}
	}
}
