package adyen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
)

const (
	name = "adyen"
	// MaxItems bounds the items of one batch we compute HMACs for.
	// Adyen sends a handful per request; more is not a genuine batch.
	MaxItems = 100
)

type verifier struct{ keys [][]byte }

// NewVerifier returns a Verifier of Adyen's standard (payments) webhooks, whose
// signatures are inside the payload: every NotificationRequestItem of the
// batch carries additionalData.hmacSignature, the base64 HMAC-SHA256 of
// pspReference:originalReference:merchantAccountCode:merchantReference:
// amount.value:amount.currency:eventCode:success (absent fields empty),
// keyed with the hex-decoded HMAC key from the Customer Area. Every item
// must verify under one of the keys, and a batch without items fails. No
// timestamp is signed. Each secret is the hex HMAC key; a secret that is
// not hex is refused here, wrapping apperr.ErrInvalid.
func NewVerifier(secrets []string, _ time.Duration) (platform.Verifier, error) {
	keys := make([][]byte, 0, len(secrets))
	for i, s := range secrets {
		if s == "" {
			continue
		}
		k, err := hex.DecodeString(s)
		if err != nil || len(k) == 0 {
			return nil, fmt.Errorf("HMAC key #%d is not hex: %w", i+1, apperr.ErrInvalid)
		}
		keys = append(keys, k)
	}
	return &verifier{keys: keys}, nil
}

// signedItem is the part of a NotificationRequestItem that is signed.
type signedItem struct {
	PspReference        string          `json:"pspReference"`
	OriginalReference   string          `json:"originalReference"`
	MerchantAccountCode string          `json:"merchantAccountCode"`
	MerchantReference   string          `json:"merchantReference"`
	Amount              signedAmount    `json:"amount"`
	EventCode           string          `json:"eventCode"`
	Success             json.RawMessage `json:"success"`
	AdditionalData      struct {
		HMACSignature string `json:"hmacSignature"`
	} `json:"additionalData"`
}

type signedAmount struct {
	Value    json.Number `json:"value"`
	Currency string      `json:"currency"`
}

// signedData is the colon-joined string Adyen signs.
func (it signedItem) signedData() []byte {
	success := string(it.Success)
	if s, err := unquoteJSON(it.Success); err == nil {
		success = s // "true" as a string, as Adyen sends it; a bare bool stays as is
	}
	return []byte(strings.Join([]string{
		it.PspReference, it.OriginalReference, it.MerchantAccountCode, it.MerchantReference,
		it.Amount.Value.String(), it.Amount.Currency, it.EventCode, success,
	}, ":"))
}

func unquoteJSON(raw json.RawMessage) (string, error) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// parseItems decodes the batch, bounded by MaxItems.
func parseItems(body []byte) ([]signedItem, string) {
	var env struct {
		NotificationItems []struct {
			Item *signedItem `json:"NotificationRequestItem"`
		} `json:"notificationItems"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&env); err != nil {
		return nil, "malformed body"
	}
	if len(env.NotificationItems) == 0 {
		return nil, "no notification items"
	}
	if len(env.NotificationItems) > MaxItems {
		return nil, sig.ReasonTooMany
	}
	items := make([]signedItem, 0, len(env.NotificationItems))
	for _, ni := range env.NotificationItems {
		if ni.Item == nil {
			return nil, "malformed body"
		}
		items = append(items, *ni.Item)
	}
	return items, ""
}

// Verify checks the hmacSignature of every item of r.Body.
func (v *verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return sig.Fail(name, sig.ReasonNoSecrets)
	}
	items, reason := parseItems(r.Body)
	if reason != "" {
		return sig.Fail(name, reason)
	}
	for _, it := range items {
		if it.AdditionalData.HMACSignature == "" {
			return sig.Fail(name, "item without hmacSignature")
		}
		mac, ok := sig.DecodeBase64N(it.AdditionalData.HMACSignature, sha256.Size)
		if !ok {
			return sig.Fail(name, sig.ReasonMalformed)
		}
		if !sig.MatchAny(v.keys, [][]byte{mac}, it.signedData()) {
			return sig.Fail(name, "item signature mismatch")
		}
	}
	return nil
}

// SignItem returns the hmacSignature Adyen computes for one
// NotificationRequestItem (its JSON) under the hex HMAC key.
func SignItem(hexKey string, item []byte) (string, error) {
	k, err := hex.DecodeString(hexKey)
	if err != nil || len(k) == 0 {
		return "", fmt.Errorf("adyen: HMAC key is not hex: %w", apperr.ErrInvalid)
	}
	var it signedItem
	d := json.NewDecoder(bytes.NewReader(item))
	d.UseNumber()
	if err := d.Decode(&it); err != nil {
		return "", fmt.Errorf("adyen: item: %w", apperr.ErrInvalid)
	}
	return base64.StdEncoding.EncodeToString(sig.MAC(k, it.signedData())), nil
}

// signBody returns body with additionalData.hmacSignature set in
// every item. Re-encoding sorts object keys; numbers keep their text.
func signBody(hexKey string, body []byte) ([]byte, error) {
	var env map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&env); err != nil {
		return nil, fmt.Errorf("body is not a JSON object: %w", apperr.ErrInvalid)
	}
	list, _ := env["notificationItems"].([]any)
	if len(list) == 0 {
		return nil, fmt.Errorf("body has no notificationItems: %w", apperr.ErrInvalid)
	}
	for _, e := range list {
		wrap, _ := e.(map[string]any)
		item, _ := wrap["NotificationRequestItem"].(map[string]any)
		if item == nil {
			return nil, fmt.Errorf("notificationItems entry without NotificationRequestItem: %w", apperr.ErrInvalid)
		}
		raw, err := json.Marshal(item)
		if err != nil {
			return nil, fmt.Errorf("item: %w", err)
		}
		s, err := SignItem(hexKey, raw)
		if err != nil {
			return nil, err
		}
		ad, _ := item["additionalData"].(map[string]any)
		if ad == nil {
			ad = map[string]any{}
		}
		ad["hmacSignature"] = s
		item["additionalData"] = ad
	}
	return json.Marshal(env)
}

// sign is Platform.Sign: no headers, and the body with every item's
// hmacSignature under the hex HMAC key in.Secret.
func sign(in platform.SignInput) (http.Header, []byte, error) {
	body, err := signBody(in.Secret, in.Body)
	if err != nil {
		return nil, nil, err
	}
	return http.Header{}, body, nil
}
