package paypal_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io/fs"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paypal"
)

// vectorWebhookID is the webhook id of PayPal-Java-SDK's ValidateCertTest;
// its transmission (headers, body) is the golden case
// java_sdk_payments_payment_created and its certificate
// testdata/keys/paypal_java_sdk_sandbox_cert.pem (the SDK's
// clientCertTest.crt, PayPal's sandbox signing certificate of 2019).
const vectorWebhookID = "0FV983392A0531201"

func vector(t *testing.T) (secret string, r platform.Request) {
	t.Helper()
	p, err := fs.ReadFile(paypal.Platform.TestData, "testdata/keys/paypal_java_sdk_sandbox_cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(p)
	body, err := fs.ReadFile(paypal.Platform.TestData, "testdata/normalize/java_sdk_payments_payment_created.json")
	if err != nil {
		t.Fatal(err)
	}
	hb, err := fs.ReadFile(paypal.Platform.TestData, "testdata/normalize/java_sdk_payments_payment_created.headers.json")
	if err != nil {
		t.Fatal(err)
	}
	var hm map[string]string
	if err := json.Unmarshal(hb, &hm); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, v := range hm {
		h.Set(k, v)
	}
	at, _ := time.Parse(time.RFC3339, hm["paypal-transmission-time"])
	return vectorWebhookID + ":" + base64.StdEncoding.EncodeToString(block.Bytes), platform.Request{Header: h, Body: body, Now: at.Add(time.Minute)}
}

// TestPublishedVector verifies PayPal's own transmission offline, and
// fails it under another webhook id, another body, outside the window.
func TestPublishedVector(t *testing.T) {
	t.Parallel()
	secret, r := vector(t)
	if got, want := paypal.SignedString("afa30d40-ca4a-11e9-ab68-7d4e2605c70c", "2019-08-29T10:49:33Z", vectorWebhookID, r.Body),
		"afa30d40-ca4a-11e9-ab68-7d4e2605c70c|2019-08-29T10:49:33Z|0FV983392A0531201|3674300368"; got != want {
		t.Errorf("SignedString = %s, want %s (CRC32 computed with Python's zlib)", got, want)
	}
	v, err := paypal.Platform.NewVerifier([]string{secret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	platformtest.CheckErr(t, v.Verify(r), "")

	other, _ := paypal.Platform.NewVerifier([]string{"NotToBeFound:" + strings.SplitN(secret, ":", 2)[1]}, 0)
	platformtest.CheckErr(t, other.Verify(r), "no signature match")
	tampered := r
	tampered.Body = platformtest.Tamper(r.Body)
	platformtest.CheckErr(t, v.Verify(tampered), "no signature match")
	late := r
	late.Now = r.Now.Add(paypal.DefaultTolerance)
	platformtest.CheckErr(t, v.Verify(late), sig.ReasonTooOld)
}

// keyPair generates an RSA key and a self-signed certificate for it, as
// a test stand-in for PayPal's: the secret is the certificate, the signer
// the private key.
func keyPair(t *testing.T, webhookID string) (verifyCert, verifySPKI, signKey string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "messageverificationcerts.test"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0)} // long expired: dates are not checked
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	priv, _ := x509.MarshalPKCS8PrivateKey(k)
	b := base64.StdEncoding.EncodeToString
	return webhookID + ":" + b(cert), webhookID + ":" + b(spki), webhookID + ":" + b(priv)
}

func TestVerify(t *testing.T) {
	t.Parallel()
	cert, spki, priv := keyPair(t, "WH1")
	cert2, _, priv2 := keyPair(t, "WH2")
	_, _, stranger := keyPair(t, "WH1")
	v, err := paypal.Platform.NewVerifier([]string{cert, cert2}, 0)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(key string) http.Header {
		h, _, err := paypal.Platform.Sign(platform.SignInput{Secret: key, Now: platformtest.Now, Body: platformtest.Body})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	good := signed(priv)
	with := func(name, value string) http.Header {
		h := good.Clone()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	platformtest.RunCases(t, v, []platformtest.Case{
		{Name: "valid", Header: good},
		{Name: "second certificate and webhook id", Header: signed(priv2)},
		{Name: "tampered body", Header: good, Body: platformtest.TamperedBody, Want: "no signature match"},
		{Name: "stranger's key", Header: signed(stranger), Want: "no signature match"},
		{Name: "missing id", Header: with(paypal.TransmissionIDHeader, ""), Want: "missing PAYPAL-TRANSMISSION-ID header"},
		{Name: "missing time", Header: with(paypal.TransmissionTimeHeader, ""), Want: "missing PAYPAL-TRANSMISSION-TIME header"},
		{Name: "missing signature", Header: with(paypal.TransmissionSigHeader, ""), Want: "missing PAYPAL-TRANSMISSION-SIG header"},
		{Name: "missing algorithm", Header: with(paypal.AuthAlgoHeader, ""), Want: "PAYPAL-AUTH-ALGO is not SHA256withRSA"},
		{Name: "other algorithm", Header: with(paypal.AuthAlgoHeader, "SHA1withRSA"), Want: "PAYPAL-AUTH-ALGO is not SHA256withRSA"},
		{Name: "other transmission id", Header: with(paypal.TransmissionIDHeader, "b0c4f2a0-0000-11e9-ab68-7d4e2605c70c"), Want: "no signature match"},
		{Name: "time rewritten, same instant", Header: with(paypal.TransmissionTimeHeader, "2023-11-14T22:13:20+00:00"), Want: "no signature match"},
		{Name: "time not RFC 3339", Header: with(paypal.TransmissionTimeHeader, "1700000000"), Want: sig.ReasonBadTimestamp},
		{Name: "signature not base64", Header: with(paypal.TransmissionSigHeader, "%%%"), Want: sig.ReasonMalformed},
		{Name: "signature too long", Header: with(paypal.TransmissionSigHeader, strings.Repeat("A", 1372)), Want: sig.ReasonMalformed},
		{Name: "transmission id too long", Header: with(paypal.TransmissionIDHeader, strings.Repeat("a", 129)), Want: sig.ReasonMalformed},
		{Name: "cert URL is never read", Header: with(paypal.CertURLHeader, "http://127.0.0.1:1/evil"), Want: ""},
		{Name: "too old", Header: good, Now: platformtest.Now.Add(paypal.DefaultTolerance + time.Second), Want: sig.ReasonTooOld},
		{Name: "too far ahead", Header: good, Now: platformtest.Now.Add(-paypal.DefaultTolerance - time.Second), Want: sig.ReasonFuture},
		{Name: "edge of the window", Header: good, Now: platformtest.Now.Add(paypal.DefaultTolerance)},
	})
	// The public key works as well as the certificate.
	pv, _ := paypal.Platform.NewVerifier([]string{spki}, 0)
	platformtest.CheckErr(t, pv.Verify(platform.Request{Header: good, Body: platformtest.Body, Now: platformtest.Now}), "")
}

func TestSecretFormat(t *testing.T) {
	t.Parallel()
	_, spki, _ := keyPair(t, "WH1")
	ec := "WH1:MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, bad := range []string{strings.TrimPrefix(spki, "WH1:"), ":" + strings.TrimPrefix(spki, "WH1:"), "WH1:", "WH1:not base64!", "WH1:AAAA", ec} {
		if _, err := paypal.Platform.NewVerifier([]string{bad}, 0); err == nil {
			t.Errorf("secret %.20q accepted", bad)
		}
	}
	if _, _, err := paypal.Platform.Sign(platform.SignInput{Secret: spki, Now: platformtest.Now, Body: platformtest.Body}); err == nil {
		t.Error("Sign accepted a public key")
	}
}

// FuzzHeader holds platformtest.CheckFuzz's properties for the
// PAYPAL-TRANSMISSION-SIG value: the oracle is crypto/rsa over the signed
// string written out here.
func FuzzHeader(f *testing.F) {
	keys := paypal.Platform.TestKeys
	h, _, err := paypal.Platform.Sign(platform.SignInput{Secret: keys[0].Sign, Now: platformtest.Now, Body: platformtest.Body})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(h.Get(paypal.TransmissionSigHeader), platformtest.Body)
	f.Add("", platformtest.Body)
	f.Add("AAAA", platformtest.Body)
	known, _ := paypal.Platform.NewVerifier([]string{keys[0].Verify}, 0)
	unknowable, _ := paypal.Platform.NewVerifier([]string{keys[2].Verify}, 0)
	pub := keys[0].Verify[strings.IndexByte(keys[0].Verify, ':')+1:]
	der, _ := base64.StdEncoding.DecodeString(pub)
	k, _ := x509.ParsePKIXPublicKey(der)
	webhookID := keys[0].Verify[:strings.IndexByte(keys[0].Verify, ':')]
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		r := platform.Request{Header: h.Clone(), Body: body, Now: platformtest.Now}
		r.Header.Set(paypal.TransmissionSigHeader, value)
		if !platformtest.CheckFuzz(t, known, unknowable, r) {
			return
		}
		s, err := base64.StdEncoding.DecodeString(value)
		digest := sha256.Sum256([]byte(paypal.SignedString(h.Get(paypal.TransmissionIDHeader), h.Get(paypal.TransmissionTimeHeader), webhookID, body)))
		if err != nil || rsa.VerifyPKCS1v15(k.(*rsa.PublicKey), crypto.SHA256, digest[:], s) != nil {
			t.Fatalf("accepted %q without a valid signature", value)
		}
	})
}
