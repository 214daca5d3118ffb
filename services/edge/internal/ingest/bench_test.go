package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

// benchBody returns a Stripe-like event of about size bytes.
func benchBody(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","data":{"object":{"metadata":{`)
	for i := 0; b.Len() < size-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%d":"value with some text \u00e9 %d"`, i, i)
	}
	b.WriteString(`}}},"livemode":false,"type":"payment_intent.succeeded"}`)
	return []byte(b.String())
}

// bodyReader hides the length of its bytes, as a request body does.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) { return b.r.Read(p) }

func BenchmarkReadBody(b *testing.B) {
	for _, size := range []int{2 << 10, 15 << 10} {
		body := benchBody(size)
		h := http.Header{"Content-Length": {strconv.Itoa(len(body))}}
		b.Run(fmt.Sprintf("%dk", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := io.LimitReader(bytes.NewReader(body), int64(len(body)))
				got, _, err := ReadBodySize(bodyReader{r}, h, 1<<20, int64(len(body)))
				if err != nil || len(got) != len(body) {
					b.Fatal(err)
				}
			}
		})
	}
	body := benchBody(15 << 10)
	zipped := gz(b, body)
	h := http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {strconv.Itoa(len(zipped))}}
	b.Run("15k-gzip", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			r := io.LimitReader(bytes.NewReader(zipped), int64(len(zipped)))
			got, _, err := ReadBodySize(bodyReader{r}, h, 1<<20, int64(len(zipped)))
			if err != nil || len(got) != len(body) {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkIngest(b *testing.B) {
	v, err := verify.New("stripe", []string{secret}, 0)
	if err != nil {
		b.Fatal(err)
	}
	p := Platform{Name: "stripe", Verifier: v, MaxBodyBytes: 1 << 20}
	svc := New(Options{
		Platforms: []Platform{p}, Normalizer: ingesttest.NopNormalizer{}, Ledger: ingesttest.NopLedger{},
		NormalizeTimeout: time.Second, RecordTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	for _, size := range []int{2 << 10, 15 << 10} {
		body := benchBody(size)
		h, err := verify.Sign("stripe", secret, time.Now(), "", body)
		if err != nil {
			b.Fatal(err)
		}
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
		h.Set("Accept", "*/*; q=0.5, application/xml")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		req := Request{Header: h, Body: body, RemoteAddr: "192.0.2.1:5000", Method: http.MethodPost, URL: "https://hooks.example.com/webhooks/stripe"}
		b.Run(fmt.Sprintf("%dk", size>>10), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if res, err := svc.Ingest(context.Background(), p, req); err != nil || res.Status != StatusAccepted {
					b.Fatal(res, err)
				}
			}
		})
	}
}
