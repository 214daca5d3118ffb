// Package ingest is the one ingest path of the edge, shared by the HTTP
// route and the gRPC EdgeService: verify the signature on the raw bytes,
// answer handshakes, derive the dedup key, normalize, and record durably.
// A result is returned only after the ledger committed, so a caller that
// acknowledges on success never acknowledges something that can be lost.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/metrics"
	"github.com/hookmesh/hookmesh/services/edge/internal/ratelimit"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/logging"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// Status values of a Result.
const (
	// StatusAccepted means the webhook is durably recorded.
	StatusAccepted = "accepted"
	// StatusChallenge means the request was a handshake answered with
	// Result.Challenge; nothing is recorded for it.
	StatusChallenge = "challenge"
)

// Platform is one enabled webhook source.
type Platform struct {
	// Name is the path segment in POST /webhooks/{platform}.
	Name string
	// Verifier checks signatures with the platform's active secrets.
	Verifier verify.Verifier
	// MaxBodyBytes caps the request body; larger requests are rejected.
	MaxBodyBytes int64
	// Dedup, for a source defined in configuration, locates its event id
	// (its rule compiled once: eventkey.CompileDedup); nil for presets
	// (eventkey.Derive).
	Dedup *eventkey.Dedup
	// RateLimit is the platform's token bucket (see Service.Limit); the
	// zero Rule is no limit.
	RateLimit ratelimit.Rule
	// SignsURL is true when the signature covers the request URL
	// (verify.SignsURL, or a configured source signing {url}): over gRPC
	// the caller must then state the URL (see Service.StatedURL).
	SignsURL bool

	// registry is the registry's entry of the platform and registered
	// whether it has one (a configured source has none): New looks it up
	// once, for the handshake and the dedup key of every webhook.
	registry   platform.Platform
	registered bool
}

// Request is one received webhook.
type Request struct {
	// Header holds the request headers as received.
	Header http.Header
	// Body is the exact bytes received.
	Body []byte
	// RemoteAddr is the sender's address as the edge saw it.
	RemoteAddr string
	// Method and URL are the HTTP method and the full external URL as the
	// sender requested it: built by the HTTP route (Service.ExternalURL),
	// stated by a gRPC caller (Service.StatedURL). Platforms that sign
	// them (HubSpot, Square, Twilio) fail verification without them.
	Method, URL string
}

// Result is the acknowledgement of a recorded webhook.
type Result struct {
	// Status is StatusAccepted or StatusChallenge.
	Status string
	// EventID is the platform's event id (the dedup key).
	EventID string
	// Duplicate is true when the event was recorded before.
	Duplicate bool
	// ReceiptID is the processing id of the stored request.
	ReceiptID string
	// Events is how many events the request carried (the items of a
	// batch, else 1) and NewEvents how many of them were new; 0 for a
	// challenge.
	Events, NewEvents int
	// Challenge is the handshake value to echo, for StatusChallenge.
	Challenge string
	// ChallengeFormat says how Challenge is answered over HTTP: one of the
	// Challenge* constants.
	ChallengeFormat string
}

// Handshake answer formats (Result.ChallengeFormat): those a platform's
// Handshake returns.
const (
	// ChallengeJSON answers 200 {"challenge": Challenge} (Slack).
	ChallengeJSON = platform.ChallengeJSON
	// ChallengeText answers 200 with Challenge as text/plain (Twitch).
	ChallengeText = platform.ChallengeText
	// ChallengeRawJSON answers 200 with Challenge, a JSON document, as is
	// (Discord's interaction PONG {"type":1}).
	ChallengeRawJSON = platform.ChallengeRawJSON
	// ChallengeEmpty answers 204 with no body (Discord's webhook-event
	// PING).
	ChallengeEmpty = platform.ChallengeEmpty
)

