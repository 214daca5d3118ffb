// Package e2e starts the real service binaries on a real PostgreSQL and
// drives them the way platforms and engineers do: signed HTTP webhooks,
// the admin REST API and gRPC.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// Secrets the test configures; the second Stripe secret proves rotation.
var secrets = map[string]string{
	"stripe":   "whsec_e2e_old,whsec_e2e_new",
	"github":   "e2e-github",
	"shopify":  "e2e-shopify",
	"slack":    "e2e-slack",
	"standard": "whsec_ZTJlLXN0YW5kYXJkLXdlYmhvb2tzLWtleQ==",
}

// hubspotSecret is the HubSpot client secret of TestEndToEnd only (not in
// secrets, so the other tests' systems do not enable HubSpot).
const hubspotSecret = "e2e-hubspot"

func systemEnv() map[string]string {
	env := map[string]string{"HOOKMESH_MAX_BODY_BYTES": "65536"}
	for p, s := range secrets {
		env["HOOKMESH_SECRET_"+strings.ToUpper(p)] = s
	}
	return env
}

func secret(platform string) string {
	s := secrets[platform]
	if i := strings.LastIndex(s, ","); i >= 0 {
		return s[i+1:]
	}
	return s
}

// webhook is one platform request.
type webhook struct {
	platform string
	id       string
	headers  map[string]string
	body     string
}

func (w webhook) signed(t *testing.T, at time.Time) http.Header {
	t.Helper()
	h, err := verify.Sign(w.platform, secret(w.platform), at, w.id, []byte(w.body))
	if err != nil {
		t.Fatalf("sign %s: %v", w.platform, err)
	}
	for k, v := range w.headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	return h
}

type ackBody struct {
	Status    string `json:"status"`
	EventID   string `json:"event_id"`
	Duplicate bool   `json:"duplicate"`
	ReceiptID string `json:"receipt_id"`
}

func post(t *testing.T, sys *harness.System, platform string, h http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+sys.HTTPAddr+"/webhooks/"+platform, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", platform, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func getEvent(t *testing.T, sys *harness.System, platform, eventID string) *ledgerv1.GetEventResponse {
	t.Helper()
	resp, err := http.Get("http://" + sys.AdminAddr + "/v1/events/" + platform + "/" + eventID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET event %s/%s: %s %s", platform, eventID, resp.Status, b)
	}
	if !bytes.Contains(b, []byte(`"event_id"`)) {
		t.Errorf("admin JSON does not use proto field names: %s", b)
	}
	var out ledgerv1.GetEventResponse
	if err := protojson.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode event: %v\n%s", err, b)
	}
	return &out
}

func fiveWebhooks(suffix string) []webhook {
	now := time.Now().UTC()
	return []webhook{
		{platform: "stripe", id: "evt_e2e_" + suffix, body: fmt.Sprintf(`{"id":"evt_e2e_%s","object":"event","api_version":"2024-06-20","created":%d,"livemode":false,"type":"payment_intent.succeeded","account":"acct_1Nv0FGQ9RKHgCVdK","data":{"object":{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"amount_received":1999,"currency":"usd","customer":"cus_NffrFeUfNV2Hib","status":"succeeded"}}}`, suffix, now.Unix())},
		{platform: "github", id: "c3a1e5c0-0000-11ef-9a2b-" + suffix, headers: map[string]string{"X-GitHub-Event": "pull_request", "X-GitHub-Hook-ID": "412345678"},
			body: `{"action":"opened","number":7,"pull_request":{"id":9007199254740993,"number":7,"title":"Add ledger","created_at":"2026-11-29T00:00:00Z","updated_at":"2026-11-29T00:00:01Z","user":{"id":583231,"login":"octocat"}},"repository":{"id":1296269,"full_name":"octocat/Hello-World"},"sender":{"id":583231,"login":"octocat"},"installation":{"id":2311213}}`},
		{platform: "shopify", id: "98880550-7158-44d4-b7cd-" + suffix, headers: map[string]string{"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": "e2e-shop.myshopify.com", "X-Shopify-API-Version": "2024-07", "X-Shopify-Triggered-At": now.Format(time.RFC3339Nano)},
			body: `{"id":866550311766439020,"admin_graphql_api_id":"gid://shopify/Order/866550311766439020","name":"#1001","order_number":1001,"currency":"USD","total_price":"19.99","subtotal_price":"17.99","created_at":"2026-11-28T19:00:00-05:00","updated_at":"2026-11-28T19:00:01-05:00","customer":{"id":115310627314723954,"email":"bob@example.com"},"total_price_set":{"shop_money":{"amount":"19.99","currency_code":"USD"},"presentment_money":{"amount":"19.99","currency_code":"USD"}}}`},
		{platform: "slack", id: "Ev08E2E" + suffix, body: fmt.Sprintf(`{"token":"x","team_id":"T061EG9R6","api_app_id":"A0MDYCDME","event":{"type":"message","channel":"C0LAN2Q65","user":"U061F7AUR","text":"hello","ts":"1732838400.000200","event_ts":"1732838400.000200"},"type":"event_callback","event_id":"Ev08E2E%s","event_time":%d}`, suffix, now.Unix())},
		{platform: "standard", id: "msg_e2e_" + suffix, body: `{"type":"user.created","timestamp":"2026-11-29T00:00:00Z","data":{"id":"user_2Yh3","email":"ann@example.com"}}`},
	}
}

