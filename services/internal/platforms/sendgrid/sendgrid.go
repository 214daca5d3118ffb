// Package sendgrid is the SendGrid platform: the Signed Event Webhook
// (ECDSA P-256 over the timestamp and the body, verified with the
// account's public key), the batch of events keyed by their sg_event_id
// (one event per item for the normalizer), the normalization of email
// events (all unmapped), and sample batches.
package sendgrid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/json"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

//go:embed testdata
var testdata embed.FS

// Platform is SendGrid, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      NewVerifier,
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	Asymmetric:       true,
	Key:              key,
	Items: &platform.Items{
		Keys:      itemKeys,
		Normalize: norm.ArrayItems(name, item),
	},
	Normalize: normalize,
	Mapping:   mapping,
	Samples:   samples,
	TestKeys:  testKeys(),
	TestData:  testdata,
}

// key is the item's sg_event_id for a one-event batch, else the hash of
// all of them (eventid.BatchKey); SendGrid's ids are global, so no scope.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.BatchKey(name, body, itemID)
}

// itemKeys is Items.Keys: every item's sg_event_id.
func itemKeys(body []byte) ([]eventid.Key, error) {
	return eventid.BatchItemKeys(name, body, itemID)
}

// itemID reads an item's sg_event_id (raw bytes).
func itemID(m map[string]json.RawMessage) (id, source string) {
	return eventid.RawText(m["sg_event_id"]), ""
}

// testKeys are the development key pairs, derived from public strings:
// the primary is the pair `make run` configures (verify.DevKeyPair), as
// public as the others. They exist for tests and tools, never for
// production.
func testKeys() []platform.KeyPair {
	pair := func(seed string) platform.KeyPair {
		// A SHA-256 output is below the P-256 order with overwhelming
		// probability; ParseRawPrivateKey rejects the rare exception, and
		// these fixed seeds are known to be fine.
		d := sha256.Sum256([]byte(seed))
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:])
		if err != nil {
			panic("sendgrid: test key " + seed + ": " + err.Error()) // a build defect, caught by every test
		}
		pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic("sendgrid: test key " + seed + ": " + err.Error())
		}
		priv, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic("sendgrid: test key " + seed + ": " + err.Error())
		}
		return platform.KeyPair{Sign: base64.StdEncoding.EncodeToString(priv), Verify: base64.StdEncoding.EncodeToString(pub)}
	}
	return []platform.KeyPair{
		pair("hookmesh-development-sendgrid"),
		pair("hookmesh-development-sendgrid-rotated"),
		pair("another sendgrid account"),
	}
}
