package server_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

func newServer(t *testing.T) (*server.Server, *postgres.Store, ledgerv1.LedgerServiceClient) {
	t.Helper()
	st := postgres.New(pgtest.NewPool(t))
	t.Cleanup(st.Close)
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st)
	srv.Targets = testTargets
	return srv, st, start(t, srv)
}

func TestDeliveryCodes(t *testing.T) {
	t.Parallel()
	_, _, c := newServer(t)
	sub := storetest.Subscription("billing")
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	wantCode(t, "CreateSubscription(taken)", err, codes.AlreadyExists)
	_, err = c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("Not_Valid")})
	wantCode(t, "CreateSubscription(bad name)", err, codes.InvalidArgument)
	_, err = c.GetSubscription(ctx(t), &ledgerv1.GetSubscriptionRequest{Name: "nobody"})
	wantCode(t, "GetSubscription(missing)", err, codes.NotFound)

	if _, err := c.Record(ctx(t), storetest.Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	claimed, err := c.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1"})
	if err != nil || len(claimed.GetLeases()) != 1 {
		t.Fatalf("ClaimDeliveries = %v, %v; want one lease", claimed, err)
	}
	l := claimed.GetLeases()[0]
	id := l.GetDelivery().GetDeliveryId()
	stale := "00000000-0000-4000-8000-000000000000"
	_, err = c.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: id, LeaseToken: stale})
	wantCode(t, "CompleteDelivery(lost lease)", err, codes.FailedPrecondition)
	_, err = c.RetryDelivery(ctx(t), &ledgerv1.RetryDeliveryRequest{DeliveryId: id, LeaseToken: stale, NextAttemptAt: timestamppb.Now()})
	wantCode(t, "RetryDelivery(lost lease)", err, codes.FailedPrecondition)
	_, err = c.DeadLetterDelivery(ctx(t), &ledgerv1.DeadLetterDeliveryRequest{DeliveryId: id, LeaseToken: stale})
	wantCode(t, "DeadLetterDelivery(lost lease)", err, codes.FailedPrecondition)
	_, err = c.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{DeliveryId: stale, LeaseToken: stale})
	wantCode(t, "CompleteDelivery(unknown)", err, codes.NotFound)
	_, err = c.RetryDelivery(ctx(t), &ledgerv1.RetryDeliveryRequest{DeliveryId: id, LeaseToken: l.GetLeaseToken()})
	wantCode(t, "RetryDelivery(no next_attempt_at)", err, codes.InvalidArgument)
	_, err = c.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{Limit: -1})
	wantCode(t, "ClaimDeliveries(negative limit)", err, codes.InvalidArgument)

	if _, err := c.DeadLetterDelivery(ctx(t), &ledgerv1.DeadLetterDeliveryRequest{DeliveryId: id, LeaseToken: l.GetLeaseToken(),
		ErrorClass: ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION, Code: "INVALID_ARGUMENT", Error: "bad"}); err != nil {
		t.Fatalf("DeadLetterDelivery: %v", err)
	}
	dls, err := c.ListDeadLetters(ctx(t), &ledgerv1.ListDeadLettersRequest{})
	if err != nil || len(dls.GetDeadLetters()) != 1 {
		t.Fatalf("ListDeadLetters = %v, %v", dls, err)
	}
	if _, err := c.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: id}); err != nil {
		t.Fatalf("ReplayDeadLetter: %v", err)
	}
	_, err = c.ReplayDeadLetter(ctx(t), &ledgerv1.ReplayDeadLetterRequest{Id: id})
	wantCode(t, "ReplayDeadLetter(not dead)", err, codes.NotFound)
	if r, err := c.ReplayDeadLetters(ctx(t), &ledgerv1.ReplayDeadLettersRequest{}); err != nil || r.GetReplayed() != 0 {
		t.Errorf("ReplayDeadLetters = %v, %v", r, err)
	}
	_, err = c.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_missing"})
	wantCode(t, "ListDeliveries(missing)", err, codes.NotFound)
	ds, err := c.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "evt_1"})
	if err != nil || len(ds.GetDeliveries()) != 1 || ds.GetDeliveries()[0].GetReplays() != 1 {
		t.Errorf("ListDeliveries = %v, %v", ds, err)
	}
	_, err = c.PauseSubscription(ctx(t), &ledgerv1.PauseSubscriptionRequest{Name: "nobody"})
	wantCode(t, "PauseSubscription(missing)", err, codes.NotFound)
	_, err = c.UpdateSubscription(ctx(t), &ledgerv1.UpdateSubscriptionRequest{Subscription: storetest.Subscription("nobody")})
	wantCode(t, "UpdateSubscription(missing)", err, codes.NotFound)
}

// TestWatchDeliveries runs the whole notification path: Record's NOTIFY,
// the store's listener, the hub and the gRPC stream.
func TestWatchDeliveries(t *testing.T) {
	t.Parallel()
	srv, st, c := newServer(t)
	sub := storetest.Subscription("billing")
	sub.Platforms = []string{"stripe"}
	if _, err := c.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(context.Background())
	ready := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = st.Listen(lctx, func(subs []string) {
			srv.Notify(subs)
			// The first call (subs nil: "anything may be due") says it
			// listens; it is handed to the hub before the test opens its
			// stream, so the stream's first message is the Record's.
			once.Do(func() { close(ready) })
		})
	})
	t.Cleanup(func() { stop(); wg.Wait() })
	<-ready

	stream, err := c.WatchDeliveries(ctx(t), &ledgerv1.WatchDeliveriesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Headers come once the stream is registered with the hub.
	if _, err := stream.Header(); err != nil {
		t.Fatalf("Header: %v", err)
	}
	// The first Record makes no delivery and must not wake anyone.
	if _, err := c.Record(ctx(t), storetest.Typed("github", "g1", eventv1.EventType_EVENT_TYPE_CODE_PUSHED)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Record(ctx(t), storetest.Typed("stripe", "evt_1", eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	if !slices.Equal(msg.GetSubscriptions(), []string{"billing"}) {
		t.Errorf("message = %v, want [billing]", msg)
	}

	// Shutdown ends open streams at once.
	done := make(chan error, 1)
	go func() { _, err := stream.Recv(); done <- err }()
	srv.EndWatches()
	select {
	case err := <-done:
		wantCode(t, "Recv after EndWatches", err, codes.Unavailable)
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open 5 s after EndWatches")
	}
}
