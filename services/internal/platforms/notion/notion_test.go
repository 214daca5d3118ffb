package notion_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/notion"
)

const (
	// token is the verification_token of Notion's docs.
	token = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"
	// vector is "sha256=" and the hex HMAC-SHA256(token,
	// platformtest.Body), computed with Python's hmac module (Notion
	// publishes no test vector).
	vector = "sha256=0c3142035d72b562e3966cc5715ab9e33b282a6d06d530e9df4f0de9ce668fa5"
	// verificationBody is the verification request of Notion's docs.
	verificationBody = `{"verification_token": "` + token + `"}`
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := notion.Signature(token, platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := notion.NewVerifier([]string{"secret_old", token})
	h := func(name, value, body, want string) platformtest.Case {
		c := platformtest.Case{Name: name, Want: want, Header: platformtest.H()}
		if value != "" {
			c.Header.Set("X-Notion-Signature", value)
		}
		if body != "" {
			c.Body = []byte(body)
		}
		return c
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		h("valid", vector, "", ""),
		h("upper-case hex", "sha256="+strings.ToUpper(vector[7:]), "", ""),
		h("no prefix", vector[7:], "", sig.ReasonMalformed),
		h("another token's", notion.Signature("secret_other", platformtest.Body), "", sig.ReasonNoMatch),
		h("tampered", vector, string(platformtest.TamperedBody), sig.ReasonNoMatch),
		h("no signature", "", "", "missing X-Notion-Signature header"),
		// The verification request, unsigned by design, and only it.
		h("verification request", "", verificationBody, ""),
		h("verification request with a bad signature", "sha256="+strings.Repeat("0", 64), verificationBody, sig.ReasonNoMatch),
		h("verification with another field", "", `{"verification_token": "secret_x", "type": "page.created"}`, "missing X-Notion-Signature header"),
		h("verification with an empty token", "", `{"verification_token": ""}`, "missing X-Notion-Signature header"),
		h("verification with a number", "", `{"verification_token": 1}`, "missing X-Notion-Signature header"),
		h("verification with a huge token", "", `{"verification_token": "`+strings.Repeat("a", 300)+`"}`, "missing X-Notion-Signature header"),
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	k, err := notion.Platform.Key(nil, []byte(`{"id": "367cba44-b6f3-4c92-81e7-6a2e9659efd4", "type": "page.created", "attempt_number": 3}`))
	if err != nil || k.EventID != "367cba44-b6f3-4c92-81e7-6a2e9659efd4" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	v1, err1 := notion.Platform.Key(nil, []byte(verificationBody))
	v2, err2 := notion.Platform.Key(nil, []byte(`{ "verification_token":"`+token+`" }`))
	if err1 != nil || err2 != nil || v1 != v2 || !strings.HasPrefix(v1.EventID, "verification:") || strings.Contains(v1.EventID, token) {
		t.Errorf("verification Keys = %+v, %v and %+v, %v; want one key, without the token", v1, err1, v2, err2)
	}
	if k, err := notion.Platform.Key(nil, []byte(`{"type": "page.created", "id": {}}`)); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("id an object: Key = %+v, %v; want apperr.ErrInvalid", k, err)
	}
}
