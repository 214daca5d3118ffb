// Package httpapi serves the edge's HTTP listeners: the public webhook
// route with health and readiness, and the admin REST API. Both are
// grpc-gateway muxes, so every error has the one JSON shape
// ({code, message, details}) rendered by runtime.HTTPError.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/edge/internal/ingest"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
)

// RetryAfter is sent with 503 when the ledger could not commit or the edge
// sheds load: long enough for a restarted ledger to come back (or a
// backlog to drain), short inside every platform's retry schedule.
const RetryAfter = 5 * time.Second

// ReadyFunc reports whether the edge's dependencies answer.
type ReadyFunc func(ctx context.Context) error

// NewPublic returns the public handler: POST /webhooks/{platform} (and
// GET for the platforms whose handshake is a GET),
// GET /health (alive) and GET /ready (normalizer and ledger answer).
func NewPublic(svc *ingest.Service, ready ReadyFunc, log *slog.Logger) (http.Handler, error) {
	// Method override is disabled: otherwise a form-encoded POST carrying
	// an override header has its body parsed before signature verification.
	mux := runtime.NewServeMux(runtime.WithDisableHTTPMethodOverride(), runtime.WithRoutingErrorHandler(routingError))
	h := &webhookHandler{svc: svc, mux: mux, log: log}
	if err := mux.HandlePath(http.MethodPost, "/webhooks/{platform}", h.serve); err != nil {
		return nil, fmt.Errorf("route webhooks: %w", err)
	}
	// GET reaches the webhook route only for the platforms whose handshake
	// is a GET (Okta's verification request); any other GET there is the
	// 405 the router gives.
	if err := mux.HandlePath(http.MethodGet, "/webhooks/{platform}", h.serveGet); err != nil {
		return nil, fmt.Errorf("route webhook handshakes: %w", err)
	}
	if err := mux.HandlePath(http.MethodGet, "/health", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}); err != nil {
		return nil, fmt.Errorf("route health: %w", err)
	}
	if err := mux.HandlePath(http.MethodGet, "/ready", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			h.renderError(w, r, fmt.Errorf("not ready: %w: %v", apperr.ErrUnavailable, err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}); err != nil {
		return nil, fmt.Errorf("route ready: %w", err)
	}
	return mux, nil
}

type webhookHandler struct {
	svc *ingest.Service
	mux *runtime.ServeMux
	log *slog.Logger
}

// acceptedBody is the 202 body: {status, event_id, duplicate, receipt_id,
// events, new_events}; events counts the items of a batch (else 1) and
// new_events those that were not duplicates.
type acceptedBody struct {
	Status    string `json:"status"`
	EventID   string `json:"event_id"`
	Duplicate bool   `json:"duplicate"`
	ReceiptID string `json:"receipt_id"`
	Events    int    `json:"events"`
	NewEvents int    `json:"new_events"`
}

// serve answers one webhook and counts the answer: every path below writes
// through rec, so the metric sees exactly the status the sender saw.
func (h *webhookHandler) serve(w http.ResponseWriter, r *http.Request, params map[string]string) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() { h.svc.Metrics().Request(params["platform"], rec.status(), time.Since(start)) }()
	h.handle(rec, w, r, params)
}

// serveGet serves a GET of the webhook route: a handshake of a platform
// that sends its handshake as a GET (platform.Platform.HandshakeGET), else
// 405 as for any method the route does not take.
func (h *webhookHandler) serveGet(w http.ResponseWriter, r *http.Request, params map[string]string) {
	if p, ok := platforms.Lookup(params["platform"]); !ok || !p.HandshakeGET {
		_, m := runtime.MarshalerForRequest(h.mux, r)
		routingError(r.Context(), h.mux, m, w, r, http.StatusMethodNotAllowed)
		return
	}
	h.serve(w, r, params)
}

