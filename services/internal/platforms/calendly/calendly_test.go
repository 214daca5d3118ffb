package calendly_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/calendly"
)

const (
	secret  = "calendly-signing-key"
	rotated = "calendly-signing-key-2"
	// vector is HMAC-SHA256("calendly-signing-key", "1700000000." +
	// platformtest.Body) computed with Python's hmac module, so Signature
	// is checked against an independent implementation (Calendly
	// publishes no test vector).
	vector = "1f8cf2eb0c0a941d90b724b8e04e8c9ae261f655055e707ce281fb4077fb2234"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got, want := calendly.Signature(secret, platformtest.Now, platformtest.Body), "t=1700000000,v1="+vector; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := calendly.NewVerifier([]string{secret, rotated}, 0)
	wrong := strings.Repeat("0", 64)
	h := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Calendly-Webhook-Signature", value), Want: want}
	}
	at := func(c platformtest.Case, d time.Duration) platformtest.Case {
		c.Now = platformtest.Now.Add(d)
		return c
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		h("valid", "t=1700000000,v1="+vector, ""),
		h("rotated secret", calendly.Signature(rotated, platformtest.Now, platformtest.Body), ""),
		h("any v1 may match", "t=1700000000,v1="+wrong+",v1="+vector, ""),
		h("spaces around items", "t=1700000000, v1="+vector, ""),
		h("upper-case hex", "t=1700000000,v1="+strings.ToUpper(vector), ""),
		h("v0 only", "t=1700000000,v0="+vector, sig.ReasonNoV1),
		h("v1 not hex", "t=1700000000,v1=zz", sig.ReasonNoV1),
		h("wrong signature", "t=1700000000,v1="+wrong, sig.ReasonNoV1Match),
		h("timestamp changed", "t=1700000001,v1="+vector, sig.ReasonNoV1Match),
		h("no timestamp", "v1="+vector, sig.ReasonNoTimestamp),
		h("timestamp twice", "t=1700000000,t=1700000000,v1="+vector, sig.ReasonMalformed),
		h("timestamp not digits", "t=+1700000000,v1="+vector, sig.ReasonBadTimestamp),
		h("item without =", "t=1700000000,v1", sig.ReasonMalformed),
		h("too many entries", "t=1700000000"+strings.Repeat(",v1="+wrong, sig.MaxEntries), sig.ReasonTooMany),
		{Name: "no header", Want: sig.ReasonNoHeader},
		at(h("3 minutes old", "t=1700000000,v1="+vector, ""), calendly.DefaultTolerance),
		at(h("older than 3 minutes", "t=1700000000,v1="+vector, sig.ReasonTooOld), calendly.DefaultTolerance+time.Second),
		at(h("more than 3 minutes ahead", "t=1700000000,v1="+vector, sig.ReasonFuture), -calendly.DefaultTolerance-time.Second),
	})
	platformtest.RunCases(t, calendly.NewVerifier([]string{"", ""}, 0), []platformtest.Case{
		h("empty secrets are no secrets", "t=1700000000,v1="+vector, sig.ReasonNoSecrets),
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	const invitee = "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/AAAAAAAAAAAAAAAA"
	body := func(event, created, uri string) []byte {
		return []byte(`{"created_at": "` + created + `", "created_by": "https://api.calendly.com/users/EBHAAFHDCAEQTSEZ", "event": "` + event + `", "payload": {"uri": "` + uri + `", "status": "active"}}`)
	}
	created, err := calendly.Platform.Key(nil, body("invitee.created", "2024-03-08T15:00:00.000000Z", invitee))
	if err != nil {
		t.Fatal(err)
	}
	if want := "invitee.created:2024-03-08T15:00:00.000000Z:" + invitee; created.EventID != want || created.Source != "" {
		t.Errorf("Key = %+v, want EventID %q", created, want)
	}
	// A rescheduling cancels the invitee at the same instant: another event.
	canceled, err := calendly.Platform.Key(nil, body("invitee.canceled", "2024-03-08T15:00:00.000000Z", invitee))
	if err != nil || canceled.EventID == created.EventID {
		t.Errorf("invitee.canceled Key = %+v, %v; want one other than invitee.created's", canceled, err)
	}
	// Invalid UTF-8 in an id is kept (encoded), not replaced.
	odd, err := calendly.Platform.Key(nil, body("invitee.created", "2024-03-08T15:00:00Z", "urn:\xff"))
	if err != nil || !strings.HasSuffix(odd.EventID, "urn:\uFFFDFF") {
		t.Errorf("Key of invalid UTF-8 = %+v, %v", odd, err)
	}
	for name, b := range map[string][]byte{
		"no payload.uri": body("invitee.created", "2024-03-08T15:00:00Z", ""),
		"no created_at":  body("invitee.created", "", invitee),
		"no event":       body("", "2024-03-08T15:00:00Z", invitee),
		"no payload":     []byte(`{"event": "invitee.created", "created_at": "2024-03-08T15:00:00Z"}`),
		"not JSON":       []byte(`event=invitee.created`),
		"uri a number":   []byte(`{"event": "invitee.created", "created_at": "2024-03-08T15:00:00Z", "payload": {"uri": 1}}`),
	} {
		if k, err := calendly.Platform.Key(nil, b); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: Key = %+v, %v; want apperr.ErrInvalid", name, k, err)
		}
	}
}
