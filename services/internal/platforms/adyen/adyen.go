// Package adyen is the Adyen platform (standard payments webhooks): the
// signature inside the body (every NotificationRequestItem's
// additionalData.hmacSignature, the base64 HMAC-SHA256 of its fields under
// the hex HMAC key), the batch of items keyed by
// "pspReference:eventCode:success" scoped by the merchant account (one
// event per item for the normalizer), the normalization of payment events,
// and sample notifications.
package adyen

import (
	"bytes"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
)

//go:embed testdata
var testdata embed.FS

// Platform is Adyen, as the registry lists it.
var Platform = platform.Platform{
	Name:        name,
	NewVerifier: NewVerifier,
	Sign:        sign,
	BodySigned:  true,
	Key:         key,
	Items: &platform.Items{
		Keys:      itemKeys,
		Normalize: allItems,
	},
	Normalize: normalize,
	Mapping:   mapping,
	Samples:   samples,
	TestKeys:  testKeys,
	TestData:  testdata,
}

// testKeys are hex HMAC keys, as Adyen's are.
var testKeys = []platform.KeyPair{
	{Sign: hex.EncodeToString([]byte("platformtest-adyen-primary")), Verify: hex.EncodeToString([]byte("platformtest-adyen-primary"))},
	{Sign: hex.EncodeToString([]byte("platformtest-adyen-rotated")), Verify: hex.EncodeToString([]byte("platformtest-adyen-rotated"))},
	{Sign: hex.EncodeToString([]byte("platformtest-adyen-stranger")), Verify: hex.EncodeToString([]byte("platformtest-adyen-stranger"))},
}

// key keys the notification items: one item by
// "pspReference:eventCode:success", several by the hash of those, sorted;
// scoped by the merchant account they share. success is part of the key
// because Adyen may send the same pspReference and eventCode again with
// another outcome, which must not be dropped as a duplicate.
func key(_ map[string]string, body []byte) (eventid.Key, error) {
	ids, merchants, err := itemIDs(body)
	if err != nil {
		return eventid.Key{}, err
	}
	return eventid.JoinKeys(ids, merchants, func(i int) string { return ids[i] }), nil
}

// itemKeys is Items.Keys: every item's "pspReference:eventCode:success",
// scoped by its merchantAccountCode.
func itemKeys(body []byte) ([]eventid.Key, error) {
	ids, merchants, err := itemIDs(body)
	if err != nil {
		return nil, err
	}
	return eventid.ItemKeys(ids, merchants), nil
}

// itemIDs returns the raw "pspReference:eventCode:success" and the
// merchant account of every notification item (1 to eventid.MaxBatch of
// them).
func itemIDs(body []byte) (ids, merchants []string, err error) {
	var env struct {
		NotificationItems []struct {
			Item struct {
				PspReference        eventid.RawString `json:"pspReference"`
				EventCode           eventid.RawString `json:"eventCode"`
				Success             json.RawMessage   `json:"success"`
				MerchantAccountCode eventid.RawString `json:"merchantAccountCode"`
			} `json:"NotificationRequestItem"`
		} `json:"notificationItems"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, nil, fmt.Errorf("adyen: %w: %v", apperr.ErrInvalid, err)
	}
	if n := len(env.NotificationItems); n == 0 || n > eventid.MaxBatch {
		return nil, nil, fmt.Errorf("adyen: %d notification items: %w", n, apperr.ErrInvalid)
	}
	ids = make([]string, len(env.NotificationItems))
	merchants = make([]string, len(env.NotificationItems))
	for i, ni := range env.NotificationItems {
		it := ni.Item
		if it.PspReference == "" || it.EventCode == "" {
			return nil, nil, fmt.Errorf("adyen: an item has no pspReference or eventCode: %w", apperr.ErrInvalid)
		}
		success := eventid.RawText(it.Success)
		if success == "" {
			success = string(bytes.TrimSpace(it.Success)) // a bare true/false
		}
		ids[i] = string(it.PspReference) + ":" + string(it.EventCode) + ":" + success
		merchants[i] = string(it.MerchantAccountCode)
	}
	return ids, merchants, nil
}
