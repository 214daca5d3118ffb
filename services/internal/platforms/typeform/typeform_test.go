package typeform_test

import (
	"errors"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/typeform"
)

// vector is "sha256=" and the base64 HMAC-SHA256("typeform-secret",
// platformtest.Body), computed with Python's hmac module (Typeform
// publishes no test vector).
const vector = "sha256=iZvK+TYopiYhhY0CX1aCohxZKRAffR0Fz5Jc0CqYcto="

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := typeform.Signature("typeform-secret", platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	h := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("Typeform-Signature", value), Want: want}
	}
	platformtest.RunCases(t, typeform.NewVerifier([]string{"old-secret", "typeform-secret"}), []platformtest.Case{
		h("valid", vector, ""),
		h("without the sha256= prefix", vector[len("sha256="):], sig.ReasonMalformed),
		h("hex instead of base64", "sha256=899bcaf93628a62621858d025f5682a21c5929101f7d1d05cf925cd02a9872da", sig.ReasonMalformed),
		h("another secret's", typeform.Signature("stranger", platformtest.Body), sig.ReasonNoMatch),
		{Name: "tampered body", Header: platformtest.H("Typeform-Signature", vector), Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
		{Name: "no header", Want: "missing Typeform-Signature header"},
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := typeform.Platform.Key(nil, []byte(`{"event_id": "LtWXD3crgy", "event_type": "form_response"}`))
	if err != nil || k.EventID != "LtWXD3crgy" || k.Source != "" {
		t.Errorf("Key = %+v, %v; want EventID LtWXD3crgy", k, err)
	}
	if k, err := typeform.Platform.Key(nil, []byte(`{"event_id": 7}`)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("numeric event_id: Key = %+v, %v; want apperr.ErrInvalid", k, err)
	}
}
