package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var fixedNow = time.Date(2024, 3, 8, 12, 0, 0, 0, time.UTC)

// client serves a Server through the shared grpcserver runtime over an
// in-memory connection, so status codes are those a real caller sees.
func client(t *testing.T) normalizerv1.NormalizerServiceClient {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gs := grpcserver.New(log)
	srv := New(log, nil)
	srv.now = func() time.Time { return fixedNow }
	normalizerv1.RegisterNormalizerServiceServer(gs.GRPC, srv)
	lis := bufconn.Listen(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return normalizerv1.NewNormalizerServiceClient(conn)
}

const shopifyOrder = `{"id":866550311766439020,"admin_graphql_api_id":"gid://shopify/Order/866550311766439020",` +
	`"total_price":"19.99","currency":"USD","customer":{"id":115310627314723954},"updated_at":"2024-03-08T10:15:31-05:00"}`

func TestNormalizeCodes(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shopHeaders := map[string]string{
		"x-shopify-topic":       "orders/create",
		"x-shopify-event-id":    "98880550-7158-44d4-b7cd-2c97c8a091b5",
		"x-shopify-shop-domain": "example-shop.myshopify.com",
	}
	tests := []struct {
		name string
		req  *normalizerv1.NormalizeRequest
		want codes.Code
	}{
		{"garbage", &normalizerv1.NormalizeRequest{Platform: "stripe", Body: []byte("\x00garbage")}, codes.InvalidArgument},
		{"unknown platform", &normalizerv1.NormalizeRequest{Platform: "no-such-platform", Body: []byte(`{}`)}, codes.NotFound},
		{"bad received_at", &normalizerv1.NormalizeRequest{Platform: "shopify", Headers: shopHeaders, Body: []byte(shopifyOrder),
			ReceivedAt: &timestamppb.Timestamp{Seconds: -1 << 62}}, codes.InvalidArgument},
		{"good", &normalizerv1.NormalizeRequest{Platform: "shopify", Headers: shopHeaders, Body: []byte(shopifyOrder)}, codes.OK},
	}
	for _, tt := range tests {
		_, err := c.Normalize(ctx, tt.req)
		if got := status.Code(err); got != tt.want {
			t.Errorf("%s: code = %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestNormalizeValues(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	headers := map[string]string{
		"x-shopify-topic":       "orders/create",
		"x-shopify-event-id":    "98880550-7158-44d4-b7cd-2c97c8a091b5",
		"x-shopify-shop-domain": "example-shop.myshopify.com",
	}
	received := time.Date(2024, 3, 8, 15, 30, 0, 0, time.UTC)
	resp, err := c.Normalize(ctx, &normalizerv1.NormalizeRequest{
		Platform: "shopify", Headers: headers, Body: []byte(shopifyOrder), ReceivedAt: timestamppb.New(received),
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := resp.GetEvent()
	if ev.GetEntityId() != "866550311766439020" || ev.GetUserId() != "115310627314723954" {
		t.Errorf("ids = %q, %q; want exact 64-bit ids", ev.GetEntityId(), ev.GetUserId())
	}
	if ev.GetAmount().GetMinorUnits() != 1999 || ev.GetAmount().GetCurrency() != "USD" {
		t.Errorf("amount = %v, want 1999 USD", ev.GetAmount())
	}
	if ev.GetEventType() != eventv1.EventType_EVENT_TYPE_ORDER_CREATED {
		t.Errorf("event_type = %v", ev.GetEventType())
	}
	if ev.GetEventId() != "98880550-7158-44d4-b7cd-2c97c8a091b5" || ev.GetSource() != "example-shop.myshopify.com" {
		t.Errorf("key = (%q, %q)", ev.GetSource(), ev.GetEventId())
	}
	if !ev.GetReceivedAt().AsTime().Equal(received) {
		t.Errorf("received_at = %v, want %v", ev.GetReceivedAt().AsTime(), received)
	}
	if evs := resp.GetEvents(); len(evs) != 1 || !proto.Equal(evs[0], ev) {
		t.Errorf("events = %v, want only event", evs)
	}
	if want := time.Date(2024, 3, 8, 15, 15, 31, 0, time.UTC); !ev.GetOccurredAt().AsTime().Equal(want) {
		t.Errorf("occurred_at = %v, want %v", ev.GetOccurredAt().AsTime(), want)
	}

	// Without received_at the server supplies its clock.
	resp, err = c.Normalize(ctx, &normalizerv1.NormalizeRequest{Platform: "shopify", Headers: headers, Body: []byte(shopifyOrder)})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetEvent().GetReceivedAt().AsTime(); !got.Equal(fixedNow) {
		t.Errorf("default received_at = %v, want %v", got, fixedNow)
	}
}

// TestNormalizeBatch checks that a SendGrid batch answers its first item
// keyed by the batch as event, as before, and every item under its own
// sg_event_id in events.
func TestNormalizeBatch(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body := `[{"event":"delivered","sg_event_id":"a","email":"x@example.com"},
		{"event":"open","sg_event_id":"b","email":"x@example.com"},
		{"event":"click","sg_event_id":"c","email":"y@example.com"}]`
	resp, err := c.Normalize(ctx, &normalizerv1.NormalizeRequest{Platform: "sendgrid", Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if id := resp.GetEvent().GetEventId(); !strings.HasPrefix(id, "batch:") || resp.GetEvent().GetSourceEventType() != "delivered" {
		t.Errorf("event = %q (%q), want the first item keyed by the batch", id, resp.GetEvent().GetSourceEventType())
	}
	var got []string
	for _, e := range resp.GetEvents() {
		got = append(got, e.GetEventId()+"="+e.GetSourceEventType())
	}
	if want := []string{"a=delivered", "b=open", "c=click"}; !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}
