package edge

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestWooCommercePing: the unsigned ping WooCommerce sends when a webhook
// is created gets exactly 200 (anything else fails the creation) and is
// not recorded; an unsigned body that is not the ping is refused.
func TestWooCommercePing(t *testing.T) {
	t.Parallel()
	e := startEdge(t, shortTimeouts(t, map[string]string{"HOOKMESH_SECRET_WOOCOMMERCE": "woo-ping-test-secret"}))
	post := func(body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.URL+"/webhooks/woocommerce", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "WooCommerce/9.4.1 Hookshot (WordPress/6.7)")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("webhook_id=42"); code != http.StatusOK || body != "" {
		t.Errorf("ping: HTTP %d %q, want 200 and no body", code, body)
	}
	if code, _ := post("webhook_id=42&status=completed"); code != http.StatusUnauthorized {
		t.Errorf("unsigned non-ping: HTTP %d, want 401", code)
	}
	if n := len(e.Ledger.Recorded()); n != 0 {
		t.Errorf("%d records, want none", n)
	}
}