func TestEndToEnd(t *testing.T) {
	env := systemEnv()
	env["HOOKMESH_SECRET_HUBSPOT"] = hubspotSecret // only for the gRPC subtest
	sys := harness.StartSystem(t, env)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	started := time.Now()
	// Built once: Stripe's created and Slack's event_time are the time of
	// the call, and the stream's check compares the exact bytes sent.
	five := fiveWebhooks(suffix)

	t.Run("each platform is accepted, stored and normalized exactly", func(t *testing.T) {
		for _, w := range five {
			resp, b := post(t, sys, w.platform, w.signed(t, time.Now()), w.body)
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("%s: %s %s", w.platform, resp.Status, b)
			}
			var ack ackBody
			if err := json.Unmarshal(b, &ack); err != nil || ack.Status != "accepted" || ack.EventID != w.id || ack.Duplicate {
				t.Fatalf("%s: ack %s (err %v)", w.platform, b, err)
			}
			got := getEvent(t, sys, w.platform, w.id)
			if string(got.GetReceipt().GetBody()) != w.body {
				t.Errorf("%s: stored body differs from the bytes sent", w.platform)
			}
			if e := got.GetEvent().GetNormalizationError(); e != "" {
				t.Errorf("%s: normalization error %q", w.platform, e)
			}
			checkNormalized(t, w.platform, got.GetEvent().GetEvent())
		}
	})

	t.Run("the admin event stream has them, resumably", func(t *testing.T) { checkEventStream(t, sys, five, started) })

	t.Run("a duplicate is acknowledged once more and stored once", func(t *testing.T) {
		w := fiveWebhooks(suffix + "dup")[0]
		var first ackBody
		for i := range 3 {
			resp, b := post(t, sys, w.platform, w.signed(t, time.Now()), w.body)
			var ack ackBody
			_ = json.Unmarshal(b, &ack)
			if resp.StatusCode != http.StatusAccepted || ack.Duplicate != (i > 0) {
				t.Fatalf("send %d: %s %s", i, resp.Status, b)
			}
			if i == 0 {
				first = ack
			} else if ack.ReceiptID != first.ReceiptID {
				t.Errorf("duplicate answered receipt %s, want the first %s", ack.ReceiptID, first.ReceiptID)
			}
		}
		list := listEvents(t, sys, "platform=stripe&page_size=500")
		n := 0
		for _, e := range list.GetEvents() {
			if e.GetEventId() == w.id {
				n++
			}
		}
		if n != 1 {
			t.Errorf("event stored %d times, want 1", n)
		}
	})

	t.Run("rejections", func(t *testing.T) {
		w := fiveWebhooks(suffix + "bad")
		stripe, slack := w[0], w[3]

		h := stripe.signed(t, time.Now())
		if resp, b := post(t, sys, "stripe", h, strings.Replace(stripe.body, "1999", "9999", 1)); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("tampered body: %s %s", resp.Status, b)
		} else if strings.Contains(string(b), "v1") || !strings.Contains(string(b), "invalid signature") {
			t.Errorf("401 body should be generic: %s", b)
		}
		old := time.Now().Add(-10 * time.Minute)
		if resp, _ := post(t, sys, "stripe", stripe.signed(t, old), stripe.body); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed old stripe: %s", resp.Status)
		}
		if resp, _ := post(t, sys, "slack", slack.signed(t, old), slack.body); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed old slack: %s", resp.Status)
		}
		oldSecret, _ := verify.Sign("stripe", "whsec_e2e_old", time.Now(), "", []byte(stripe.body))
		oldSecret.Set("Content-Type", "application/json")
		if resp, b := post(t, sys, "stripe", oldSecret, stripe.body); resp.StatusCode != http.StatusAccepted {
			t.Errorf("rotated (older) secret should still verify: %s %s", resp.Status, b)
		}
		if resp, _ := post(t, sys, "nosuchplatform", h, stripe.body); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown platform: %s", resp.Status)
		}
		resp, err := http.Get("http://" + sys.HTTPAddr + "/webhooks/stripe")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET webhook route: %s, want 405", resp.Status)
		}
		big := `{"id":"evt_big","pad":"` + strings.Repeat("x", 70000) + `"}`
		if resp, _ := post(t, sys, "stripe", stripeHeader(t, big), big); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %s, want 413", resp.Status)
		}
	})

	t.Run("slack url_verification is answered after the signature check", func(t *testing.T) {
		body := `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
		w := webhook{platform: "slack", body: body}
		resp, b := post(t, sys, "slack", w.signed(t, time.Now()), body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") {
			t.Errorf("challenge: %s %s", resp.Status, b)
		}
		unsigned := http.Header{"Content-Type": {"application/json"}}
		if resp, _ := post(t, sys, "slack", unsigned, body); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned challenge: %s, want 401", resp.Status)
		}
	})

	t.Run("malformed payload is stored with its error", func(t *testing.T) {
		body := `{"id":"evt_malformed_` + suffix + `","type":"charge.succeeded","data":"not an object"}`
		resp, b := post(t, sys, "stripe", stripeHeader(t, body), body)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("malformed: %s %s", resp.Status, b)
		}
		got := getEvent(t, sys, "stripe", "evt_malformed_"+suffix)
		if got.GetEvent().GetNormalizationError() == "" || string(got.GetReceipt().GetBody()) != body {
			t.Errorf("malformed payload not stored raw with its error: %+v", got.GetEvent())
		}
	})

	t.Run("gRPC Ingest runs the same path", func(t *testing.T) {
		conn, err := grpc.NewClient(sys.GRPC["edge"], grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		client := edgev1.NewEdgeServiceClient(conn)
		w := fiveWebhooks(suffix + "grpc")[4]
		headers := map[string]string{}
		for k, v := range w.signed(t, time.Now()) {
			headers[k] = v[0]
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := client.Ingest(ctx, &edgev1.IngestRequest{Platform: "standard", Headers: headers, Body: []byte(w.body)})
		if err != nil || resp.GetEventId() != w.id || resp.GetStatus() != "accepted" {
			t.Fatalf("Ingest: %v %v", resp, err)
		}
		_, err = client.Ingest(ctx, &edgev1.IngestRequest{Platform: "standard", Headers: headers, Body: []byte(w.body + " ")})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("tampered Ingest: %v, want Unauthenticated", err)
		}

		// HubSpot v3 signs the method and the URL: the caller states the
		// URL HubSpot requested, and verification holds it to that.
		hubspotID := "1" + suffix[len(suffix)-9:] // a JSON number: no leading zero
		body := `[{"eventId":` + hubspotID + `,"subscriptionId":4,"portalId":62515,"appId":1160452,"occurredAt":1732838400000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeFlag":"CREATED","changeSource":"CRM"}]`
		signedURL := "http://" + sys.HTTPAddr + "/webhooks/hubspot"
		hh, _, err := verify.SignRequest("hubspot", verify.SignInput{Secret: hubspotSecret, Now: time.Now(), Body: []byte(body), URL: signedURL})
		if err != nil {
			t.Fatal(err)
		}
		hubspot := func(url string) (*edgev1.IngestResponse, error) {
			return client.Ingest(ctx, &edgev1.IngestRequest{Platform: "hubspot", Body: []byte(body), Url: url, Method: http.MethodPost,
				Headers: map[string]string{"X-HubSpot-Signature-v3": hh.Get("X-HubSpot-Signature-v3"),
					"X-HubSpot-Request-Timestamp": hh.Get("X-HubSpot-Request-Timestamp"), "Content-Type": "application/json"}})
		}
		if _, err := hubspot(signedURL + "?other=1"); status.Code(err) != codes.Unauthenticated {
			t.Errorf("hubspot over gRPC with a different URL: %v, want Unauthenticated", err)
		}
		if _, err := hubspot(""); status.Code(err) != codes.InvalidArgument {
			t.Errorf("hubspot over gRPC without a URL: %v, want InvalidArgument", err)
		}
		resp, err = hubspot(signedURL)
		if err != nil || resp.GetStatus() != "accepted" || resp.GetEventId() != hubspotID {
			t.Fatalf("hubspot over gRPC with the signed URL: %v %v", resp, err)
		}
		got := getEvent(t, sys, "hubspot", hubspotID)
		if string(got.GetReceipt().GetBody()) != body || got.GetEvent().GetNormalizationError() != "" {
			t.Errorf("hubspot over gRPC: stored %+v", got.GetEvent())
		}
	})

	t.Run("normalizer down: the raw webhook is recorded, acknowledged, then re-normalized and delivered", func(t *testing.T) {
		sys.Procs["normalizer"].Kill()
		restarted := false
		defer func() {
			if !restarted {
				sys.Procs["normalizer"].Restart(t)
			}
		}()
		id, pi := "evt_nonorm_"+suffix, "pi_nonorm_"+suffix
		body := stripePayment(id, pi, 1234)
		resp, b := post(t, sys, "stripe", stripeHeader(t, body), body)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("with normalizer down: %s %s", resp.Status, b)
		}
		got := getEvent(t, sys, "stripe", id)
		if got.GetEvent().GetNormalizationError() == "" || string(got.GetReceipt().GetBody()) != body {
			t.Errorf("want raw receipt with a normalization error, got %+v", got.GetEvent())
		}
		// Acknowledged means delivered eventually: once the normalizer is
		// back, the dispatcher's renormalizer normalizes the stored receipt
		// and the ledger creates its delivery.
		sys.Procs["normalizer"].Restart(t)
		restarted = true
		ds := waitDelivered(t, sys, "stripe", id, 60*time.Second)
		if len(ds) != 1 || ds[0].GetSubscription() != harness.ConsumerSubscription {
			t.Errorf("deliveries = %v, want one to %s", ds, harness.ConsumerSubscription)
		}
		after := getEvent(t, sys, "stripe", id).GetEvent()
		if after.GetNormalizationError() != "" || after.GetEvent().GetEventType() != eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED {
			t.Errorf("after re-normalization: %+v, want a payment event and no error", after)
		}
		if n, minor := paymentRows(t, sys, pi); n != 1 || minor != 1234 {
			t.Errorf("consumer rows = %d (amount %d), want exactly one of 1234", n, minor)
		}
	})

	t.Run("admin REST: POST /v1/events:renormalize", func(t *testing.T) {
		resp, err := http.Post("http://"+sys.AdminAddr+"/v1/events:renormalize", "application/json",
			strings.NewReader(`{"platform":"stripe","limit":10}`))
		if err != nil {
			t.Fatal(err)
		}
		var out ledgerv1.RenormalizeEventsResponse
		// The malformed payload above is scheduled again (and fails again).
		if b := readAll(resp); resp.StatusCode != http.StatusOK || unmarshal(b, &out) != nil || out.GetScheduled() < 1 {
			t.Errorf("POST /v1/events:renormalize: %s %s", resp.Status, b)
		}
	})

	t.Run("ledger down: 503 with Retry-After, then recovery", func(t *testing.T) {
		sys.Procs["ledger"].Kill()
		w := fiveWebhooks(suffix + "noledger")[0]
		resp, b := post(t, sys, "stripe", w.signed(t, time.Now()), w.body)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("with ledger down: %s Retry-After=%q %s", resp.Status, resp.Header.Get("Retry-After"), b)
		}
		sys.Procs["ledger"].Restart(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := harness.WaitHTTP(ctx, "http://"+sys.HTTPAddr+"/ready", 200); err != nil {
			t.Fatal(err)
		}
		if resp, b := post(t, sys, "stripe", w.signed(t, time.Now()), w.body); resp.StatusCode != http.StatusAccepted {
			t.Errorf("retry after ledger restart: %s %s", resp.Status, b)
		}
	})
}

