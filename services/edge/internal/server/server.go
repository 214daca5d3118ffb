// Package server implements the edge's gRPC EdgeService over the same
// ingest path as the HTTP route, so grpcurl exercises exactly what a
// platform's POST does.
package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	edgev1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/edge/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
)

// Server is the EdgeService.
type Server struct {
	edgev1.UnimplementedEdgeServiceServer
	svc *ingest.Service
}

// New returns a Server over svc.
func New(svc *ingest.Service) *Server { return &Server{svc: svc} }

// Ingest verifies and records one webhook; errors are apperr classes that
// the shared interceptor maps to gRPC codes, except a rate limit, which
// apperr has no class for: it is RESOURCE_EXHAUSTED with a
// google.rpc.RetryInfo detail saying when to retry. The rate-limit key is
// the gRPC peer's address (the request's headers are the webhook's, not
// the transport's, so X-Forwarded-For is never read here). The request's
// method goes to the verifier as stated (empty means POST), and its url
// once StatedURL accepts it: INVALID_ARGUMENT when a platform that signs
// the URL gets none, or one the HTTP route could not have received.
func (s *Server) Ingest(ctx context.Context, req *edgev1.IngestRequest) (*edgev1.IngestResponse, error) {
	p, err := s.svc.Platform(req.GetPlatform())
	if err != nil {
		return nil, err
	}
	remote := ""
	if pr, ok := peer.FromContext(ctx); ok {
		remote = pr.Addr.String()
	}
	if err := s.svc.Limit(ctx, p, s.svc.SourceAddr(remote, nil)); err != nil {
		return nil, rateLimitStatus(err)
	}
	// Over HTTP the edge builds the URL itself; here the caller states it,
	// checked to be one the HTTP route could have seen (StatedURL).
	signedURL, err := s.svc.StatedURL(p, req.GetUrl())
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(req.GetHeaders()))
	for k, v := range req.GetHeaders() {
		h.Set(k, v)
	}
	body, h, err := ingest.ReadBody(bytes.NewReader(req.GetBody()), h, p.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	res, err := s.svc.Ingest(ctx, p, ingest.Request{Header: h, Body: body, RemoteAddr: remote, Method: req.GetMethod(), URL: signedURL})
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

// rateLimitStatus turns a *ingest.RateLimitError into RESOURCE_EXHAUSTED
// with RetryInfo (in whole seconds, at least 1, as the HTTP Retry-After);
// other errors are returned as they are.
func rateLimitStatus(err error) error {
	var limited *ingest.RateLimitError
	if !errors.As(err, &limited) {
		return err
	}
	wait := time.Duration(ratelimit.RetryAfterSeconds(limited.RetryAfter)) * time.Second
	st, derr := status.New(codes.ResourceExhausted, "rate limited; retry later").
		WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(wait)})
	if derr != nil {
		return status.Error(codes.ResourceExhausted, "rate limited; retry later")
	}
	return st.Err()
}
