package renormalize

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/logging"
)

// grpcNormalizer is a NormalizerService behind a real gRPC server, so that
// the metadata a Worker sends goes through gRPC's checks: it answers with
// an event keyed by the body and keeps the event ids it was sent.
type grpcNormalizer struct {
	normalizerv1.UnimplementedNormalizerServiceServer
	mu  sync.Mutex
	ids []string
}

func (g *grpcNormalizer) Normalize(ctx context.Context, req *normalizerv1.NormalizeRequest) (*normalizerv1.NormalizeResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	g.mu.Lock()
	g.ids = append(g.ids, md.Get(logging.MetadataEventID)...)
	g.mu.Unlock()
	return &normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{
		Platform: req.GetPlatform(), EventId: string(req.GetBody()), EventType: eventv1.EventType_EVENT_TYPE_USER_CREATED,
	}}, nil
}

func serveNormalizer(t *testing.T, g *grpcNormalizer) normalizerv1.NormalizerServiceClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	normalizerv1.RegisterNormalizerServiceServer(srv, g)
	done := make(chan struct{})
	go func() { _ = srv.Serve(lis); close(done) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return normalizerv1.NewNormalizerServiceClient(conn)
}

// TestRenormalizesIDsMetadataRefused: events whose id gRPC's ASCII
// metadata refused (é, a tab, an escaped byte's U+FFFD) failed every
// Normalize call before it was sent ("header key "hookmesh-event-id"
// contains value with non-printable ASCII characters"), so a stored
// failure never cleared; re-normalized now, each is normalized and the
// normalizer is told its exact id.
func TestRenormalizesIDsMetadataRefused(t *testing.T) {
	t.Parallel()
	ids := []string{"evt_é_1", "msg_\t_1", "evt_\uFFFDFF_1"}
	var leases []*ledgerv1.NormalizationLease
	for _, id := range ids {
		leases = append(leases, lease(id))
	}
	led := &fakeLedger{batches: [][]*ledgerv1.NormalizationLease{leases}}
	g := &grpcNormalizer{}
	w := New(Options{ID: "w1", Ledger: led, Normalizer: serveNormalizer(t, g), Batch: len(ids)})
	if n, err := w.RunOnce(context.Background()); err != nil || n != len(ids) {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	reports := led.reported()
	if len(reports) != len(ids) {
		t.Fatalf("reports = %v, want %d", reports, len(ids))
	}
	for _, r := range reports {
		if r.GetEvent().GetEventId() != r.GetEventId() || r.GetError() != "" {
			t.Errorf("report for %q: event %v, error %q; want normalized", r.GetEventId(), r.GetEvent(), r.GetError())
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.ids) != len(ids) {
		t.Fatalf("normalizer was sent event ids %q, want %q", g.ids, ids)
	}
	for i, id := range ids {
		if g.ids[i] != id {
			t.Errorf("normalizer was sent event id %q, want %q", g.ids[i], id)
		}
	}
}
