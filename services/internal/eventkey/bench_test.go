package eventkey

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// payload returns a JSON object of about size bytes: head's fields, then a
// nested object of filler, so that finding the id means skipping most of
// the body, as in real events.
func payload(head string, size int) []byte {
	var b strings.Builder
	b.WriteString(`{` + head + `,"data":{"object":{"metadata":{`)
	for i := 0; b.Len() < size-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%d":"value with some text \u00e9 %d"`, i, i)
	}
	b.WriteString(`}}},"livemode":false,"type":"payment_intent.succeeded"}`)
	return []byte(b.String())
}

func BenchmarkDerive(b *testing.B) {
	stripe2k := payload(`"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event"`, 2<<10)
	stripe15k := payload(`"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event"`, 15<<10)
	slack2k := payload(`"token":"x","team_id":"T1","event_id":"Ev08MFMKH6J","type":"event_callback"`, 2<<10)
	intercom2k := payload(`"type":"notification_event","app_id":"abc123","id":"notif_1"`, 2<<10)
	tests := []struct {
		name     string
		platform string
		headers  map[string]string
		body     []byte
	}{
		{"stripe-2k", "stripe", nil, stripe2k},
		{"stripe-15k", "stripe", nil, stripe15k},
		{"slack-2k", "slack", nil, slack2k},
		{"github", "github", map[string]string{"x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x-github-hook-id": "292430182"}, stripe2k},
		{"shopify", "shopify", map[string]string{"x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5", "x-shopify-shop-domain": "s.myshopify.com"}, stripe2k},
		{"standard-webhooks", "standard", map[string]string{"webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"}, stripe2k},
		{"intercom-2k", "intercom", nil, intercom2k},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tt.body)))
			for b.Loop() {
				if _, err := Derive(tt.platform, tt.headers, tt.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, tt := range []struct {
		name string
		body []byte
	}{{"2k", stripe2k}, {"15k", stripe15k}} {
		// The edge's route: the rule compiled once, at load.
		d, err := CompileDedup(sources.Dedup{JSONPath: "id"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("configured-jsonpath-"+tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tt.body)))
			for b.Loop() {
				if _, err := d.DeriveBody(nil, tt.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
