package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// idsSubscription delivers the events of this file to a test handler,
// which records what it is given.
const idsSubscription = "ids-handler"

// idWebhook is a webhook whose ids hold bytes that once broke the pipeline,
// with the key the edge must answer and store: the id encoding of
// docs/event-ids.md (U+FFFD and two hex digits per byte that is not valid
// UTF-8, NUL or part of a U+FFFD).
type idWebhook struct {
	webhook
	eventID, source string // encoded, as stored and shown
}

func idWebhooks(suffix string) []idWebhook {
	std := `{"type":"user.created","timestamp":"2026-11-29T00:00:00Z","data":{"id":"user_ids","email":"ids@example.com"}}`
	standard := func(raw, encoded string) idWebhook {
		return idWebhook{webhook: webhook{platform: "standard", id: raw, body: std}, eventID: encoded}
	}
	stripe := func(raw, jsonText, encoded string) idWebhook {
		// jsonText is raw as written in the JSON string: a tab or a NUL
		// must be escaped there; other bytes are sent as they are.
		return idWebhook{webhook: webhook{platform: "stripe", id: raw, body: stripePayment(jsonText, "pi_ids_"+url.QueryEscape(raw), 700)}, eventID: encoded}
	}
	return []idWebhook{
		standard("msg_é_"+suffix, "msg_é_"+suffix),
		standard("msg_\t_"+suffix, "msg_\t_"+suffix),
		standard("msg_\xff_"+suffix, "msg_\uFFFDFF_"+suffix),
		standard("msg_\xfe_"+suffix, "msg_\uFFFDFE_"+suffix),
		{webhook: webhook{platform: "github", id: "gh_\xff_" + suffix,
			headers: map[string]string{"X-GitHub-Event": "ping", "X-GitHub-Hook-ID": "hook_é\xfe"},
			body:    `{"zen":"Keep it logically awesome.","hook_id":1}`},
			eventID: "gh_\uFFFDFF_" + suffix, source: "hook_é\uFFFDFE"},
		stripe("evt_é_"+suffix, "evt_é_"+suffix, "evt_é_"+suffix),
		stripe("evt_\t_"+suffix, `evt_\t_`+suffix, "evt_\t_"+suffix),
		stripe("evt_\xff_"+suffix, "evt_\xff_"+suffix, "evt_\uFFFDFF_"+suffix),
		stripe("evt_\xfe_"+suffix, "evt_\xfe_"+suffix, "evt_\uFFFDFE_"+suffix),
		stripe("evt_\x00_"+suffix, `evt_\u0000_`+suffix, "evt_\uFFFD00_"+suffix),
	}
}

