package server_test

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	_ "modernc.org/sqlite" // the horizon test writes the file directly

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	sqlitestore "github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// watchServer serves a Server with timing over a fresh SQLite store.
func watchServer(t *testing.T, timing server.WatchTiming) (*server.Server, store.Store, ledgerv1.LedgerServiceClient, string) {
	srv, st, c, path, _ := watchServerMetrics(t, timing)
	return srv, st, c, path
}

// watchServerMetrics is watchServer with the server's metrics registry.
func watchServerMetrics(t *testing.T, timing server.WatchTiming) (*server.Server, store.Store, ledgerv1.LedgerServiceClient, string, *prometheus.Registry) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	st, err := sqlitestore.Open(ctx(t), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	srv := server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), st)
	srv.Watch = timing
	reg := prometheus.NewRegistry()
	srv.Metrics = server.NewMetrics(reg, srv)
	c := start(t, srv)
	t.Cleanup(srv.EndWatches) // before Serve's graceful stop (cleanups run last first)
	return srv, st, c, path, reg
}

// counter reads a counter of reg, 0 when absent.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// TestWatchStalledClient: a client that reads nothing while events wait is
// cut off with RESOURCE_EXHAUSTED (after what gRPC's flow control already
// buffered), instead of the stream holding pages for it.
func TestWatchStalledClient(t *testing.T) {
	t.Parallel()
	_, st, c, _, reg := watchServerMetrics(t, server.WatchTiming{Stall: 200 * time.Millisecond})
	stream, err := c.WatchEvents(ctx(t), &ledgerv1.WatchEventsRequest{IncludeReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	// 64 KB bodies: a few fill gRPC's flow-control windows, and the
	// stream's own pages queue behind them.
	body := bytes.Repeat([]byte("x"), 64<<10)
	for i := range 40 {
		req := storetest.Request("stripe", "", fmt.Sprintf("evt_%d", i), time.Now())
		req.Receipt.Body = body
		if _, err := st.Record(ctx(t), req); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && counter(t, reg, "hookmesh_ledger_event_stream_stalls_total") == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	// Now read: what was buffered, then the status.
	for {
		_, err := stream.Recv()
		if err != nil {
			if status.Code(err) != codes.ResourceExhausted {
				t.Fatalf("stream of a stalled client ended with %v, want RESOURCE_EXHAUSTED", err)
			}
			return
		}
	}
}

// TestWatchHeartbeat: a stream whose filter matches nothing still sends
// progress messages, whose cursor moves past the events it skipped.
func TestWatchHeartbeat(t *testing.T) {
	t.Parallel()
	_, st, c, _ := watchServer(t, server.WatchTiming{Heartbeat: 50 * time.Millisecond, Poll: 20 * time.Millisecond})
	stream, err := c.WatchEvents(ctx(t), &ledgerv1.WatchEventsRequest{Platform: "github"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Record(ctx(t), storetest.Request("stripe", "", "evt_skipped", time.Now())); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if msg.GetEvent() != nil {
			t.Fatalf("filtered stream sent %v", msg.GetEvent())
		}
		if p, err := store.ParseCursor(store.CursorSQLite, msg.GetCursor()); err != nil {
			t.Fatalf("progress cursor %q: %v", msg.GetCursor(), err)
		} else if p.ID >= 1 {
			return // past evt_skipped
		}
	}
}

// TestWatchCodes: the stream's own statuses.
func TestWatchCodes(t *testing.T) {
	t.Parallel()
	srv, st, c, path := watchServer(t, server.WatchTiming{})
	recv := func(req *ledgerv1.WatchEventsRequest) (*ledgerv1.WatchEventsResponse, error) {
		stream, err := c.WatchEvents(ctx(t), req)
		if err != nil {
			return nil, err
		}
		return stream.Recv()
	}
	_, err := recv(&ledgerv1.WatchEventsRequest{Cursor: "garbage"})
	wantCode(t, "bad cursor", err, codes.InvalidArgument)
	_, err = recv(&ledgerv1.WatchEventsRequest{StartTime: &timestamppb.Timestamp{Nanos: -1}})
	wantCode(t, "bad start_time", err, codes.InvalidArgument)

	for _, id := range []string{"evt_1", "evt_2"} {
		if _, err := st.Record(ctx(t), storetest.Request("stripe", "", id, time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	first, err := recv(&ledgerv1.WatchEventsRequest{StartTime: timestamppb.New(time.Time{})})
	if err != nil || first.GetEvent().GetEventId() != "evt_1" {
		t.Fatalf("from the start: %v, %v", first, err)
	}
	// Retention deleted evt_2: resuming after evt_1 would skip it.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx(t), `UPDATE event_horizon SET id = 2`); err != nil {
		t.Fatal(err)
	}
	_, err = recv(&ledgerv1.WatchEventsRequest{Cursor: first.GetCursor()})
	wantCode(t, "cursor before the horizon", err, codes.OutOfRange)

	stream, err := c.WatchEvents(ctx(t), &ledgerv1.WatchEventsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Header(); err != nil {
		t.Fatal(err)
	}
	srv.EndWatches()
	for {
		if _, err = stream.Recv(); err != nil {
			break
		}
	}
	wantCode(t, "shutdown", err, codes.Unavailable)
	if errors.Is(err, io.EOF) {
		t.Error("shutdown ended the stream without a status")
	}
}

// TestWatchBeforeDatabase: like every RPC, UNAVAILABLE until connected.
func TestWatchBeforeDatabase(t *testing.T) {
	t.Parallel()
	c := start(t, server.New(slog.New(slog.NewTextHandler(io.Discard, nil)), nil))
	stream, err := c.WatchEvents(ctx(t), &ledgerv1.WatchEventsRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	wantCode(t, "no database", err, codes.Unavailable)
}
