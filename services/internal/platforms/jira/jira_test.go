package jira_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/jira"
)

const (
	secret  = "jira-secret-primary"
	rotated = "jira-secret-rotated"
	// vector is HMAC-SHA256(secret, platformtest.Body) in hex, computed
	// with Python's hmac module, so Signature is checked against an
	// independent implementation.
	vector = "34870afed4775aa31a7cde3b8d8c6ecb56e1479b8176b79243b985a12c40c939"
)

func TestSignatureVector(t *testing.T) {
	t.Parallel()
	if got := jira.Signature(secret, platformtest.Body); got != "sha256="+vector {
		t.Errorf("Signature = %s, want sha256=%s", got, vector)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	v := jira.NewVerifier([]string{secret, rotated})
	valid := "sha256=" + vector
	sh := func(name, value, want string) platformtest.Case {
		return platformtest.Case{Name: name, Header: platformtest.H("X-Hub-Signature", value), Want: want}
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		sh("valid", valid, ""),
		sh("rotation: second secret", jira.Signature(rotated, platformtest.Body), ""),
		sh("upper-case hex decodes to the same bytes", "sha256="+strings.ToUpper(vector), ""),
		{Name: "tampered body", Header: platformtest.H("X-Hub-Signature", valid), Body: platformtest.TamperedBody, Want: "no signature match"},
		sh("wrong secret", jira.Signature("someone-else", platformtest.Body), "no signature match"),
		{Name: "missing header", Header: platformtest.H("X-Hub-Signature-256", valid), Want: "missing X-Hub-Signature header"},
		sh("no prefix", vector, sig.ReasonMalformed),
		sh("sha1 is refused", "sha1="+vector[:40], sig.ReasonMalformed),
		sh("prefix is case-sensitive", "SHA256="+vector, sig.ReasonMalformed),
		sh("short", valid[:len(valid)-1], sig.ReasonMalformed),
		sh("not hex", valid[:len(valid)-2]+"zz", sig.ReasonMalformed),
		sh("space around", " "+valid, sig.ReasonMalformed),
	})
}

// FuzzHeader is the header fuzz target of a sig.HexBody scheme.
func FuzzHeader(f *testing.F) { platformtest.FuzzHexBody(f, jira.Scheme) }

// TestKey: the delivery identifier, the same on every retry; the body has
// no id of its own.
func TestKey(t *testing.T) {
	t.Parallel()
	body := []byte(`{"timestamp":1710001800123,"webhookEvent":"jira:issue_created"}`)
	k, err := jira.Platform.Key(map[string]string{"x-atlassian-webhook-identifier": "2e1b4b4e", "x-atlassian-webhook-retry": "2"}, body)
	if err != nil || k.EventID != "2e1b4b4e" || k.Source != "" {
		t.Errorf("Key = %+v, %v", k, err)
	}
	if _, err := jira.Platform.Key(map[string]string{}, body); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Key without the header = %v, want ErrInvalid", err)
	}
}
