// Package hubspot is the HubSpot platform: the v3 request signature
// (base64 HMAC-SHA256 of the method, the URL, the body and the millisecond
// timestamp, 5 minutes), the batch of events keyed by their eventId scoped
// by the portal (one event per item for the normalizer), the normalization
// of CRM events and their mapping, and sample batches.
package hubspot

import (
	"embed"
	"encoding/json"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

//go:embed testdata
var testdata embed.FS

// Platform is HubSpot, as the registry lists it.
var Platform = platform.Platform{
	Name:             name,
	NewVerifier:      platform.Windowed(NewVerifier),
	Sign:             sign,
	DefaultTolerance: DefaultTolerance,
	SignsURL:         true,
	Key:              key,
	Items: &platform.Items{
		Keys:      itemKeys,
		Normalize: norm.ArrayItems(name, item),
	},
	Normalize: normalize,
	Mapping:   mapping,
	Samples:   samples,
	TestData:  testdata,
}

// key is the item's eventId scoped by its portalId for a one-event batch,
// else the hash of all "portalId/eventId" pairs (eventid.BatchKey).
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.BatchKey(name, body, itemID)
}

// itemKeys is Items.Keys: every item's eventId, scoped by its portalId.
func itemKeys(body []byte) ([]eventid.Key, error) {
	return eventid.BatchItemKeys(name, body, itemID)
}

// itemID reads an item's eventId and portalId (raw bytes).
func itemID(m map[string]json.RawMessage) (id, source string) {
	return eventid.RawText(m["eventId"]), eventid.RawText(m["portalId"])
}