func ledgerClient(t *testing.T, sys *harness.System) ledgerv1.LedgerServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(sys.GRPC["ledger"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return ledgerv1.NewLedgerServiceClient(conn)
}

// TestIDsAreBytes sends signed webhooks whose ids hold é, a tab, invalid
// UTF-8 and (in a JSON body) NUL, from headers (standard webhook-id,
// GitHub X-GitHub-Delivery and its hook id scope) and from a JSON body
// (Stripe). Each must be stored once under its encoded id (a resend is a
// duplicate), normalized without error and delivered to the handler with
// that event_id and the exact body; ids differing only in \xff and \xfe
// are two events. It then records events as they were stored before ids
// travelled under binary metadata keys, their normalization failed with
// gRPC's refusal of the id, and checks that events:renormalize delivers
// them.
func TestIDsAreBytes(t *testing.T) {
	sys := harness.StartSystem(t, systemEnv())
	handler := harness.StartHandler(t, nil)
	led := ledgerClient(t, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := led.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: &ledgerv1.Subscription{
		Name: idsSubscription, Target: handler.Addr, Platforms: []string{"standard", "github", "stripe"},
		Timeout: durationpb.New(5 * time.Second),
	}}); err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())

	webhooks := idWebhooks(suffix)
	receipts := map[string]string{} // receipt id -> raw id
	for _, w := range webhooks {
		var first string
		for i := range 2 {
			resp, b := post(t, sys, w.platform, w.signed(t, time.Now()), w.body)
			var ack ackBody
			if err := json.Unmarshal(b, &ack); err != nil || resp.StatusCode != http.StatusAccepted || ack.EventID != w.eventID || ack.Duplicate != (i > 0) {
				t.Fatalf("%s id %q, send %d: %s %s; want 202 with event_id %q, duplicate=%v", w.platform, w.id, i, resp.Status, b, w.eventID, i > 0)
			}
			if i == 0 {
				first = ack.ReceiptID
				if other, ok := receipts[first]; ok {
					t.Errorf("%s id %q stored as the receipt of %q", w.platform, w.id, other)
				}
				receipts[first] = w.id
			} else if ack.ReceiptID != first {
				t.Errorf("%s id %q: the resend names receipt %s, want the first %s", w.platform, w.id, ack.ReceiptID, first)
			}
		}
	}
	for _, w := range webhooks {
		checkStoredAndDelivered(t, sys, handler, w.platform, w.eventID, w.source, []byte(w.body))
	}

	t.Run("events stuck with the metadata error are renormalized", func(t *testing.T) {
		stuck := []idWebhook{
			idWebhooks(suffix + "_old")[0], // é in webhook-id
			idWebhooks(suffix + "_old")[1], // a tab in webhook-id
			idWebhooks(suffix + "_old")[5], // é in a Stripe body id
		}
		// What the edge stored when gRPC refused the id in ASCII metadata.
		const oldError = `normalize: rpc error: code = Internal desc = header key "hookmesh-event-id" contains value with non-printable ASCII characters`
		for _, w := range stuck {
			headers := map[string]string{"content-type": "application/json"}
			if w.platform == "standard" {
				headers["webhook-id"] = w.id
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := led.Record(ctx, &ledgerv1.RecordRequest{
				Receipt: &ledgerv1.Receipt{
					ReceiptId: uuid.NewString(), Platform: w.platform, EventId: w.eventID, Headers: headers,
					Body: []byte(w.body), ReceivedAt: timestamppb.Now(), RemoteAddr: "192.0.2.1:5000",
				},
				NormalizationError: oldError,
			})
			cancel()
			if err != nil {
				t.Fatalf("record %q as stuck: %v", w.eventID, err)
			}
			if e := getEvent(t, sys, w.platform, url.PathEscape(w.eventID)).GetEvent(); e.GetNormalizationError() != oldError {
				t.Fatalf("%q before renormalize: %+v, want the metadata error", w.eventID, e)
			}
		}
		for _, platform := range []string{"standard", "stripe"} {
			resp, err := http.Post("http://"+sys.AdminAddr+"/v1/events:renormalize", "application/json",
				strings.NewReader(`{"platform":"`+platform+`","limit":1000}`))
			if err != nil {
				t.Fatal(err)
			}
			var out ledgerv1.RenormalizeEventsResponse
			if b := readAll(resp); resp.StatusCode != http.StatusOK || unmarshal(b, &out) != nil || out.GetScheduled() < 1 {
				t.Fatalf("POST /v1/events:renormalize %s: %s %s", platform, resp.Status, b)
			}
		}
		for _, w := range stuck {
			checkStoredAndDelivered(t, sys, handler, w.platform, w.eventID, w.source, []byte(w.body))
		}
	})
}

// checkStoredAndDelivered waits until the event platform/eventID is stored
// normalized under its key, its delivery to idsSubscription is DELIVERED,
// and the handler got it once with that event_id and the exact payload.
func checkStoredAndDelivered(t *testing.T, sys *harness.System, handler *harness.Handler, platform, eventID, source string, body []byte) {
	t.Helper()
	path := url.PathEscape(eventID)
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for {
		got := getEvent(t, sys, platform, path)
		ev := got.GetEvent()
		deliveries := 0
		resp, err := http.Get("http://" + sys.AdminAddr + "/v1/events/" + platform + "/" + path + "/deliveries")
		if err == nil {
			var out ledgerv1.ListDeliveriesResponse
			if b := readAll(resp); resp.StatusCode == http.StatusOK && unmarshal(b, &out) == nil {
				for _, d := range out.GetDeliveries() {
					if d.GetSubscription() == idsSubscription && d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED {
						deliveries++
					}
				}
			}
		}
		var handled []string
		for _, r := range handler.Requests() {
			if r.GetEvent().GetPlatform() == platform && r.GetEvent().GetEventId() == eventID {
				if !bytes.Equal(r.GetPayload(), body) || r.GetEvent().GetSource() != source {
					t.Fatalf("%s %q: handler got source %q and payload %q, want %q and the body sent", platform, eventID, r.GetEvent().GetSource(), r.GetPayload(), source)
				}
				handled = append(handled, r.GetDeliveryId())
			}
		}
		switch {
		case ev.GetNormalizationError() != "":
			last = "normalization error " + ev.GetNormalizationError()
		case ev.GetEvent().GetEventId() != eventID || ev.GetSource() != source || ev.GetEvent().GetSource() != source:
			last = fmt.Sprintf("stored key (%q, %q), event key (%q, %q)", ev.GetSource(), ev.GetEventId(), ev.GetEvent().GetSource(), ev.GetEvent().GetEventId())
		case !bytes.Equal(got.GetReceipt().GetBody(), body):
			t.Fatalf("%s %q: stored body differs from the bytes sent", platform, eventID)
		case deliveries != 1 || len(handled) == 0:
			last = fmt.Sprintf("%d delivered deliveries to %s, handler calls %v", deliveries, idsSubscription, handled)
		default:
			for _, id := range handled[1:] {
				if id != handled[0] {
					t.Errorf("%s %q: delivered as %v, want one delivery", platform, eventID, handled)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %q not stored normalized and delivered within 60 s: %s", platform, eventID, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
