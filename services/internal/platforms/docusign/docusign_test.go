package docusign_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/docusign"
)

// vector is the base64 HMAC-SHA256("docusign-connect-key",
// platformtest.Body), computed with Python's hmac module (DocuSign
// publishes no test vector).
const vector = "YEqKFAqxGw8ETARCcezF5iwGmJ/B9I1d5tBocZ9mPj4="

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := docusign.Signature("docusign-connect-key", platformtest.Body); got != vector {
		t.Errorf("Signature = %s, want %s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := docusign.NewVerifier([]string{"docusign-connect-key"})
	other := docusign.Signature("another-connect-key", platformtest.Body)
	hs := func(values ...string) platformtest.Case {
		c := platformtest.Case{Header: platformtest.H()}
		for i, s := range values {
			c.Header.Set("X-DocuSign-Signature-"+string(rune('1'+i)), s)
		}
		return c
	}
	with := func(c platformtest.Case, name, want string) platformtest.Case { c.Name, c.Want = name, want; return c }
	gap := hs(other)
	gap.Header.Set("X-DocuSign-Signature-3", vector)
	platformtest.RunCases(t, v, []platformtest.Case{
		with(hs(vector), "one key", ""),
		with(hs(other, vector), "ours is the second of two keys", ""),
		with(hs("not base64", vector), "an odd header does not hide the next", ""),
		with(hs(other), "another account key only", sig.ReasonNoMatch),
		with(hs("not base64"), "nothing decodes", sig.ReasonMalformed),
		with(hs(strings.TrimRight(vector, "=")), "unpadded", sig.ReasonMalformed),
		with(gap, "read in order until one is missing", sig.ReasonNoMatch),
		with(hs(), "no header", sig.ReasonNoHeader),
		{Name: "tampered body", Header: hs(vector).Header, Body: platformtest.TamperedBody, Want: sig.ReasonNoMatch},
	})
}

func TestKey(t *testing.T) {
	t.Parallel()
	const env = "c4fa3e49-7b1a-4f3c-9e2d-8a6b5c4d3e2f"
	msg := func(retry, recipient string) []byte {
		return []byte(`{"event": "recipient-completed", "retryCount": ` + retry + `, "generatedDateTime": "2024-03-08T15:29:50.0000000Z", "data": {"accountId": "acct-1", "envelopeId": "` + env + `"` + recipient + `}}`)
	}
	first, err := docusign.Platform.Key(nil, msg("0", `, "recipientId": "1"`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "recipient-completed:" + env + ":1:2024-03-08T15:29:50.0000000Z"; first.EventID != want || first.Source != "acct-1" {
		t.Errorf("Key = %+v, want %q in acct-1", first, want)
	}
	// A retry counts up retryCount: same event, same key.
	if retry, err := docusign.Platform.Key(nil, msg("3", `, "recipientId": "1"`)); err != nil || retry != first {
		t.Errorf("retry Key = %+v, %v; want %+v", retry, err, first)
	}
	if second, err := docusign.Platform.Key(nil, msg("0", `, "recipientId": "2"`)); err != nil || second == first {
		t.Errorf("another recipient's Key = %+v, %v; want another key", second, err)
	}
	for name, b := range map[string][]byte{
		"no envelope":  []byte(`{"event": "envelope-sent", "generatedDateTime": "2024-03-08T15:29:50Z", "data": {}}`),
		"no time":      []byte(`{"event": "envelope-sent", "data": {"envelopeId": "e"}}`),
		"XML":          []byte(`<?xml version="1.0"?><DocuSignEnvelopeInformation/>`),
		"envelope int": []byte(`{"event": "envelope-sent", "generatedDateTime": "x", "data": {"envelopeId": 1}}`),
	} {
		if k, err := docusign.Platform.Key(nil, b); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: Key = %+v, %v; want apperr.ErrInvalid", name, k, err)
		}
	}
}
