package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// batchAdyenKey is the Adyen HMAC key (hex) of TestBatchesBecomeEvents.
const batchAdyenKey = "44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056"

// TestBatchesBecomeEvents sends a SendGrid and an Adyen batch of three
// items through real services and checks that each becomes three events,
// all with one receipt, each delivered once to the handler; the same
// batches sent again are duplicates that record and deliver nothing. On
// PostgreSQL and on the embedded store.
func TestBatchesBecomeEvents(t *testing.T) {
	sgVerify, sgSign, err := verify.DevKeyPair("sendgrid")
	if err != nil {
		t.Fatal(err)
	}
	env := systemEnv()
	env["HOOKMESH_SECRET_SENDGRID"] = sgVerify
	env["HOOKMESH_SECRET_ADYEN"] = batchAdyenKey
	signers := map[string]string{"sendgrid": sgSign, "adyen": batchAdyenKey}
	t.Run("postgresql", func(t *testing.T) {
		checkBatches(t, harness.StartSystem(t, env), signers)
	})
	t.Run("embedded", func(t *testing.T) {
		checkBatches(t, harness.StartSystemEach(t, env, map[string]map[string]string{
			"ledger": {"DATABASE_URL": "", "HOOKMESH_DATA_DIR": t.TempDir()},
		}), signers)
	})
}

func checkBatches(t *testing.T, sys *harness.System, signers map[string]string) {
	handler := harness.StartHandler(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := ledgerClient(t, sys).CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: &ledgerv1.Subscription{
		Name: "batches", Target: handler.Addr, Platforms: []string{"sendgrid", "adyen"}, Timeout: durationpb.New(5 * time.Second),
	}}); err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	s := fmt.Sprint(time.Now().UnixNano())
	now := time.Now().Unix()
	sendgrid := fmt.Sprintf(`[{"email":"a@example.com","timestamp":%d,"event":"delivered","sg_event_id":"sg1-%s","sg_message_id":"m1"},
{"email":"a@example.com","timestamp":%d,"event":"open","sg_event_id":"sg2-%s","sg_message_id":"m1"},
{"email":"b@example.com","timestamp":%d,"event":"bounce","sg_event_id":"sg3-%s","sg_message_id":"m2"}]`, now, s, now, s, now, s)
	item := func(psp, code string, value int) string {
		return fmt.Sprintf(`{"NotificationRequestItem":{"amount":{"currency":"EUR","value":%d},"eventCode":%q,"merchantAccountCode":"Acme","merchantReference":"o-%s","pspReference":%q,"success":"true"}}`,
			value, code, psp, psp)
	}
	adyen := fmt.Sprintf(`{"live":"false","notificationItems":[%s,%s,%s]}`,
		item("P1"+s, "AUTHORISATION", 1000), item("P2"+s, "AUTHORISATION", 2500), item("P3"+s, "REFUND", 400))
	for _, c := range []struct {
		platform, body string
		ids            []string
	}{
		{"sendgrid", sendgrid, []string{"sg1-" + s, "sg2-" + s, "sg3-" + s}},
		{"adyen", adyen, []string{"P1" + s + ":AUTHORISATION:true", "P2" + s + ":AUTHORISATION:true", "P3" + s + ":REFUND:true"}},
	} {
		h, body, err := verify.SignRequest(c.platform, verify.SignInput{Secret: signers[c.platform], Now: time.Now(), Body: []byte(c.body)})
		if err != nil {
			t.Fatalf("sign %s: %v", c.platform, err)
		}
		h.Set("Content-Type", "application/json")
		var first batchAck
		for i := range 2 {
			resp, b := post(t, sys, c.platform, h, string(body))
			var ack batchAck
			if err := json.Unmarshal(b, &ack); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("%s send %d: %s %s", c.platform, i, resp.Status, b)
			}
			wantNew := 3
			if i == 1 {
				wantNew = 0
			}
			if ack.Events != 3 || ack.NewEvents != wantNew || ack.Duplicate != (i == 1) {
				t.Fatalf("%s send %d: ack %s, want 3 events, %d new", c.platform, i, b, wantNew)
			}
			if i == 0 {
				first = ack
			} else if ack.ReceiptID != first.ReceiptID {
				t.Errorf("%s: re-sent batch names receipt %s, want %s", c.platform, ack.ReceiptID, first.ReceiptID)
			}
		}
		var listed []string
		for _, e := range listEvents(t, sys, "platform="+c.platform+"&page_size=500").GetEvents() {
			if e.GetReceiptId() == first.ReceiptID {
				listed = append(listed, e.GetEventId())
			}
		}
		slices.Sort(listed)
		if !slices.Equal(listed, c.ids) {
			t.Errorf("%s: events of receipt %s = %v, want %v", c.platform, first.ReceiptID, listed, c.ids)
		}
		for _, id := range c.ids {
			// The seeded example-consumer subscription gets one too.
			n := 0
			for _, d := range waitDelivered(t, sys, c.platform, id, 60*time.Second) {
				if d.GetSubscription() == "batches" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s/%s: %d deliveries to the handler's subscription, want 1", c.platform, id, n)
			}
		}
	}
	// Every item reached the handler exactly once: the re-sent batches
	// delivered nothing more.
	got := map[string]int{}
	for _, r := range handler.Requests() {
		got[r.GetEvent().GetPlatform()+"/"+r.GetEvent().GetEventId()]++
	}
	if len(got) != 6 {
		t.Errorf("handler got %d events, want 6: %v", len(got), got)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("handler got %s %d times, want once", k, n)
		}
	}
}

// batchAck is the 202 body with its batch counts.
type batchAck struct {
	ackBody
	Events    int `json:"events"`
	NewEvents int `json:"new_events"`
}
