// Package segment is the Segment platform: events forwarded by Segment's
// Webhooks destinations (Webhooks (Actions), and the classic Webhooks
// destination), signed with the destination's shared secret: the hex
// HMAC-SHA1 of the body in X-Signature, or, where the destination's "Use
// X-Segment-Signature Header" setting is on, in X-Segment-Signature; the
// message's messageId as the dedup key; the normalization of Segment's
// calls (track, identify, page, screen, group, alias) and its mapping; and
// sample events.
//
// Sources: https://segment.com/docs/connections/destinations/catalog/actions-webhook/
// (now https://www.twilio.com/docs/segment/connections/destinations/catalog/actions-webhook),
// the classic destination's page (.../catalog/webhooks/, Appendices:
// Authentication), and the destination's code in
// segmentio/action-destinations (destinations/webhook/index.ts,
// extendRequest).
package segment

import (
	"embed"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Segment, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        legacy.Sign, // X-Signature, as the destination sends by default
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// key is the message's messageId, which Segment sets once per call and
// keeps on every retry (it is what Segment itself deduplicates on).
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	return eventid.TopKey(name, "messageId", body)
}