// Options configures a Service.
type Options struct {
	// Platforms are the enabled sources.
	Platforms []Platform
	// Normalizer and Ledger are the downstream services.
	Normalizer normalizerv1.NormalizerServiceClient
	Ledger     ledgerv1.LedgerServiceClient
	// NormalizeTimeout and RecordTimeout bound each downstream call; their
	// sum must stay well inside the shortest platform ack budget (Slack, 3 s).
	NormalizeTimeout time.Duration
	RecordTimeout    time.Duration
	// Log receives one line per webhook.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PublicURL is the scheme and host senders use to reach the edge
	// (HOOKMESH_PUBLIC_URL, e.g. https://hooks.example.com); empty means
	// http://<Host header>. See ExternalURL.
	PublicURL string
	// Limiter holds the token buckets of Service.Limit; nil means no rate
	// limits.
	Limiter ratelimit.Limiter
	// SourceRateLimit is the bucket of each sender address (SourceAddr).
	SourceRateLimit ratelimit.Rule
	// TrustProxyHeaders makes SourceAddr read X-Forwarded-For.
	TrustProxyHeaders bool
	// MaxInFlight bounds the webhooks waiting on the normalizer and the
	// ledger at once; more are refused with ErrOverloaded. 0 means
	// DefaultMaxInFlight.
	MaxInFlight int
	// Metrics counts normalization failures and times Record calls; nil
	// records nothing.
	Metrics *metrics.Edge
}

// Service runs the ingest path.
type Service struct {
	opts Options
	// platforms is the table of enabled platforms, replaced whole by
	// SetVerifiers: a request holds the Platform it looked up, so one in
	// flight finishes with the verifier it started with.
	platforms atomic.Pointer[map[string]Platform]
	swapMu    sync.Mutex    // serializes SetVerifiers
	inflight  chan struct{} // a slot per webhook past verification
	// publicBase is PublicURL without a trailing slash, trimmed once.
	publicBase string
	counts     counters
	// One sampler per kind of refusal, so one flood does not hide another.
	limitedLog, limiterLog, shedLog sampler
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	m := make(map[string]Platform, len(opts.Platforms))
	for _, p := range opts.Platforms {
		p.registry, p.registered = platforms.Lookup(p.Name)
		m[p.Name] = p
	}
	s := &Service{opts: opts, inflight: make(chan struct{}, opts.MaxInFlight),
		publicBase: strings.TrimRight(opts.PublicURL, "/")}
	s.platforms.Store(&m)
	return s
}

// SetVerifiers replaces the verifiers of the platforms named in vs (a
// secret rotated): requests that already looked their platform up finish
// with the old verifier, later ones use the new. Names of platforms not
// enabled are ignored.
func (s *Service) SetVerifiers(vs map[string]verify.Verifier) {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	old := *s.platforms.Load()
	m := make(map[string]Platform, len(old))
	for name, p := range old {
		if v, ok := vs[name]; ok && v != nil {
			p.Verifier = v
		}
		m[name] = p
	}
	s.platforms.Store(&m)
}

// Platform returns the enabled platform called name, or an error wrapping
// apperr.ErrNotFound.
func (s *Service) Platform(name string) (Platform, error) {
	p, ok := (*s.platforms.Load())[name]
	if !ok {
		return Platform{}, fmt.Errorf("platform %q: %w", name, apperr.ErrNotFound)
	}
	return p, nil
}

// ErrSignature is returned for any signature failure. Its text is all a
// caller sees; the specific reason goes to the log only, so an attacker
// learns nothing about which check failed.
var ErrSignature = fmt.Errorf("invalid signature: %w", apperr.ErrUnauthenticated)

