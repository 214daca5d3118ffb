package ingest

import (
	"errors"
	"testing"

	"github.com/hookmesh/hookmesh/services/edge/verify"
)

type namedVerifier string

func (v namedVerifier) Verify(verify.Request) error { return errors.New(string(v)) }

// TestSetVerifiers: a Platform already looked up keeps its verifier (a
// request in flight finishes with it); later lookups get the new one, and
// the other platforms are untouched.
func TestSetVerifiers(t *testing.T) {
	t.Parallel()
	svc := New(Options{Platforms: []Platform{
		{Name: "stripe", Verifier: namedVerifier("old"), MaxBodyBytes: 1},
		{Name: "github", Verifier: namedVerifier("github"), MaxBodyBytes: 1},
	}})
	inFlight, err := svc.Platform("stripe")
	if err != nil {
		t.Fatal(err)
	}
	svc.SetVerifiers(map[string]verify.Verifier{"stripe": namedVerifier("new"), "unknown": namedVerifier("x")})
	if inFlight.Verifier != namedVerifier("old") {
		t.Errorf("the looked-up platform changed: %v", inFlight.Verifier)
	}
	now, _ := svc.Platform("stripe")
	gh, _ := svc.Platform("github")
	if now.Verifier != namedVerifier("new") || now.MaxBodyBytes != 1 || gh.Verifier != namedVerifier("github") {
		t.Errorf("after the swap: stripe %+v, github %+v", now, gh)
	}
	if _, err := svc.Platform("unknown"); err == nil {
		t.Error("SetVerifiers enabled a platform")
	}
}
