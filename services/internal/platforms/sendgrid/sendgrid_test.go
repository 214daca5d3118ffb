package sendgrid_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sendgrid"
)

// SendGrid's vector: sendgrid-go helpers/eventwebhook/eventwebhook_test.go
// (also in sendgrid-nodejs), public key, timestamp, payload and signature.
func TestVector(t *testing.T) {
	t.Parallel()
	const (
		pub  = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
		priv = "MHcCAQEEIEQmZgBEh9DcU9zMl34czK3xov4AYvm9P3r7rNB2dNXtoAoGCCqGSM49AwEHoUQDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
		sig  = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="
		ts   = "1588788367"
	)
	payload := []byte(`{"category":"example_payload","event":"test_event","message_id":"message_id"}`)
	v, err := sendgrid.NewVerifier([]string{pub}, 0)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1588788367, 0)
	hd := platformtest.H("X-Twilio-Email-Event-Webhook-Signature", sig, "X-Twilio-Email-Event-Webhook-Timestamp", ts)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: payload, Now: at}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd, Body: []byte("this is not valid payload"), Now: at}), "no signature match")
	hd2 := platformtest.H("X-Twilio-Email-Event-Webhook-Signature", sig, "X-Twilio-Email-Event-Webhook-Timestamp", "1588788368")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd2, Body: payload, Now: at}), "no signature match")
	// The SEC 1 private key of the same test signs what the public key
	// verifies.
	s, tsOut, err := sendgrid.Signature(priv, at, payload)
	if err != nil || tsOut != ts {
		t.Fatal(err, tsOut)
	}
	hd3 := platformtest.H("X-Twilio-Email-Event-Webhook-Signature", s, "X-Twilio-Email-Event-Webhook-Timestamp", ts)
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: hd3, Body: payload, Now: at}), "")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Twilio-Email-Event-Webhook-Signature", sig), Body: payload, Now: at}), "missing X-Twilio-Email-Event-Webhook-Timestamp header")
	platformtest.CheckErr(t, v.Verify(platform.Request{Header: platformtest.H("X-Twilio-Email-Event-Webhook-Signature", strings.Repeat("A", 100), "X-Twilio-Email-Event-Webhook-Timestamp", ts), Body: payload, Now: at}), "malformed signature header")
}

func TestKeysRefused(t *testing.T) {
	t.Parallel()
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKIXPublicKey(ed.Public())
	for _, k := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("not DER")), base64.StdEncoding.EncodeToString(edDER)} {
		if _, err := sendgrid.NewVerifier([]string{k}, 0); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("NewVerifier(%q) = %v, want ErrInvalid", k, err)
		}
	}
	if _, _, err := sendgrid.Signature("s", platformtest.Now, platformtest.Body); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Signature with a non-key = %v, want ErrInvalid", err)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	body := []byte(`[{"sg_event_id":"a=="},{"sg_event_id":"b"},{"sg_event_id":"c"}]`)
	keys, err := sendgrid.Platform.Items.Keys(body)
	if want := "[{ a==} { b} { c}]"; err != nil || fmt.Sprint(keys) != want {
		t.Errorf("Items.Keys = %v, %v; want %s", keys, err, want)
	}
	batch, err := sendgrid.Platform.Key(nil, body)
	if err != nil || !strings.HasPrefix(batch.EventID, eventid.BatchPrefix) || batch.Source != "" {
		t.Errorf("Key = %+v, %v; want a batch key", batch, err)
	}
	one, err := sendgrid.Platform.Key(nil, []byte(`[{"sg_event_id":"a=="}]`))
	if err != nil || one != keys[0] {
		t.Errorf("one-item Key = %+v, %v; want %+v", one, err, keys[0])
	}
	for _, b := range []string{`[]`, `{}`, `[{"sg_event_id":"a"},{}]`, `not json`} {
		if _, err := sendgrid.Platform.Items.Keys([]byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Items.Keys(%s) = %v, want ErrInvalid", b, err)
		}
	}
}

func FuzzHeaders(f *testing.F) {
	keys := sendgrid.Platform.TestKeys
	s, ts, err := sendgrid.Signature(keys[0].Sign, platformtest.Now, platformtest.Body)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s, ts, platformtest.Body)
	f.Add("MAYCAQECAQE=", "1700000000", platformtest.Body) // DER of r=1, s=1
	f.Add("", "", platformtest.Body)
	rk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rder, _ := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	known, _ := sendgrid.NewVerifier([]string{keys[0].Verify}, 0)
	unknowable, _ := sendgrid.NewVerifier([]string{base64.StdEncoding.EncodeToString(rder)}, 0)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		platformtest.CheckFuzz(t, known, unknowable, platform.Request{Header: http.Header{
			"X-Twilio-Email-Event-Webhook-Signature": {sig}, "X-Twilio-Email-Event-Webhook-Timestamp": {ts},
		}, Body: body, Now: platformtest.Now})
	})
}
