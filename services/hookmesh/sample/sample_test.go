package sample

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// TestEverySampleVerifiesAndKeys signs every sample and checks what the
// edge will do with it: the signature verifies, the body is JSON, and the
// dedup key the edge derives is the sample's event id.
func TestEverySampleVerifiesAndKeys(t *testing.T) {
	t.Parallel()
	now := time.Now()
	secrets := map[string]string{"standard": "whsec_c2FtcGxlLXRlc3Qta2V5LWJ5dGVz"}
	for _, p := range Platforms() {
		secret := secrets[p]
		if secret == "" {
			secret = "sample-test-" + p
		}
		v, err := verify.New(p, []string{secret}, 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, typ := range Types(p) {
			w, err := Build(p, typ, now)
			if err != nil {
				t.Fatalf("%s %s: %v", p, typ, err)
			}
			if !json.Valid(w.Body) {
				t.Errorf("%s %s: body is not JSON:\n%s", p, typ, w.Body)
				continue
			}
			h, err := w.Sign(secret, now)
			if err != nil {
				t.Fatalf("%s %s: sign: %v", p, typ, err)
			}
			if err := v.Verify(verify.Request{Header: h, Body: w.Body, Now: now}); err != nil {
				t.Errorf("%s %s: does not verify: %v", p, typ, err)
			}
			lower := map[string]string{}
			for k, vs := range h {
				lower[strings.ToLower(k)] = vs[0]
			}
			key, err := eventkey.Derive(p, lower, w.Body)
			if err != nil || key.EventID != w.EventID {
				t.Errorf("%s %s: edge key %+v (%v), want event id %s", p, typ, key, err, w.EventID)
			}
		}
	}
}

func TestFreshIDs(t *testing.T) {
	t.Parallel()
	a, _ := Build("stripe", "", time.Now())
	b, _ := Build("stripe", "", time.Now())
	if a.EventID == b.EventID {
		t.Fatal("two samples share an event id")
	}
	if _, err := Build("stripe", "no.such.type", time.Now()); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := Build("nope", "", time.Now()); err == nil {
		t.Error("unknown platform accepted")
	}
}
