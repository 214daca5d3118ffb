package load

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ConfiguredName is the benchmark's source defined in configuration
// (HOOKMESH_SOURCES_FILE) rather than code: the path that users who add
// their own platforms take, with its signature and every normalize path
// set, so its cost is measured beside the presets'.
const ConfiguredName = "acme"

// ConfiguredSecret is the signing secret of ConfiguredName; the edge gets
// it as HOOKMESH_SECRET_ACME, the baseline through its sources file.
const ConfiguredSecret = "bench-acme-secret-0123456789"

// SourcesFile is the sources file that defines ConfiguredName: HMAC-SHA256
// over "{timestamp}.{body}", the dedup id and seven normalize paths.
const SourcesFile = `sources:
  - name: acme
    signature:
      header: X-Acme-Signature
      algorithm: hmac-sha256
      encoding: hex
      prefix: "sha256="
      content: "{timestamp}.{body}"
      timestamp_header: X-Acme-Timestamp
    dedup:
      json_path: id
    normalize:
      type_path: type
      types:
        order.paid: EVENT_TYPE_PAYMENT_COMPLETED
        order.refunded: EVENT_TYPE_PAYMENT_REFUNDED
      entity_type: order
      entity_id_path: data.order.id
      user_id_path: data.customer.id
      tenant_id_path: account.id
      occurred_at_path: created_at
      amount_path: data.order.total
      currency_path: data.order.currency
      amount_format: decimal
`

// configuredBody returns a ~2 KB order.paid payload with a fresh id: the
// paths sit among line items and addresses, so a lookup has to skip over
// them as it would in a real payload.
func configuredBody(now time.Time) ([]byte, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, fmt.Errorf("load: event id: %w", err)
	}
	id := "evt_" + hex.EncodeToString(r[:])
	var items strings.Builder
	for i := range 8 {
		if i > 0 {
			items.WriteByte(',')
		}
		fmt.Fprintf(&items, `{"sku":"SKU-%04d","title":"Item number %d, a product with a long name","quantity":%d,"unit_price":"12.50","tax_lines":[{"title":"VAT","rate":0.2,"price":"2.50"}],"properties":{"gift":false,"note":null}}`, i, i, i+1)
	}
	body := fmt.Sprintf(`{"id":%q,"type":"order.paid","created_at":%q,"api_version":"2026-01-01","account":{"id":"acct_4242","name":"Acme Store"},`+
		`"data":{"customer":{"id":"cus_%s","email":"buyer@example.com","addresses":[{"line1":"1 Main Street","city":"Springfield","zip":"12345","country":"US"}]},`+
		`"order":{"number":1042,"items":[%s],"currency":"EUR","subtotal":"125.00","total":"150.00","status":"paid","id":"ord_%s"}}}`,
		id, now.UTC().Format(time.RFC3339), hex.EncodeToString(r[:4]), items.String(), hex.EncodeToString(r[4:]))
	return []byte(body), nil
}

// Secrets returns presets (platform -> signing secret) with the
// configured source's secret added: what Build signs the mix with.
func Secrets(presets map[string]string) map[string]string {
	out := make(map[string]string, len(presets)+1)
	for k, v := range presets {
		out[k] = v
	}
	out[ConfiguredName] = ConfiguredSecret
	return out
}

// signConfigured signs body as an acme sender does. It is written here
// from the scheme in SourcesFile, independently of the edge's verifier,
// so the benchmark also checks that the two agree.
func signConfigured(secret string, now time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Acme-Timestamp", ts)
	h.Set("X-Acme-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return h
}
