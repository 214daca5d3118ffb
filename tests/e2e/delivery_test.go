package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

func stripePayment(id, paymentID string, minor int) string {
	return fmt.Sprintf(`{"id":"%s","object":"event","api_version":"2024-06-20","created":%d,"livemode":false,"type":"payment_intent.succeeded","data":{"object":{"id":"%s","object":"payment_intent","amount":%d,"amount_received":%d,"currency":"eur","customer":"cus_1","status":"succeeded"}}}`,
		id, time.Now().Unix(), paymentID, minor, minor)
}

// paymentRows counts the example consumer's rows for a payment id.
func paymentRows(t *testing.T, sys *harness.System, paymentID string) (int, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, sys.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var minor *int64
	err = conn.QueryRow(ctx, `SELECT count(*), max(amount_minor) FROM example_consumer.payments WHERE platform = 'stripe' AND external_id = $1`, paymentID).Scan(&n, &minor)
	if err != nil {
		return 0, 0 // the table appears when the consumer has started
	}
	if minor == nil {
		return n, 0
	}
	return n, *minor
}

func waitDelivered(t *testing.T, sys *harness.System, platform, eventID string, within time.Duration) []*ledgerv1.Delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	var last []byte
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + sys.AdminAddr + "/v1/events/" + platform + "/" + eventID + "/deliveries")
		if err == nil {
			var out ledgerv1.ListDeliveriesResponse
			b := readAll(resp)
			last = b
			if resp.StatusCode == 200 && unmarshal(b, &out) == nil && len(out.GetDeliveries()) > 0 {
				all := true
				for _, d := range out.GetDeliveries() {
					all = all && d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED
				}
				if all {
					return out.GetDeliveries()
				}
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s/%s not delivered within %v: %s", platform, eventID, within, last)
	return nil
}

func TestDeliveryToTheExampleConsumer(t *testing.T) {
	sys := harness.StartSystem(t, systemEnv())
	suffix := fmt.Sprint(time.Now().UnixNano())

	t.Run("a payment reaches the consumer once, even sent three times", func(t *testing.T) {
		id, pi := "evt_pay_"+suffix, "pi_pay_"+suffix
		body := stripePayment(id, pi, 4250)
		start := time.Now()
		for range 3 {
			if resp, b := post(t, sys, "stripe", stripeHeader(t, body), body); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("post: %s %s", resp.Status, b)
			}
		}
		ds := waitDelivered(t, sys, "stripe", id, 10*time.Second)
		took := time.Since(start)
		if len(ds) != 1 || ds[0].GetSubscription() != harness.ConsumerSubscription || ds[0].GetAttempts() != 1 {
			t.Errorf("deliveries = %v, want one to %s after one attempt", ds, harness.ConsumerSubscription)
		}
		if n, minor := paymentRows(t, sys, pi); n != 1 || minor != 4250 {
			t.Errorf("consumer rows = %d (amount %d), want exactly one of 4250", n, minor)
		}
		t.Logf("webhook to consumer: %v", took)
	})

	t.Run("admin REST: subscriptions, dead letters, replay", func(t *testing.T) {
		resp, err := http.Get("http://" + sys.AdminAddr + "/v1/subscriptions")
		if err != nil {
			t.Fatal(err)
		}
		var subs ledgerv1.ListSubscriptionsResponse
		if b := readAll(resp); resp.StatusCode != 200 || unmarshal(b, &subs) != nil || len(subs.GetSubscriptions()) != 1 ||
			subs.GetSubscriptions()[0].GetName() != harness.ConsumerSubscription {
			t.Errorf("GET /v1/subscriptions: %s %s", resp.Status, b)
		}
		resp, err = http.Get("http://" + sys.AdminAddr + "/v1/deadletters?subscription=" + harness.ConsumerSubscription)
		if err != nil {
			t.Fatal(err)
		}
		if b := readAll(resp); resp.StatusCode != 200 || !strings.Contains(string(b), `"dead_letters"`) {
			t.Errorf("GET /v1/deadletters: %s %s", resp.Status, b)
		}
		resp, err = http.Post("http://"+sys.AdminAddr+"/v1/deadletters/0190f3a0-0000-7000-8000-000000000000:replay", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		if b := readAll(resp); resp.StatusCode != http.StatusNotFound {
			t.Errorf("replay of an unknown dead letter: %s %s, want 404", resp.Status, b)
		}
		resp, err = http.Post("http://"+sys.AdminAddr+"/v1/deadletters:replay", "application/json", strings.NewReader(`{"subscription":"`+harness.ConsumerSubscription+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		if b := readAll(resp); resp.StatusCode != 200 || !strings.Contains(string(b), `"replayed":0`) {
			t.Errorf("bulk replay with none dead: %s %s", resp.Status, b)
		}
	})

	t.Run("admin REST: a subscription target outside HOOKMESH_TARGET_ALLOW is a 400 naming the rule", func(t *testing.T) {
		for target, rule := range map[string]string{
			"169.254.169.254:80":          "address 169.254.169.254 is link-local (always refused)",
			"unix:///var/run/docker.sock": "scheme unix is not a TCP target",
			"8.8.8.8:53":                  "address 8.8.8.8 is not in HOOKMESH_TARGET_ALLOW (loopback,private)",
			"http://127.0.0.1:3000/in":    "address 127.0.0.1 may not receive plain http://",
			"https://u:p@127.0.0.1/in":    "credentials in the URL are refused",
			"https://127.0.0.1:9443/in":   "an HTTP target needs secrets",
		} {
			body := `{"name":"refused","target":"` + target + `"}`
			resp, err := http.Post("http://"+sys.AdminAddr+"/v1/subscriptions", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if b := readAll(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), rule) {
				t.Errorf("POST /v1/subscriptions with target %s: %s %s; want 400 naming %q", target, resp.Status, b, rule)
			}
		}
		req, err := http.NewRequest(http.MethodPut, "http://"+sys.AdminAddr+"/v1/subscriptions/"+harness.ConsumerSubscription,
			strings.NewReader(`{"target":"169.254.169.254:80"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := readAll(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "link-local (always refused)") {
			t.Errorf("PUT the consumer's subscription to the metadata address: %s %s; want 400", resp.Status, b)
		}
		resp, err = http.Get("http://" + sys.AdminAddr + "/v1/subscriptions/refused")
		if err != nil {
			t.Fatal(err)
		}
		if b := readAll(resp); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET the refused subscription: %s %s; want 404", resp.Status, b)
		}
	})

	t.Run("events sent while the consumer is down are all delivered after it returns", func(t *testing.T) {
		consumer := sys.Procs["consumer"]
		consumer.Stop()
		ids := make([]string, 10)
		for i := range ids {
			ids[i] = fmt.Sprintf("evt_down_%s_%d", suffix, i)
			body := stripePayment(ids[i], "pi_down_"+ids[i], 100+i)
			if resp, b := post(t, sys, "stripe", stripeHeader(t, body), body); resp.StatusCode != http.StatusAccepted {
				t.Fatalf("post while consumer down: %s %s", resp.Status, b)
			}
		}
		time.Sleep(3 * time.Second) // attempts fail, the breaker opens
		consumer.Restart(t)
		for i, id := range ids {
			waitDelivered(t, sys, "stripe", id, 30*time.Second)
			if n, minor := paymentRows(t, sys, "pi_down_"+id); n != 1 || minor != int64(100+i) {
				t.Errorf("%s: consumer rows = %d (amount %d)", id, n, minor)
			}
		}
		if !strings.Contains(sys.Procs["dispatcher"].Logs(), "breaker changed state") {
			t.Log("note: the breaker did not open during the outage")
		}
	})
}
