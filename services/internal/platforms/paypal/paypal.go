// Package paypal is the PayPal platform: the certificate-based
// PAYPAL-TRANSMISSION-SIG, verified offline against a configured
// certificate (or public key) and webhook id; the event id at the top of
// the body as the dedup key; the normalization of payment captures, sales
// and billing subscriptions; and sample events.
//
// Sources (checked 2026-12): https://developer.paypal.com/api/rest/webhooks/rest/
// and the verify-webhook-signature reference
// (https://developer.paypal.com/api/webhooks/v1/): headers
// PAYPAL-TRANSMISSION-ID, PAYPAL-TRANSMISSION-TIME (RFC 3339),
// PAYPAL-TRANSMISSION-SIG (base64), PAYPAL-CERT-URL and PAYPAL-AUTH-ALGO
// (SHA256withRSA); the signed string is
// "<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw
// body, unsigned decimal>", signed RSA PKCS #1 v1.5 with SHA-256 by the
// key of the certificate at the cert URL; a failed delivery is retried up
// to 25 times over 3 days, each a new transmission. PayPal-Java-SDK's
// ValidateCertTest (a real sandbox transmission with its certificate) is
// the published vector, checked by a test here.
//
// Offline: hookmesh never fetches PAYPAL-CERT-URL (an attacker chooses
// it; fetching it is a request forgery and a dependency on PayPal at
// receipt time). The operator configures, per secret,
// "<webhook id>:<base64 DER>", the DER being PayPal's signing certificate
// (the one the cert URL serves: `openssl x509 -outform DER | base64 -w0`)
// or its public key (SubjectPublicKeyInfo). PayPal renews that
// certificate from time to time: configure the new one beside the old,
// as with any secret rotation. The certificate's chain and dates are not
// checked: trust comes from the operator having configured it.
//
// Window: PayPal signs the transmission time but documents no window;
// we apply 5 minutes (ours), both directions.
package paypal

import (
	"embed"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

const name = "paypal"

//go:embed testdata
var testdata embed.FS

// Platform is PayPal, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      newVerifier,
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Asymmetric:       true,
	Key:              key,
	Normalize:        normalize,
	Mapping:          mapping,
	Samples:          samples,
	TestKeys:         testKeys(),
	TestData:         testdata,
}

// key is the event id at the top of the body ("WH-..."): every
// transmission of an event carries it.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	id, err := eventid.TopString(body, "id")
	if err != nil {
		return eventid.Key{}, fmt.Errorf("paypal event id: %w: %v", apperr.ErrInvalid, err)
	}
	return eventid.Key{EventID: eventid.Encode(id)}, nil
}

// testKeys are the development and test key pairs, from
// testdata/keys: generated for hookmesh and public, like every
// development secret. The primary pair is the development one (see
// DevKeyPair in services/edge/verify).
func testKeys() []platform.KeyPair {
	pair := func(file, webhookID string) platform.KeyPair {
		read := func(ext string) string {
			b, err := testdata.ReadFile("testdata/keys/" + file + ext)
			if err != nil {
				panic("paypal: embedded key " + file + ext + ": " + err.Error()) // a build defect, caught by every test
			}
			return webhookID + ":" + string(b)
		}
		return platform.KeyPair{Sign: read(".pkcs8.b64"), Verify: read(".spki.b64")}
	}
	return []platform.KeyPair{
		pair("primary", "HOOKMESHDEVWEBHOOK1"),
		pair("rotated", "HOOKMESHDEVWEBHOOK2"),
		pair("stranger", "HOOKMESHDEVWEBHOOK1"),
	}
}
