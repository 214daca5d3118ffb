package eventkey

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// TestItemKeys checks that every item of a batch gets the key it would
// get alone, in the body's order, and that a batch's item keys differ
// from the batch key, which stays as before.
func TestItemKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform, body string
		want           []Key
	}{
		{"sendgrid", `[{"sg_event_id":"a=="},{"sg_event_id":"b"},{"sg_event_id":"c"}]`,
			[]Key{{EventID: "a=="}, {EventID: "b"}, {EventID: "c"}}},
		{"hubspot", `[{"eventId":1,"portalId":7},{"eventId":"2","portalId":7},{"eventId":18446744073709551615,"portalId":8}]`,
			[]Key{{EventID: "1", Source: "7"}, {EventID: "2", Source: "7"}, {EventID: "18446744073709551615", Source: "8"}}},
		{"adyen", `{"notificationItems":[
			{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"true","merchantAccountCode":"M"}},
			{"NotificationRequestItem":{"pspReference":"P1","eventCode":"AUTHORISATION","success":"false","merchantAccountCode":"M"}},
			{"NotificationRequestItem":{"pspReference":"P2","eventCode":"REFUND","success":true,"merchantAccountCode":"N"}}]}`,
			[]Key{{EventID: "P1:AUTHORISATION:true", Source: "M"}, {EventID: "P1:AUTHORISATION:false", Source: "M"},
				{EventID: "P2:REFUND:true", Source: "N"}}},
	}
	for _, tt := range tests {
		got, ok, err := ItemKeys(tt.platform, []byte(tt.body))
		if err != nil || !ok {
			t.Fatalf("%s: ItemKeys: %v, ok %v", tt.platform, err, ok)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: keys %+v, want %+v", tt.platform, got, tt.want)
		}
		batch, err := Derive(tt.platform, nil, []byte(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range got {
			if k == batch {
				t.Errorf("%s: item key %+v equals the batch key", tt.platform, k)
			}
		}
	}
	if _, ok, err := ItemKeys("stripe", []byte(`{"id":"evt_1"}`)); ok || err != nil {
		t.Errorf("stripe: ok %v, err %v; want no item keys", ok, err)
	}
	for _, body := range []string{`[]`, `{}`, `[{"sg_event_id":"a"},{}]`, `not json`} {
		if _, _, err := ItemKeys("sendgrid", []byte(body)); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("sendgrid %s: err %v, want ErrInvalid", body, err)
		}
	}
}

// FuzzItemKeys checks on any body that ItemKeys agrees with Derive: it
// fails exactly when Derive does, and a one-item batch's key is Derive's.
func FuzzItemKeys(f *testing.F) {
	f.Add("sendgrid", `[{"sg_event_id":"a"},{"sg_event_id":"b"}]`)
	f.Add("sendgrid", `[{"sg_event_id":"a\u00e9"}]`)
	f.Add("hubspot", `[{"eventId":1,"portalId":7}]`)
	f.Add("adyen", `{"notificationItems":[{"NotificationRequestItem":{"pspReference":"P","eventCode":"E","success":"true","merchantAccountCode":"M"}}]}`)
	f.Fuzz(func(t *testing.T, platform, body string) {
		keys, ok, err := ItemKeys(platform, []byte(body))
		if !ok {
			return
		}
		k, derr := Derive(platform, nil, []byte(body))
		if (err == nil) != (derr == nil) {
			t.Fatalf("ItemKeys err %v, Derive err %v", err, derr)
		}
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		if len(keys) == 1 && keys[0] != k {
			t.Fatalf("one item: key %+v, Derive %+v", keys[0], k)
		}
	})
}