// handle writes the answer to w. raw is the unwrapped writer, given to
// http.MaxBytesReader: it closes the connection after an oversized body
// only when it reaches the server's own writer.
func (h *webhookHandler) handle(w, raw http.ResponseWriter, r *http.Request, params map[string]string) {
	p, err := h.svc.Platform(params["platform"])
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	// Rate limits before the body is read: a refused request costs no
	// read, no memory and no verification.
	if err := h.svc.Limit(r.Context(), p, h.svc.SourceAddr(r.RemoteAddr, r.Header)); err != nil {
		h.renderError(w, r, err)
		return
	}
	if r.ContentLength > p.MaxBodyBytes {
		h.renderError(w, r, fmt.Errorf("content-length %d exceeds %d: %w", r.ContentLength, p.MaxBodyBytes, apperr.ErrTooLarge))
		return
	}
	// r.ContentLength (-1 when chunked) sizes the buffer: net/http holds
	// the body to it, so a known length is read in one allocation.
	body, header, err := ingest.ReadBodySize(http.MaxBytesReader(raw, r.Body, p.MaxBodyBytes), r.Header, p.MaxBodyBytes, r.ContentLength)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	target := r.RequestURI // the request target as sent, escapes untouched
	if target == "" {
		target = r.URL.RequestURI()
	}
	res, err := h.svc.Ingest(r.Context(), p, ingest.Request{
		Header: header, Body: body, RemoteAddr: r.RemoteAddr,
		Method: r.Method, URL: h.svc.ExternalURL(r.Host, target),
	})
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	if res.Status == ingest.StatusChallenge {
		writeChallenge(w, res)
		return
	}
	writeJSON(w, http.StatusAccepted, acceptedBody{
		Status: res.Status, EventID: res.EventID, Duplicate: res.Duplicate, ReceiptID: res.ReceiptID,
		Events: res.Events, NewEvents: res.NewEvents,
	})
}

// renderError is the one place the webhook route turns an error into a
// status: the apperr class picks the code, 413, 415, 429 and 503 get their
// exact HTTP status (429 and 503 with Retry-After), and internal detail
// never reaches the sender.
func (h *webhookHandler) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.Code(err)
	msg := err.Error()
	var httpStatus int
	var limited *ingest.RateLimitError
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(limited.RetryAfter)))
		code, httpStatus, msg = codes.ResourceExhausted, http.StatusTooManyRequests, "rate limited; retry later"
	case errors.Is(err, ingest.ErrRateLimited):
		w.Header().Set("Retry-After", "1")
		code, httpStatus, msg = codes.ResourceExhausted, http.StatusTooManyRequests, "rate limited; retry later"
	case errors.Is(err, ingest.ErrUnsupportedEncoding):
		code, httpStatus, msg = codes.InvalidArgument, http.StatusUnsupportedMediaType, "unsupported content-encoding; send gzip or identity"
	default:
		switch code {
		case codes.Unauthenticated:
			msg = ingest.ErrSignature.Error()
		case codes.ResourceExhausted:
			httpStatus = http.StatusRequestEntityTooLarge
			msg = "request body too large"
		case codes.Unavailable:
			w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter/time.Second)))
			msg = "temporarily unavailable; retry later"
		case codes.NotFound:
			msg = "unknown platform"
		case codes.InvalidArgument:
		default:
			h.log.Error("webhook failed", slog.String("path", r.URL.Path), slog.String("error", msg))
			code, msg = codes.Internal, "internal error"
		}
	}
	var out error = status.Error(code, msg)
	if httpStatus != 0 {
		out = &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: out}
	}
	_, marshaler := runtime.MarshalerForRequest(h.mux, r)
	runtime.HTTPError(r.Context(), h.mux, marshaler, w, r, out)
}

// routingError keeps the exact HTTP status of a routing failure (405 for a
// wrong method, 404 for an unknown path); the gateway's default would turn
// 405 into 501 Not Implemented.
func routingError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	code := codes.NotFound
	switch httpStatus {
	case http.StatusMethodNotAllowed:
		code = codes.Unimplemented
		if strings.HasPrefix(r.URL.Path, "/webhooks/") {
			w.Header().Set("Allow", http.MethodPost)
		}
	case http.StatusBadRequest:
		code = codes.InvalidArgument
	}
	err := &runtime.HTTPStatusError{HTTPStatus: httpStatus, Err: status.Error(code, http.StatusText(httpStatus))}
	runtime.HTTPError(ctx, mux, m, w, r, err)
}

// writeChallenge answers a handshake in the format its platform expects.
func writeChallenge(w http.ResponseWriter, res ingest.Result) {
	switch res.ChallengeFormat {
	case ingest.ChallengeText:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, res.Challenge)
	case ingest.ChallengeRawJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, res.Challenge)
	case ingest.ChallengeEmpty:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"challenge": res.Challenge})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

// WriteHeader records code and writes it.
func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records the implicit 200 of a body written without a header.
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
