package ledger_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestRunSeedsAndWatches starts the ledger with a subscriptions file: the
// subscription exists once it serves, a Record wakes an open
// WatchDeliveries stream, and shutdown ends that stream instead of waiting
// for the drain timeout.
func TestRunSeedsAndWatches(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "subscriptions.yaml")
	doc := "subscriptions:\n  - {name: billing, target: \"billing:9000\", platforms: [stripe], timeout: 1m}\n"
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	conn, stop := runLedgerConfig(t, ledger.Config{DatabaseURL: pgtest.NewDatabaseURL(t), MaxConns: 4, SubscriptionsFile: file}, &logs)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	c := ledgerv1.NewLedgerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	got, err := c.GetSubscription(ctx, &ledgerv1.GetSubscriptionRequest{Name: "billing"})
	if err != nil || got.GetSubscription().GetTimeout().AsDuration() != time.Minute {
		t.Fatalf("seeded subscription = %v, %v", got, err)
	}
	// The stream has its own connection: stop closes conn, and a stream
	// on it would end from the client's side and prove nothing.
	watchConn, err := grpc.NewClient(conn.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer watchConn.Close()
	stream, err := ledgerv1.NewLedgerServiceClient(watchConn).WatchDeliveries(ctx, &ledgerv1.WatchDeliveriesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	// The listener's own "listening" wake-up may come first; the Record's
	// names the subscription.
	if _, err := c.Record(ctx, storetest.Typed("stripe", "evt_run", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if slices.Equal(msg.GetSubscriptions(), []string{"billing"}) {
			break
		}
		if len(msg.GetSubscriptions()) != 0 {
			t.Fatalf("message = %v, want [billing]", msg)
		}
	}

	if err := stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	// Had the stream held GracefulStop, the drain timeout would have cut
	// it and said so.
	if strings.Contains(logs.String(), "grpc drain timed out") {
		t.Errorf("shutdown waited for the drain timeout; streams must end when shutdown starts:\n%s", logs.String())
	}
	for { // wake-ups sent before shutdown may still be queued
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	if !strings.Contains(logs.String(), "subscription seeded") {
		t.Errorf("seeding not logged:\n%s", logs.String())
	}
}

func TestRunRefusesBadSubscriptionsFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "subscriptions.yaml")
	if err := os.WriteFile(file, []byte("subscriptions: [{name: Bad, target: x}]"), 0o600); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = ledger.Run(context.Background(), ledger.Config{GRPCListener: lis, DatabaseURL: pgtest.URL(), SubscriptionsFile: file},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "Bad") {
		t.Fatalf("Run = %v, want an error naming the file and the problem", err)
	}
	if _, err := lis.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener left open after a failed start: %v", err)
	}
}
