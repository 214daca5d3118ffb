package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// start serves srv through grpcserver (so through the real error
// interceptor) on an in-memory listener and returns a client.
func start(t *testing.T, srv *server.Server) ledgerv1.LedgerServiceClient {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gs := grpcserver.New(log)
	ledgerv1.RegisterLedgerServiceServer(gs.GRPC, srv)
	lis := bufconn.Listen(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return ledgerv1.NewLedgerServiceClient(conn)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Errorf("%s: code %v (%v), want %v", what, got, err, want)
	}
}

func TestCodesEndToEnd(t *testing.T) {
	t.Parallel()
	st := postgres.New(pgtest.NewPool(t))
	t.Cleanup(st.Close)
	c := start(t, server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st))

	req := storetest.Request("stripe", "", "evt_grpc", time.Now())
	first, err := c.Record(ctx(t), req)
	if err != nil || first.GetDuplicate() {
		t.Fatalf("first Record = %v, %v; want OK, new", first, err)
	}
	dup := storetest.Request("stripe", "", "evt_grpc", time.Now())
	second, err := c.Record(ctx(t), dup)
	if err != nil || !second.GetDuplicate() || second.GetReceiptId() != req.GetReceipt().GetReceiptId() {
		t.Fatalf("second Record = %v, %v; want OK, duplicate of %s", second, err, req.GetReceipt().GetReceiptId())
	}
	got, err := c.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_grpc"})
	if err != nil || string(got.GetReceipt().GetBody()) != string(req.GetReceipt().GetBody()) {
		t.Fatalf("GetEvent = %v, %v; want the first body", got, err)
	}

	_, err = c.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_missing"})
	wantCode(t, "GetEvent(missing)", err, codes.NotFound)
	_, err = c.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageToken: "garbage!"})
	wantCode(t, "ListEvents(bad token)", err, codes.InvalidArgument)
	_, err = c.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{PageSize: -1})
	wantCode(t, "ListEvents(negative size)", err, codes.InvalidArgument)
	_, err = c.Record(ctx(t), &ledgerv1.RecordRequest{})
	wantCode(t, "Record(no receipt)", err, codes.InvalidArgument)

	st.Close()
	_, err = c.Record(ctx(t), storetest.Request("stripe", "", "evt_after_close", time.Now()))
	wantCode(t, "Record(database gone)", err, codes.Unavailable)
}

func TestUnavailableWithoutStore(t *testing.T) {
	t.Parallel()
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	c := start(t, srv)
	_, err := c.Record(ctx(t), storetest.Request("stripe", "", "evt_early", time.Now()))
	wantCode(t, "Record before the store", err, codes.Unavailable)
	_, err = c.GetEvent(ctx(t), &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_early"})
	wantCode(t, "GetEvent before the store", err, codes.Unavailable)
	_, err = c.ListEvents(ctx(t), &ledgerv1.ListEventsRequest{})
	wantCode(t, "ListEvents before the store", err, codes.Unavailable)

	st := postgres.New(pgtest.NewPool(t))
	t.Cleanup(st.Close)
	srv.SetStore(st)
	if _, err := c.Record(ctx(t), storetest.Request("stripe", "", "evt_early", time.Now())); err != nil {
		t.Errorf("Record once the store is set: %v", err)
	}
}
