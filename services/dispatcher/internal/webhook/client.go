package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
	"github.com/hookmesh/hookmesh/services/internal/whsec"
)

// MaxResponse bounds how much of an answer's body is read (and thrown
// away, but for an excerpt), and its headers: a destination cannot make
// the dispatcher read without end. Past it the connection is closed
// instead of reused.
const MaxResponse = 64 << 10

// UserAgent is sent with every request.
const UserAgent = "hookmesh-dispatcher"

// Options configures a Client.
type Options struct {
	// Policy checks every new connection (nil: target.Default()).
	Policy *target.Policy
	// Dial opens the TCP connections to the addresses the policy
	// allowed; nil means a net.Dialer. Tests pass a stub.
	Dial target.DialFunc
	// RootCAs verifies servers' certificates; nil means the system's
	// roots (SSL_CERT_FILE and SSL_CERT_DIR add to them).
	RootCAs *x509.CertPool
	// IdleConnsPerHost bounds the idle connections kept per destination
	// host: about the subscriptions' max_concurrency, so a busy one does
	// not open a connection per delivery. 0 means 64.
	IdleConnsPerHost int
	// Now reads the clock for webhook-timestamp and Retry-After dates;
	// nil means time.Now.
	Now func() time.Time
}

// Client POSTs deliveries to HTTP destinations; one per dispatcher, safe
// for concurrent use. Its connections are pooled per scheme and host.
type Client struct {
	http *http.Client
	// transports are closed by Close.
	transports [2]*http.Transport
	now        func() time.Time
}

// New returns a Client. Nothing is dialled until the first request.
func New(o Options) *Client {
	if o.IdleConnsPerHost <= 0 {
		o.IdleConnsPerHost = 64
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Two transports, because the policy's rule differs by scheme: an
	// https:// connection may go wherever the list allows, a plain one
	// only where an http: entry does, and a transport's dialer does not
	// know the scheme of the request it dials for.
	secure := newTransport(o, false)
	plain := newTransport(o, true)
	c := &Client{transports: [2]*http.Transport{secure, plain}, now: o.Now}
	c.http = &http.Client{
		Transport: byScheme{https: secure, http: plain},
		// A redirect is the destination's answer, not followed: the
		// target is what the allow list checked, and a redirect would
		// take the signed body elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

func newTransport(o Options, plaintext bool) *http.Transport {
	return &http.Transport{
		// Never through a proxy: it would resolve the name again, out of
		// the policy's sight.
		Proxy:               nil,
		DialContext:         target.Dialer{Policy: o.Policy, Plaintext: plaintext, Dial: o.Dial}.DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        4 * o.IdleConnsPerHost,
		MaxIdleConnsPerHost: o.IdleConnsPerHost,
		IdleConnTimeout:     90 * time.Second,
		// The answer's headers are bounded as its body is.
		MaxResponseHeaderBytes: MaxResponse,
		// Bodies are JSON and small; a compressed answer saves nothing
		// worth a decompressor fed by the destination.
		DisableCompression: true,
	}
}

// byScheme sends each request through the transport of its scheme.
type byScheme struct{ https, http *http.Transport }

func (b byScheme) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.URL.Scheme {
	case "https":
		return b.https.RoundTrip(r)
	case "http":
		return b.http.RoundTrip(r)
	}
	return nil, fmt.Errorf("scheme %q is not an HTTP destination", r.URL.Scheme)
}

// Close closes the idle connections.
func (c *Client) Close() {
	for _, t := range c.transports {
		t.CloseIdleConnections()
	}
}

// Request is one delivery attempt to an HTTP destination.
type Request struct {
	// URL is the subscription's target.
	URL string
	// ID is the delivery id, sent as webhook-id: the same on every
	// attempt, the receiver's idempotency key.
	ID string
	// Body is what is signed and sent, ContentType its type.
	Body        []byte
	ContentType string
	// Keys are the active secrets' keys; every one signs.
	Keys [][]byte
}

// Post sends r and returns the HTTP status (0 when there was no answer)
// and nil for a 2xx answer, else a gRPC status error whose code is that
// of the answer's retry class (see Code), with the HTTP status and an
// excerpt of the body in its message. ctx bounds the whole exchange: the
// subscription's timeout.
func (c *Client) Post(ctx context.Context, r Request) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		// The ledger checked the URL; one that still does not parse
		// will not parse on the next attempt either.
		return 0, status.Error(codes.InvalidArgument, "target: "+err.Error())
	}
	ts := c.now().Unix()
	req.Header.Set("Content-Type", r.ContentType)
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("webhook-id", r.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", whsec.Sign(r.Keys, r.ID, ts, r.Body))
	if tp := tracing.Traceparent(ctx); tp != "" {
		req.Header.Set("traceparent", tp) // the handler can join the webhook's trace
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, transportError(err)
	}
	defer resp.Body.Close()
	// Read (a bounded part of) the answer, so the connection can be
	// reused, and keep its start for the message.
	var head bytes.Buffer
	_, _ = io.Copy(&head, io.LimitReader(resp.Body, MaxExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponse-MaxExcerpt))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, answerError(resp, head.Bytes(), c.now())
}

// jsonEvent renders events as the normalized payload: proto field names,
// as the handler contract's messages name them.
var jsonEvent = protojson.MarshalOptions{UseProtoNames: true}

// Body returns what a delivery sends and its content type: the raw body
// as the platform sent it when raw is set (application/json when it is
// JSON, application/octet-stream otherwise: a form-encoded Slack body
// labelled JSON would fail the receiver's parser), else the normalized
// event as compact JSON (application/json).
func Body(raw bool, event *eventv1.NormalizedEvent, payload []byte) ([]byte, string, error) {
	if raw {
		if jsonscan.Valid(payload) {
			return payload, "application/json", nil
		}
		return payload, "application/octet-stream", nil
	}
	b, err := jsonEvent.Marshal(event)
	if err != nil {
		return nil, "", fmt.Errorf("normalized event as JSON: %w", err)
	}
	// protojson varies its spacing from build to build on purpose; the
	// compact form is the same bytes on every attempt.
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, "", fmt.Errorf("normalized event as JSON: %w", err)
	}
	return out.Bytes(), "application/json", nil
}
