package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

const secret = "whsec_server_unit"

// client serves an EdgeService over svc through the shared gRPC runtime
// (its error interceptor included) on an in-process connection.
func client(t *testing.T, svc *ingest.Service) edgev1.EdgeServiceClient {
	t.Helper()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	gs := grpcserver.New(discard)
	edgev1.RegisterEdgeServiceServer(gs.GRPC, New(svc))
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
		<-done
	})
	return edgev1.NewEdgeServiceClient(conn)
}

func signedRequest(t *testing.T, id string) *edgev1.IngestRequest {
	t.Helper()
	body := []byte(`{"id":"` + id + `","type":"charge.succeeded"}`)
	h, err := verify.Sign("stripe", secret, time.Now(), "", body)
	if err != nil {
		t.Fatal(err)
	}
	return &edgev1.IngestRequest{Platform: "stripe", Headers: map[string]string{"Stripe-Signature": h.Get("Stripe-Signature")}, Body: body}
}

// TestIngestRateLimited: over the limit, gRPC Ingest answers
// RESOURCE_EXHAUSTED carrying a RetryInfo of whole seconds — not the
// masked INTERNAL an unknown error class would become.
func TestIngestRateLimited(t *testing.T) {
	t.Parallel()
	v, err := verify.New("stripe", []string{secret}, 0)
	if err != nil {
		t.Fatal(err)
	}
	led := &ingesttest.Ledger{}
	svc := ingest.New(ingest.Options{
		Platforms:  []ingest.Platform{{Name: "stripe", Verifier: v, MaxBodyBytes: 4096, RateLimit: ratelimit.Rule{Rate: 0.25, Burst: 1}}},
		Normalizer: &ingesttest.Normalizer{}, Ledger: led, Limiter: ratelimit.NewMemory(ratelimit.MemoryOptions{}),
		NormalizeTimeout: time.Second, RecordTimeout: time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	c := client(t, svc)
	ctx := context.Background()
	if _, err := c.Ingest(ctx, signedRequest(t, "evt_1")); err != nil {
		t.Fatalf("first Ingest: %v", err)
	}
	_, err = c.Ingest(ctx, signedRequest(t, "evt_2"))
	st := status.Convert(err)
	if st.Code() != codes.ResourceExhausted {
		t.Fatalf("second Ingest: %v, want RESOURCE_EXHAUSTED", err)
	}
	var retry *errdetails.RetryInfo
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			retry = ri
		}
	}
	if retry == nil || retry.GetRetryDelay().AsDuration() != 4*time.Second {
		t.Fatalf("details %v, want a RetryInfo of 4s (one token at 0.25/s)", st.Details())
	}
	if n := len(led.Recorded()); n != 1 {
		t.Errorf("%d recorded, want 1", n)
	}
}
