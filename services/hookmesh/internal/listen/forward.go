package listen

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// What an HTTP forward sends (Options.Payload).
const (
	// PayloadRaw is the body and headers the platform sent, as stored.
	PayloadRaw = "raw"
	// PayloadNormalized is the normalized event as JSON (proto field
	// names), the shape a handler receives.
	PayloadNormalized = "normalized"
)

// Subscription is the subscription name a gRPC forward sends: the handler
// sees listen as one more subscription.
const Subscription = "hookmesh-listen"

// redactedValue is the value the edge stores in place of a credential
// header (authorization, proxy-authorization, cookie, x-gitlab-token):
// such headers are not forwarded.
const redactedValue = "[redacted]"

// skipHeaders are stored headers a forward does not repeat: the transport
// sets its own (length, host, connection), and hookmesh-traceparent is the
// edge's, not the platform's.
var skipHeaders = map[string]bool{
	"host": true, "content-length": true, "connection": true, "keep-alive": true, "proxy-connection": true,
	"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "accept-encoding": true,
	"hookmesh-traceparent": true,
}

// Result is what one forward did.
type Result struct {
	// Status is the HTTP status line ("200 OK") or the gRPC code ("OK",
	// "UNAVAILABLE"); empty when the call never got an answer.
	Status string
	// OK is a 2xx or gRPC OK.
	OK bool
	// Latency is the call's duration.
	Latency time.Duration
	// Error says why there is no answer, or the gRPC error's message.
	Error string
	// Skipped says why nothing was sent (no normalized event to send).
	Skipped string
}

// forwarder sends events to the application.
type forwarder interface {
	forward(ctx context.Context, msg *ledgerv1.WatchEventsResponse) Result
	close()
}

// parseTarget parses a forward target ("http://...", "https://..." or
// "grpc://host:port") and returns it with its host:port.
func parseTarget(target string) (*url.URL, string, error) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, "", fmt.Errorf("--forward-to %q: want http://host:port/path, https://... or grpc://host:port", target)
	}
	hostport := u.Host
	if u.Port() == "" {
		hostport = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	switch u.Scheme {
	case "http", "https":
	case "grpc":
		if u.Port() == "" || (u.Path != "" && u.Path != "/") {
			return nil, "", fmt.Errorf("--forward-to %q: want grpc://host:port", target)
		}
	default:
		return nil, "", fmt.Errorf("--forward-to %q: want http://, https:// or grpc://", target)
	}
	return u, hostport, nil
}

// newForwarder returns the forwarder of target (see parseTarget), after
// checking that its host passes g.
func newForwarder(ctx context.Context, target, payload string, g guard, timeout time.Duration) (forwarder, error) {
	u, hostport, err := parseTarget(target)
	if err != nil {
		return nil, err
	}
	if err := g.check(ctx, hostport); err != nil {
		return nil, err
	}
	if u.Scheme == "grpc" {
		conn, err := grpc.NewClient("passthrough:///"+hostport,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
				return g.DialContext(ctx, "tcp", addr)
			}))
		if err != nil {
			return nil, fmt.Errorf("--forward-to %q: %w", target, err)
		}
		return &grpcForwarder{conn: conn, client: handlerv1.NewEventHandlerServiceClient(conn), timeout: timeout}, nil
	}
	return &httpForwarder{url: u.String(), normalized: payload == PayloadNormalized, timeout: timeout,
		client: &http.Client{
			// No proxy from the environment: it would be dialled instead
			// of the checked target.
			Transport: &http.Transport{Proxy: nil, DialContext: g.DialContext, TLSHandshakeTimeout: timeout},
			// A redirect is the application's answer, shown as such; it
			// is not followed anywhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}, nil
}

// httpForwarder POSTs each event to a URL.
type httpForwarder struct {
	url        string
	normalized bool
	timeout    time.Duration
	client     *http.Client
}

func (f *httpForwarder) forward(ctx context.Context, msg *ledgerv1.WatchEventsResponse) Result {
	var body []byte
	h := http.Header{}
	if f.normalized {
		ev := msg.GetEvent().GetEvent()
		if ev == nil {
			return Result{Skipped: "no normalized event"}
		}
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(ev)
		if err != nil {
			return Result{Error: fmt.Sprintf("encode event: %v", err)}
		}
		body = b
		h.Set("Content-Type", "application/json")
	} else {
		rc := msg.GetReceipt()
		if rc == nil {
			return Result{Skipped: "no receipt"}
		}
		body = rc.GetBody()
		for k, v := range rc.GetHeaders() {
			if skipHeaders[k] || v == redactedValue {
				continue
			}
			if raw, err := eventkey.Decode(v); err == nil {
				v = raw // the bytes the platform sent
			}
			h.Set(k, v)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	if err != nil {
		return Result{Error: err.Error()}
	}
	req.Header = h
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return Result{Latency: time.Since(start), Error: unwrapURLError(err).Error()}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return Result{Status: resp.Status, OK: resp.StatusCode/100 == 2, Latency: time.Since(start)}
}

func (f *httpForwarder) close() { f.client.CloseIdleConnections() }

// unwrapURLError drops the "Post \"url\": " prefix the target's column
// already shows.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// grpcForwarder calls HandleEvent, as the dispatcher does.
type grpcForwarder struct {
	conn    *grpc.ClientConn
	client  handlerv1.EventHandlerServiceClient
	timeout time.Duration
}

func (f *grpcForwarder) forward(ctx context.Context, msg *ledgerv1.WatchEventsResponse) Result {
	ev := msg.GetEvent().GetEvent()
	if ev == nil {
		// The dispatcher delivers no event that could not be normalized.
		return Result{Skipped: "no normalized event"}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	start := time.Now()
	_, err := f.client.HandleEvent(ctx, &handlerv1.HandleEventRequest{
		Event: ev, DeliveryId: DeliveryID(msg.GetEvent()), Attempt: 1, Subscription: Subscription,
		Payload: msg.GetReceipt().GetBody(),
	})
	st := status.Convert(err)
	return Result{Status: st.Code().String(), OK: err == nil, Latency: time.Since(start), Error: st.Message()}
}

func (f *grpcForwarder) close() { _ = f.conn.Close() }

// DeliveryID is the delivery id a gRPC forward of ev sends: a UUID (version
// 5 layout) derived from the event's key, so the same event forwarded
// again (a restarted listen, --from an older cursor) has the same id, and
// a handler idempotent on delivery ids handles it once.
func DeliveryID(ev *ledgerv1.StoredEvent) string {
	sum := sha1.Sum([]byte(strings.Join([]string{Subscription, ev.GetPlatform(), ev.GetSource(), ev.GetEventId()}, "\x00")))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
