// Command sink is the benchmark's downstream handler: a gRPC
// EventHandlerService that answers at once and records, per first
// delivery, the end-to-end latency now - event.received_at (the edge's
// receipt time; same machine, same clock). An HTTP listener serves the
// figures:
//
//	GET  /stats  {"total": ..., "count": ..., "dups": ..., "first"/"last": unix ns, "e2e": summary}
//	POST /reset  starts a new window (total and the dedup set are kept)
//
//	SINK_GRPC_ADDR  gRPC listener (required)
//	SINK_HTTP_ADDR  stats listener (required)
package main

import (
	"context"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"

	"github.com/hookmesh/hookmesh/bench/internal/stats"
)

type sink struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	mu          sync.Mutex
	seen        map[string]struct{}
	total       int // unique deliveries since start
	dups        int
	e2e         []time.Duration // this window
	first, last time.Time       // this window
}

func (s *sink) HandleEvent(_ context.Context, req *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[req.GetDeliveryId()]; ok {
		s.dups++
		return &handlerv1.HandleEventResponse{}, nil
	}
	s.seen[req.GetDeliveryId()] = struct{}{}
	s.total++
	if s.first.IsZero() {
		s.first = now
	}
	s.last = now
	if ra := req.GetEvent().GetReceivedAt(); ra != nil {
		s.e2e = append(s.e2e, now.Sub(ra.AsTime()))
	}
	return &handlerv1.HandleEventResponse{}, nil
}

type report struct {
	Total int           `json:"total"`
	Count int           `json:"count"`
	Dups  int           `json:"dups"`
	First int64         `json:"first"`
	Last  int64         `json:"last"`
	E2E   stats.Summary `json:"e2e"`
}

func (s *sink) stats(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	r := report{Total: s.total, Count: len(s.e2e), Dups: s.dups}
	if !s.first.IsZero() {
		r.First, r.Last = s.first.UnixNano(), s.last.UnixNano()
	}
	samples := append([]time.Duration(nil), s.e2e...)
	s.mu.Unlock()
	r.E2E = stats.Summarize(samples)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r)
}

func (s *sink) reset(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.e2e, s.first, s.last, s.dups = nil, time.Time{}, time.Time{}, 0
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	lis, err := net.Listen("tcp", os.Getenv("SINK_GRPC_ADDR"))
	if err != nil {
		log.Fatal("sink: ", err)
	}
	s := &sink{seen: map[string]struct{}{}}
	srv := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(srv, s)
	go func() { _ = srv.Serve(lis) }()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", s.stats)
	mux.HandleFunc("POST /reset", s.reset)
	hs := &http.Server{Addr: os.Getenv("SINK_HTTP_ADDR"), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := hs.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal("sink: ", err)
		}
	}()
	<-ctx.Done()
	srv.Stop()
	_ = hs.Close()
}
