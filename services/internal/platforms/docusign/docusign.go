// Package docusign is the DocuSign Connect platform (JSON messages with
// HMAC security): one X-DocuSign-Signature-<n> header per active Connect
// key, each the base64 HMAC-SHA256 of the body; a dedup key made of the
// event, its envelope (and recipient) and when it was generated; the
// normalization of Connect events (none has a common meaning) and sample
// events. Legacy XML messages are not supported.
//
// Sources: https://developers.docusign.com/platform/webhooks/connect/hmac
// and https://developers.docusign.com/platform/webhooks/connect/validate
package docusign

import (
	"embed"
	"encoding/json"
	"fmt"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is DocuSign Connect, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: platform.Keyed(NewVerifier),
	Sign:        sign,
	Key:         key,
	Normalize:   normalize,
	Mapping:     mapping,
	Samples:     samples,
	TestData:    testdata,
}

// mapping is empty: Connect's events follow envelopes and recipients
// through signing (envelope-sent, envelope-completed,
// recipient-completed ...), none of which is a payment, order, user,
// subscription, code or chat event. They pass through as
// EVENT_TYPE_UNMAPPED with the envelope kept.
var mapping = map[string]eventv1.EventType{}

// keyFields are the fields of the dedup key, read as their exact bytes.
type keyFields struct {
	Event             eventid.RawString `json:"event"`
	GeneratedDateTime eventid.RawString `json:"generatedDateTime"`
	Data              *struct {
		AccountID   eventid.RawString `json:"accountId"`
		EnvelopeID  eventid.RawString `json:"envelopeId"`
		RecipientID eventid.RawString `json:"recipientId"`
	} `json:"data"`
}

// key is "<event>:<envelopeId>[:<recipientId>]:<generatedDateTime>",
// scoped by the account. Connect messages carry no message id, and a
// retry differs from the first attempt (retryCount grows), so neither the
// bytes nor a header can key them; these fields name the event: what
// happened, to which envelope (and recipient), and when DocuSign
// generated it.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	var k keyFields
	if err := json.Unmarshal(body, &k); err != nil {
		return eventid.Key{}, fmt.Errorf("docusign key: %w: %v", apperr.ErrInvalid, err)
	}
	if k.Event == "" || k.GeneratedDateTime == "" || k.Data == nil || k.Data.EnvelopeID == "" {
		return eventid.Key{}, fmt.Errorf("docusign key: event, generatedDateTime or data.envelopeId missing: %w", apperr.ErrInvalid)
	}
	id := string(k.Event) + ":" + string(k.Data.EnvelopeID)
	if k.Data.RecipientID != "" {
		id += ":" + string(k.Data.RecipientID)
	}
	return eventid.Key{EventID: eventid.Encode(id + ":" + string(k.GeneratedDateTime)), Source: eventid.Encode(string(k.Data.AccountID))}, nil
}