func readAll(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

func unmarshal(b []byte, m proto.Message) error { return protojson.Unmarshal(b, m) }

func stripeHeader(t *testing.T, body string) http.Header {
	t.Helper()
	h, err := verify.Sign("stripe", secret("stripe"), time.Now(), "", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

func listEvents(t *testing.T, sys *harness.System, query string) *ledgerv1.ListEventsResponse {
	t.Helper()
	resp, err := http.Get("http://" + sys.AdminAddr + "/v1/events?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list events: %s %s", resp.Status, b)
	}
	var out ledgerv1.ListEventsResponse
	if err := protojson.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode list: %v", err)
	}
	return &out
}

// checkNormalized asserts the facts that matter per platform: exact money,
// exact 64-bit ids, the mapped type and the tenant.
func checkNormalized(t *testing.T, platform string, e *eventv1.NormalizedEvent) {
	t.Helper()
	type want struct {
		typ      eventv1.EventType
		entityID string
		userID   string
		tenantID string
		minor    int64
		currency string
	}
	w := map[string]want{
		"stripe":   {eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "pi_3MtwBwLkdIwHu7ix28a3tqPa", "cus_NffrFeUfNV2Hib", "acct_1Nv0FGQ9RKHgCVdK", 1999, "USD"},
		"github":   {eventv1.EventType_EVENT_TYPE_CODE_REVIEW_REQUESTED, "9007199254740993", "583231", "2311213", 0, ""},
		"shopify":  {eventv1.EventType_EVENT_TYPE_ORDER_CREATED, "866550311766439020", "115310627314723954", "e2e-shop.myshopify.com", 1999, "USD"},
		"slack":    {eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED, "", "U061F7AUR", "T061EG9R6", 0, ""},
		"standard": {eventv1.EventType_EVENT_TYPE_USER_CREATED, "user_2Yh3", "user_2Yh3", "", 0, ""},
	}[platform]
	if e == nil {
		t.Fatalf("%s: no normalized event", platform)
	}
	if e.GetEventType() != w.typ {
		t.Errorf("%s: event_type %v, want %v", platform, e.GetEventType(), w.typ)
	}
	if w.entityID != "" && e.GetEntityId() != w.entityID {
		t.Errorf("%s: entity_id %q, want %q", platform, e.GetEntityId(), w.entityID)
	}
	if e.GetUserId() != w.userID || e.GetTenantId() != w.tenantID {
		t.Errorf("%s: user %q tenant %q, want %q %q", platform, e.GetUserId(), e.GetTenantId(), w.userID, w.tenantID)
	}
	if w.currency != "" && (e.GetAmount().GetMinorUnits() != w.minor || e.GetAmount().GetCurrency() != w.currency) {
		t.Errorf("%s: amount %v, want %d %s", platform, e.GetAmount(), w.minor, w.currency)
	}
	if e.GetReceivedAt() == nil || e.GetSourceEventType() == "" {
		t.Errorf("%s: received_at or source_event_type missing: %v", platform, e)
	}
}
