package storetest

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Subscription returns a subscription routing every event to a dummy
// target; edit the result for filters. Exported for the module's other
// tests.
func Subscription(name string) *ledgerv1.Subscription {
	return &ledgerv1.Subscription{Name: name, Target: "dns:///" + name + ".handlers.internal:9000"}
}

// Typed is Request with the given event type.
func Typed(platform, eventID string, et eventv1.EventType) *ledgerv1.RecordRequest {
	r := Request(platform, "", eventID, time.Now())
	r.Event.EventType = et
	return r
}

func mustCreate(t *testing.T, s store.Store, sub *ledgerv1.Subscription) *ledgerv1.Subscription {
	t.Helper()
	resp, err := s.CreateSubscription(ctx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub})
	if err != nil {
		t.Fatalf("CreateSubscription(%s): %v", sub.GetName(), err)
	}
	return resp.GetSubscription()
}

func withMax(sub *ledgerv1.Subscription, n int32) *ledgerv1.Subscription {
	sub.MaxConcurrency = n
	return sub
}

func withPlatforms(sub *ledgerv1.Subscription, p ...string) *ledgerv1.Subscription {
	sub.Platforms = p
	return sub
}

// recordMany records n new events of platform in parallel, ids prefix-0..n-1.
func recordMany(t *testing.T, s store.Store, platform, prefix string, n int) {
	t.Helper()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if _, err := s.Record(ctx(t), Request(platform, "", prefix+strconv.Itoa(i), time.Now())); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Record: %v", err)
	}
}

func claim(t *testing.T, s store.Store, dispatcher string, limit int32) []*ledgerv1.Lease {
	t.Helper()
	resp, err := s.ClaimDeliveries(ctx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: dispatcher, Limit: limit})
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return resp.GetLeases()
}

func complete(t *testing.T, s store.Store, l *ledgerv1.Lease) {
	t.Helper()
	_, err := s.CompleteDelivery(ctx(t), &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d1"})
	if err != nil {
		t.Fatalf("CompleteDelivery: %v", err)
	}
}

func retryReq(l *ledgerv1.Lease, next time.Time, counted bool, class ledgerv1.ErrorClass, code, msg string) *ledgerv1.RetryDeliveryRequest {
	return &ledgerv1.RetryDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d1",
		NextAttemptAt: timestamppb.New(next), CountAttempt: counted, ErrorClass: class, Code: code, Error: msg,
	}
}

func deadLetter(t *testing.T, s store.Store, l *ledgerv1.Lease, msg string) {
	t.Helper()
	_, err := s.DeadLetterDelivery(ctx(t), &ledgerv1.DeadLetterDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d1",
		ErrorClass: ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION, Code: "INVALID_ARGUMENT", Error: msg})
	if err != nil {
		t.Fatalf("DeadLetterDelivery: %v", err)
	}
}

// subsOf returns the sorted subscriptions of leases.
func subsOf(leases []*ledgerv1.Lease) []string {
	var out []string
	for _, l := range leases {
		out = append(out, l.GetDelivery().GetSubscription())
	}
	slices.Sort(out)
	return out
}

func deliveriesOf(t *testing.T, s store.Store, platform, eventID string) []*ledgerv1.Delivery {
	t.Helper()
	resp, err := s.ListDeliveries(ctx(t), &ledgerv1.ListDeliveriesRequest{Platform: platform, EventId: eventID})
	if err != nil {
		t.Fatalf("ListDeliveries(%s/%s): %v", platform, eventID, err)
	}
	return resp.GetDeliveries()
}

func dur(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

func timestampNow() *timestamppb.Timestamp { return timestamppb.Now() }
