// Package server implements the edge's gRPC EdgeService over the same
// ingest path as the HTTP route, so grpcurl exercises exactly what a
// platform's POST does.
package server

import (
	"context"
	"net/http"

	"google.golang.org/grpc/peer"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
)

// Server is the EdgeService.
type Server struct {
	edgev1.UnimplementedEdgeServiceServer
	svc *ingest.Service
}

// New returns a Server over svc.
func New(svc *ingest.Service) *Server { return &Server{svc: svc} }

// Ingest verifies and records one webhook; errors are apperr classes that
// the shared interceptor maps to gRPC codes.
func (s *Server) Ingest(ctx context.Context, req *edgev1.IngestRequest) (*edgev1.IngestResponse, error) {
	p, err := s.svc.Platform(req.GetPlatform())
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(req.GetHeaders()))
	for k, v := range req.GetHeaders() {
		h.Set(k, v)
	}
	remote := ""
	if pr, ok := peer.FromContext(ctx); ok {
		remote = pr.Addr.String()
	}
	res, err := s.svc.Ingest(ctx, p, ingest.Request{Header: h, Body: req.GetBody(), RemoteAddr: remote})
	if err != nil {
		return nil, err
	}
	return &edgev1.IngestResponse{
		Status:    res.Status,
		EventId:   res.EventID,
		Duplicate: res.Duplicate,
		ReceiptId: res.ReceiptID,
		Challenge: res.Challenge,
	}, nil
}
