package adyen_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/adyen"
)

// vectorKey is the HMAC key of adyen-php-api-library's REFUND vector.
const vectorKey = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"

var batchBody = []byte(`{"live":"false","notificationItems":[` +
	`{"NotificationRequestItem":{"pspReference":"evt_1","merchantAccountCode":"TestMerchant","merchantReference":"order-1","amount":{"value":1130,"currency":"EUR"},"eventCode":"AUTHORISATION","success":"true"}},` +
	`{"NotificationRequestItem":{"pspReference":"evt_2","originalReference":"evt_0","merchantAccountCode":"TestMerchant","merchantReference":"order-2","amount":{"value":0,"currency":"EUR"},"eventCode":"REFUND","success":"false"}}]}`)

func verifier(t testing.TB, key string) platform.Verifier {
	t.Helper()
	v, err := adyen.NewVerifier([]string{key}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Adyen's vectors: adyen-php-api-library tests/Adyen/Util/HmacSignatureTest
// (the same items are in Adyen's other SDKs' HMAC tests).
func TestVectors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ key, item, want string }{
		{
			"DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00",
			`{"pspReference":"7914073381342284","merchantAccountCode":"TestMerchant","merchantReference":"TestPayment-1407325143704","amount":{"value":1130,"currency":"EUR"},"eventCode":"AUTHORISATION","success":"true"}`,
			"Ny9gS2veKo5E4w8/OL6xz1/wvT/hYkAXy1xNc/QvO4I=",
		},
		{
			vectorKey,
			`{"pspReference":"7914073381342284","merchantAccountCode":"TestMerchant","merchantReference":"TestPayment-1407325143704","amount":{"value":0,"currency":"EUR"},"eventCode":"REFUND","success":"true"}`,
			"J7HhsgZo5KwqdB7LFZJV6rfQgp+RqC2kuYyw/3x3w+8=",
		},
	} {
		got, err := adyen.SignItem(c.key, []byte(c.item))
		if err != nil || got != c.want {
			t.Errorf("SignItem = %q, %v; want %q", got, err, c.want)
		}
		signedItem := strings.TrimSuffix(c.item, "}") + `,"additionalData":{"hmacSignature":"` + c.want + `"}}`
		body := `{"live":"false","notificationItems":[{"NotificationRequestItem":` + signedItem + `}]}`
		platformtest.CheckErr(t, verifier(t, c.key).Verify(platform.Request{Body: []byte(body)}), "")
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	v := verifier(t, vectorKey)
	_, signed, err := adyen.Platform.Sign(platform.SignInput{Secret: vectorKey, Body: batchBody})
	if err != nil {
		t.Fatal(err)
	}
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: signed}), "")
	// One item of the batch altered: the whole batch fails.
	second := strings.Replace(string(signed), `"evt_2"`, `"evt_3"`, 1)
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(second)}), "item signature mismatch")
	// One item's signature removed.
	first := strings.Replace(string(signed), `"hmacSignature"`, `"x"`, 1)
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(first)}), "item without hmacSignature")
	garbled := strings.Replace(string(signed), `"hmacSignature":"`, `"hmacSignature":"%%`, 1)
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(garbled)}), sig.ReasonMalformed)
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(`{"notificationItems":[]}`)}), "no notification items")
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(`not json`)}), "malformed body")
	many := `{"notificationItems":[` + strings.Repeat(`{"NotificationRequestItem":{}},`, adyen.MaxItems) + `{"NotificationRequestItem":{}}]}`
	platformtest.CheckErr(t, v.Verify(platform.Request{Body: []byte(many)}), sig.ReasonTooMany)
	if _, err := adyen.NewVerifier([]string{"not hex"}, 0); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("NewVerifier(not hex) = %v, want ErrInvalid", err)
	}
	if _, _, err := adyen.Platform.Sign(platform.SignInput{Secret: "0011", Body: []byte(`{"notificationItems":[]}`)}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("Sign of no items = %v, want ErrInvalid", err)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	body := []byte(`{"notificationItems":[
		{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"true","merchantAccountCode":"M"}},
		{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"false","merchantAccountCode":"M"}},
		{"NotificationRequestItem":{"pspReference":"P2","eventCode":"REFUND","success":true,"merchantAccountCode":"N"}}]}`)
	keys, err := adyen.Platform.Items.Keys(body)
	if want := "[{M P1:AUTHORISATION:true} {M P1:AUTHORISATION:false} {N P2:REFUND:true}]"; err != nil || fmt.Sprint(keys) != want {
		t.Errorf("Items.Keys = %v, %v; want %s", keys, err, want)
	}
	batch, err := adyen.Platform.Key(nil, body)
	if err != nil || !strings.HasPrefix(batch.EventID, eventid.BatchPrefix) || batch.Source != "" {
		t.Errorf("Key = %+v, %v; want an unscoped batch key", batch, err)
	}
	for _, b := range []string{`{}`, `{"notificationItems":[{"NotificationRequestItem":{"eventCode":"E"}}]}`, `[]`} {
		if _, err := adyen.Platform.Key(nil, []byte(b)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("Key(%s) = %v, want ErrInvalid", b, err)
		}
	}
}

func FuzzBody(f *testing.F) {
	_, signed, _ := adyen.Platform.Sign(platform.SignInput{Secret: vectorKey, Body: batchBody})
	f.Add(signed)
	f.Add([]byte(`{"notificationItems":[{"NotificationRequestItem":null}]}`))
	f.Add([]byte(`{"notificationItems":[{"NotificationRequestItem":{"amount":{"value":"x"},"success":true}}]}`))
	known := verifier(f, vectorKey)
	unknowable := verifier(f, hex.EncodeToString([]byte(platformtest.FuzzUnknowable)))
	f.Fuzz(func(t *testing.T, body []byte) {
		platformtest.CheckFuzz(t, known, unknowable, platform.Request{Body: body, Now: platformtest.Now})
	})
}
