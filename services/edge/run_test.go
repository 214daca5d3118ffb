package edge

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
)

// logBuffer collects everything the edge logs; slog handlers write from
// many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fakeNormalizer and fakeLedger serve the ingesttest fakes over real gRPC,
// so Run dials them as it dials the real services.
type fakeNormalizer struct {
	normalizerv1.UnimplementedNormalizerServiceServer
	f *ingesttest.Normalizer
}

func (s *fakeNormalizer) Normalize(ctx context.Context, in *normalizerv1.NormalizeRequest) (*normalizerv1.NormalizeResponse, error) {
	return s.f.Normalize(ctx, in)
}

type fakeLedger struct {
	ledgerv1.UnimplementedLedgerServiceServer
	f *ingesttest.Ledger
}

func (s *fakeLedger) Record(ctx context.Context, in *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error) {
	return s.f.Record(ctx, in)
}

// fakeDeps are the in-process normalizer and ledger of startEdgeWith.
type fakeDeps struct {
	Normalizer *ingesttest.Normalizer
	Ledger     *ingesttest.Ledger
	// Options are added to the fakes' gRPC server (admin.ServerOptions).
	Options []grpc.ServerOption
	// Server is the fakes' gRPC server, set by startEdgeWith: its Health
	// makes the dependencies look down.
	Server *grpcserver.Server
}

// runningEdge is an edge started by startEdge.
type runningEdge struct {
	// URL is the public listener's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// HTTPAddr and GRPCAddr are the public and gRPC listeners' addresses.
	HTTPAddr, GRPCAddr string
	// AdminURL is the admin listener's base URL.
	AdminURL string
	// Logs holds every line the edge logged, at debug level and up.
	Logs *logBuffer
	// Ledger is the fake ledger behind it.
	Ledger *ingesttest.Ledger
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// startEdge runs the edge (Run, as cmd/edge does) with cfg on loopback
// listeners, in front of an in-process normalizer and ledger, until the
// test ends.
func startEdge(t *testing.T, cfg Config) *runningEdge {
	t.Helper()
	return startEdgeWith(t, cfg, nil)
}

// startEdgeWith is startEdge with the fake dependencies' server options
// (the admin token interceptors) and fakes given.
func startEdgeWith(t *testing.T, cfg Config, deps *fakeDeps) *runningEdge {
	t.Helper()
	if deps == nil {
		deps = &fakeDeps{}
	}
	if deps.Ledger == nil {
		deps.Ledger = &ingesttest.Ledger{}
	}
	if deps.Normalizer == nil {
		deps.Normalizer = &ingesttest.Normalizer{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	led := deps.Ledger
	srv := grpcserver.New(discard, deps.Options...)
	deps.Server = srv
	normalizerv1.RegisterNormalizerServiceServer(srv.GRPC, &fakeNormalizer{f: deps.Normalizer})
	ledgerv1.RegisterLedgerServiceServer(srv.GRPC, &fakeLedger{f: led})
	depLis := listen(t)
	wg.Go(func() {
		if err := srv.Serve(ctx, depLis); err != nil {
			t.Errorf("fake dependencies: %v", err)
		}
	})

	cfg.NormalizerTarget, cfg.LedgerTarget = depLis.Addr().String(), depLis.Addr().String()
	cfg.HTTPListener, cfg.AdminListener, cfg.GRPCListener = listen(t), listen(t), listen(t)
	if cfg.NormalizeTimeout == 0 {
		cfg.NormalizeTimeout, cfg.RecordTimeout = time.Second, 2*time.Second
	}
	e := &runningEdge{
		URL:      "http://" + cfg.HTTPListener.Addr().String(),
		HTTPAddr: cfg.HTTPListener.Addr().String(),
		GRPCAddr: cfg.GRPCListener.Addr().String(),
		AdminURL: "http://" + cfg.AdminListener.Addr().String(),
		Logs:     &logBuffer{},
		Ledger:   led,
	}
	log := slog.New(slog.NewTextHandler(e.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	wg.Go(func() {
		if err := Run(ctx, cfg, log); err != nil {
			t.Errorf("edge Run: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(e.URL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("edge not ready after 10s (last error %v)\n%s", err, e.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
