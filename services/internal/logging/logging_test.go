package logging

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// echoIDs serves every method on a loopback port: each call answers with
// nothing and sends, on seen, the attributes WebhookIDs read from it and
// the metadata values under MetadataEventID.
func echoIDs(t *testing.T) (*grpc.ClientConn, <-chan [2][]string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan [2][]string, 1)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		if err := stream.RecvMsg(&emptypb.Empty{}); err != nil {
			return err
		}
		var attrs []string
		for _, a := range WebhookIDs(stream.Context()) {
			attrs = append(attrs, a.(slog.Attr).String())
		}
		md, _ := metadata.FromIncomingContext(stream.Context())
		seen <- [2][]string{attrs, md.Get(MetadataEventID)}
		return stream.SendMsg(&emptypb.Empty{})
	}))
	done := make(chan struct{})
	go func() { _ = srv.Serve(lis); close(done) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, seen
}

func call(ctx context.Context, conn *grpc.ClientConn) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return conn.Invoke(ctx, "/test.Echo/Call", &emptypb.Empty{}, &emptypb.Empty{})
}

// TestWebhookIDsCarryAnyBytes sends ids that ASCII metadata refuses (é, a
// tab, an escaped byte's U+FFFD, raw invalid UTF-8) under the metadata
// keys, and checks that the call succeeds and the receiver reads them
// exactly, several values in order as the dispatcher's batches send them.
func TestWebhookIDsCarryAnyBytes(t *testing.T) {
	t.Parallel()
	conn, seen := echoIDs(t)
	ids := []string{"evt_é_1", "msg_\t_1", "evt_\uFFFDFF_1", "raw_\xff_\x00"}
	for _, id := range ids {
		ctx := metadata.AppendToOutgoingContext(context.Background(), MetadataEventID, id, MetadataReceiptID, "r-1")
		if err := call(ctx, conn); err != nil {
			t.Fatalf("call with event id %q: %v", id, err)
		}
		got := <-seen
		want := []string{slog.String("event_id", id).String(), slog.String("receipt_id", "r-1").String()}
		if len(got[0]) != 2 || got[0][0] != want[0] || got[0][1] != want[1] {
			t.Errorf("WebhookIDs with event id %q = %q, want %q", id, got[0], want)
		}
	}
	kv := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		kv = append(kv, MetadataEventID, id)
	}
	if err := call(metadata.AppendToOutgoingContext(context.Background(), kv...), conn); err != nil {
		t.Fatalf("call with %d event ids: %v", len(ids), err)
	}
	if got := (<-seen)[1]; len(got) != len(ids) || got[0] != ids[0] || got[1] != ids[1] || got[2] != ids[2] || got[3] != ids[3] {
		t.Errorf("event ids received = %q, want %q in order", got, ids)
	}
}

// TestASCIIMetadataRefusesIDs is why the keys are binary: gRPC refuses a
// call whose plain metadata value is not printable ASCII, before sending
// it.
func TestASCIIMetadataRefusesIDs(t *testing.T) {
	t.Parallel()
	conn, _ := echoIDs(t)
	for _, id := range []string{"evt_é_1", "msg_\t_1"} {
		err := call(metadata.AppendToOutgoingContext(context.Background(), "hookmesh-event-id", id), conn)
		if status.Code(err) != codes.Internal {
			t.Errorf("event id %q under an ASCII key: %v, want the Internal refusal", id, err)
		}
	}
}

func TestWebhookIDsWithoutMetadata(t *testing.T) {
	t.Parallel()
	if got := WebhookIDs(context.Background()); len(got) != 0 {
		t.Errorf("WebhookIDs without metadata = %v", got)
	}
}
