package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
)

// benchEvent returns a JSON event of about size bytes with head's fields.
func benchEvent(head string, size int) []byte {
	var b strings.Builder
	b.WriteString(`{` + head + `,"data":{"object":{"metadata":{`)
	for i := 0; b.Len() < size-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%d":"value with some text \u00e9 %d"`, i, i)
	}
	b.WriteString(`}}},"livemode":false}`)
	return []byte(b.String())
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkWebhook serves POST /webhooks/{platform} in process, from the
// routing to the 202, with downstream calls that cost nothing.
func BenchmarkWebhook(b *testing.B) {
	const stripeSecret = "whsec_bench"
	sv, err := verify.New("stripe", []string{stripeSecret}, 0)
	if err != nil {
		b.Fatal(err)
	}
	lv, err := verify.New("slack", []string{slackSecret}, 0)
	if err != nil {
		b.Fatal(err)
	}
	svc := ingest.New(ingest.Options{
		Platforms: []ingest.Platform{
			{Name: "stripe", Verifier: sv, MaxBodyBytes: 1 << 20},
			{Name: "slack", Verifier: lv, MaxBodyBytes: 1 << 20},
		},
		Normalizer: ingesttest.NopNormalizer{}, Ledger: ingesttest.NopLedger{},
		NormalizeTimeout: time.Second, RecordTimeout: time.Second,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		PublicURL: "https://hooks.example.com/",
	})
	h, err := NewPublic(svc, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{2 << 10, 15 << 10} {
		for _, platform := range []string{"stripe", "slack"} {
			var body []byte
			var hdr http.Header
			switch platform {
			case "stripe":
				body = benchEvent(`"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","type":"payment_intent.succeeded"`, size)
				if hdr, err = verify.Sign("stripe", stripeSecret, time.Now(), "", body); err != nil {
					b.Fatal(err)
				}
			case "slack":
				body = benchEvent(`"token":"x","team_id":"T1","event_id":"Ev08MFMKH6J","type":"event_callback"`, size)
				sig, ts := slack.Signature(slackSecret, time.Now(), body)
				hdr = http.Header{"X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}}
			}
			hdr.Set("Content-Type", "application/json")
			hdr.Set("User-Agent", "Bench/1.0")
			b.Run(fmt.Sprintf("%s-%dk", platform, size>>10), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				w := &discardWriter{h: http.Header{}}
				for b.Loop() {
					r := httptest.NewRequest(http.MethodPost, "/webhooks/"+platform, bytes.NewReader(body))
					for k, v := range hdr {
						r.Header[k] = v
					}
					clear(w.h)
					w.code = 0
					h.ServeHTTP(w, r)
					if w.code != http.StatusAccepted {
						b.Fatalf("status %d", w.code)
					}
				}
			})
		}
	}
}