// Ingest verifies and records one webhook of platform p. Errors wrap the
// apperr classes: ErrUnauthenticated (bad signature), ErrTooLarge,
// ErrUnavailable (the ledger did not commit, or ErrOverloaded: too many
// webhooks already wait on it; either way the caller must not ack).
// Rate limits are not applied here: the transports call Limit first,
// before reading the body.
func (s *Service) Ingest(ctx context.Context, p Platform, req Request) (Result, error) {
	receivedAt := s.opts.Now()
	if int64(len(req.Body)) > p.MaxBodyBytes {
		return Result{}, fmt.Errorf("body of %d bytes exceeds %d: %w", len(req.Body), p.MaxBodyBytes, apperr.ErrTooLarge)
	}
	// attrs start every log line about this webhook, in the order a chain
	// of log.With calls would give them: one array, grown in place, costs
	// less than a Logger per step (each With copies the handler's state).
	// The lines are logged with context.Background(), as Logger.Info does.
	var attrBuf [8]slog.Attr
	attrs := append(attrBuf[:0], slog.String("platform", p.Name))
	log := s.opts.Log
	bg := context.Background()
	vreq := verify.Request{Header: req.Header, Body: req.Body, Now: receivedAt, Method: req.Method, URL: req.URL}
	if err := p.Verifier.Verify(vreq); err != nil {
		log.LogAttrs(bg, slog.LevelWarn, "webhook rejected",
			append(attrs, slog.String("reason", err.Error()), slog.String("remote_addr", req.RemoteAddr))...)
		return Result{}, ErrSignature
	}
	var challenge, format string
	var ok bool
	if sh, secret := p.Verifier.(platform.SecretHandshaker); secret {
		// Zoom: the answer is an HMAC under the secret that signed it.
		challenge, format, ok = sh.Handshake(vreq)
	} else {
		challenge, format, ok = handshake(p.registry, req.Header, req.Body)
	}
	if ok {
		log.LogAttrs(bg, slog.LevelInfo, "handshake answered", attrs...)
		return Result{Status: StatusChallenge, Challenge: challenge, ChallengeFormat: format}, nil
	}
	if req.Method == http.MethodGet {
		// A GET is routed here only for a platform whose handshake is a GET
		// (Okta); one that is not the handshake has no webhook to record.
		return Result{}, fmt.Errorf("%s: a GET that is not the handshake: %w", p.Name, apperr.ErrInvalid)
	}
	// Only verified webhooks take a slot, so unsigned floods cannot crowd
	// out real senders; handshakes need no downstream call and take none.
	release, err := s.acquire(p)
	if err != nil {
		return Result{}, err
	}
	defer release()

	headers := HeaderMap(req.Header)
	var key eventkey.Key
	var keyErr error
	switch {
	case p.Dedup != nil:
		key, keyErr = p.Dedup.DeriveBody(headers, req.Body)
	case p.registered:
		key, keyErr = eventkey.DeriveFor(p.registry, headers, req.Body)
	default:
		key, keyErr = eventkey.Derive(p.Name, headers, req.Body) // its not-found error
	}
	if keyErr != nil {
		key = eventkey.ContentKey(req.Body)
	}
	receiptID := newReceiptID()
	// One webhook is one trace: the span continues a traceparent the
	// sender (or a proxy) sent, and its own traceparent is stored with the
	// receipt so that the dispatcher's delivery joins the same trace.
	ctx = tracing.Propagator.Extract(ctx, propagation.HeaderCarrier(req.Header))
	ctx, span := tracing.Tracer().Start(ctx, "webhook "+p.Name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("hookmesh.platform", p.Name), attribute.String("hookmesh.event_id", key.EventID),
			attribute.String("hookmesh.receipt_id", receiptID)))
	defer span.End()
	attrs = append(attrs, slog.String("event_id", key.EventID), slog.String("receipt_id", receiptID))
	if tid := tracing.TraceID(ctx); tid != "" {
		attrs = append(attrs, slog.String("trace_id", tid))
	}

	event, events, normErr := s.normalize(ctx, p.Name, key.EventID, receiptID, headers, req.Body, receivedAt)
	switch {
	case keyErr != nil && normErr == nil:
		normErr = keyErr
		event, events = nil, nil
		s.opts.Metrics.NormalizationFailed(p.Name, metrics.ReasonEventID)
	case normErr != nil:
		s.opts.Metrics.NormalizationFailed(p.Name, failureReason(normErr))
	}
	if tp := tracing.Traceparent(ctx); tp != "" {
		headers = withTraceparent(headers, tp)
	}
	rec := &ledgerv1.RecordRequest{
		Receipt: &ledgerv1.Receipt{
			ReceiptId:  receiptID,
			Platform:   p.Name,
			Source:     key.Source,
			EventId:    key.EventID,
			Headers:    headers,
			Body:       req.Body,
			ReceivedAt: timestamppb.New(receivedAt),
			RemoteAddr: req.RemoteAddr,
		},
		Event: event,
	}
	if len(events) > 1 {
		// A batch: the ledger records each item as an event of its own,
		// all with this receipt.
		rec.Events = events
	}
	if normErr != nil {
		rec.NormalizationError = normErr.Error()
		// The payload may be fine: the ledger re-normalizes it once the
		// normalizer answers again, and only then delivers it.
		rec.NormalizationRetryable = keyErr == nil && retryable(normErr)
		log.LogAttrs(bg, slog.LevelWarn, "webhook not normalized; recording raw",
			append(attrs, slog.String("error", normErr.Error()), slog.Bool("retryable", rec.NormalizationRetryable))...)
	}

	rctx, cancel := context.WithTimeout(ctx, s.opts.RecordTimeout)
	defer cancel()
	recordStart := time.Now()
	resp, err := s.opts.Ledger.Record(rctx, rec)
	switch {
	case err != nil:
		s.opts.Metrics.Recorded(metrics.OutcomeError, time.Since(recordStart))
	case resp.GetDuplicate():
		s.opts.Metrics.Recorded(metrics.OutcomeDuplicate, time.Since(recordStart))
	default:
		s.opts.Metrics.Recorded(metrics.OutcomeCreated, time.Since(recordStart))
	}
	if err != nil {
		span.SetStatus(otelcodes.Error, "ledger did not commit")
		log.LogAttrs(bg, slog.LevelError, "ledger did not commit; asking the sender to retry",
			append(attrs, slog.String("error", err.Error()))...)
		return Result{}, fmt.Errorf("record: %w: %v", apperr.ErrUnavailable, err)
	}
	if resp.GetDuplicate() {
		// Nothing of this request was stored: name the receipt that was.
		attrs = append(attrs, slog.String("stored_receipt_id", resp.GetReceiptId()))
	}
	// A success is a debug line: it is counted in the metrics and stored
	// in the ledger, and at a thousand webhooks a second its formatting
	// and write were 3% of the edge's CPU (docs/operations.md, Logs).
	if log.Enabled(bg, slog.LevelDebug) {
		log.LogAttrs(bg, slog.LevelDebug, "webhook accepted", append(attrs,
			slog.Bool("duplicate", resp.GetDuplicate()),
			slog.String("event_type", event.GetEventType().String()),
			slog.Duration("elapsed", s.opts.Now().Sub(receivedAt)))...)
	}
	return Result{
		Status:    StatusAccepted,
		EventID:   key.EventID,
		Duplicate: resp.GetDuplicate(),
		ReceiptID: resp.GetReceiptId(),
		Events:    int(resp.GetEvents()),
		NewEvents: int(resp.GetNewEvents()),
	}, nil
}

// normalize calls the normalizer and returns its event and all the events
// of the request (NormalizeResponse.events: the items of a batch). Any
// failure — the payload rejected, the service down or slow — is returned
// as an error to be stored beside the raw receipt: normalization never
// decides whether a webhook is kept.
func (s *Service) normalize(ctx context.Context, platform, eventID, receiptID string, headers map[string]string, body []byte, receivedAt time.Time) (*eventv1.NormalizedEvent, []*eventv1.NormalizedEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.NormalizeTimeout)
	defer cancel()
	// The ids go as metadata so that the normalizer's log lines carry them:
	// the request has no field for them, and needs none (normalizing is a
	// pure function of the payload).
	ctx = metadata.AppendToOutgoingContext(ctx, logging.MetadataEventID, eventID, logging.MetadataReceiptID, receiptID)
	resp, err := s.opts.Normalizer.Normalize(ctx, &normalizerv1.NormalizeRequest{
		Platform:   platform,
		Headers:    headers,
		Body:       body,
		ReceivedAt: timestamppb.New(receivedAt),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("normalize: %w", err)
	}
	if resp.GetEvent() == nil {
		return nil, nil, errors.New("normalize: empty response")
	}
	return resp.GetEvent(), resp.GetEvents(), nil
}

// failureReason tells a normalizer that could not read the payload from
// one that did not answer: the first needs a code fix, the second capacity.
func failureReason(err error) string {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted:
		return metrics.ReasonUnavailable
	}
	return metrics.ReasonRejected
}

// retryable tells a normalizer that did not answer (down, or too slow for
// the call's deadline) from one that rejected the payload: only the first
// is worth trying again without a code fix.
func retryable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}

// handshake reports whether a request is its platform's URL-verification
// request (Platform.Handshake: Slack's url_verification, Twitch EventSub's
// webhook_callback_verification, Discord's PINGs ...), which must be
// answered synchronously, and returns the answer and its format. It runs
// only after the signature check, so an unsigned request cannot use the
// edge as an echo service. p is the registry's entry of the webhook's
// platform, the zero Platform (no handshake) when it has none.
func handshake(p platform.Platform, h http.Header, body []byte) (challenge, format string, ok bool) {
	if p.Handshake == nil {
		return "", "", false
	}
	return p.Handshake(h, body)
}

// ExternalURL returns the URL a sender requested, as it signed it:
// PublicURL (scheme and host, e.g. https://hooks.example.com) when set,
// else http:// and the Host header, followed by the request target exactly
// as received (path and query, escapes untouched).
func (s *Service) ExternalURL(host, requestURI string) string {
	if s.publicBase == "" {
		return "http://" + host + requestURI
	}
	return s.publicBase + requestURI
}

// newReceiptID returns a UUIDv7: time-ordered, so receipts inserted
// together land together in the primary-key index.
func newReceiptID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}
