package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// watchLedger is a LedgerServiceClient whose WatchEvents plays a script;
// its other methods are not called by these tests.
type watchLedger struct {
	ledgerv1.LedgerServiceClient
	// refuse, when set, is the status the stream ends with before its
	// headers (a bad cursor).
	refuse error
	// msgs are sent one by one, every gap; then the stream ends with end,
	// or waits for its context when end is nil.
	msgs []*ledgerv1.WatchEventsResponse
	gap  time.Duration
	end  error

	mu   sync.Mutex
	reqs []*ledgerv1.WatchEventsRequest
	auth []string
}

func (l *watchLedger) WatchEvents(ctx context.Context, in *ledgerv1.WatchEventsRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[ledgerv1.WatchEventsResponse], error) {
	md, _ := metadata.FromOutgoingContext(ctx)
	l.mu.Lock()
	l.reqs = append(l.reqs, proto.Clone(in).(*ledgerv1.WatchEventsRequest))
	l.auth = append(l.auth, md.Get("authorization")...)
	l.mu.Unlock()
	return &scriptStream{ctx: ctx, l: l}, nil
}

func (l *watchLedger) last() (*ledgerv1.WatchEventsRequest, []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reqs[len(l.reqs)-1], l.auth
}

type scriptStream struct {
	grpc.ClientStream
	ctx  context.Context
	l    *watchLedger
	next int
}

func (s *scriptStream) Header() (metadata.MD, error) {
	if s.l.refuse != nil {
		return nil, s.l.refuse
	}
	return metadata.MD{}, nil
}

func (s *scriptStream) Recv() (*ledgerv1.WatchEventsResponse, error) {
	if s.next < len(s.l.msgs) {
		if s.next > 0 {
			select {
			case <-time.After(s.l.gap):
			case <-s.ctx.Done():
				return nil, status.FromContextError(s.ctx.Err()).Err()
			}
		}
		s.next++
		return s.l.msgs[s.next-1], nil
	}
	if s.l.end != nil {
		return nil, s.l.end
	}
	<-s.ctx.Done()
	return nil, status.FromContextError(s.ctx.Err()).Err()
}

// serveAdmin serves NewAdmin over l on a loopback server with timeouts
// far shorter than the streams it serves, as a production server's are.
func serveAdmin(t *testing.T, ctx context.Context, l *watchLedger) string {
	t.Helper()
	h, err := NewAdmin(ctx, l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + lis.Addr().String()
}

// sseMessage is one message of an event stream.
type sseMessage struct{ id, event, data string }

// readSSE reads messages until the stream ends.
func readSSE(t *testing.T, body io.Reader) []sseMessage {
	t.Helper()
	var out []sseMessage
	var m sseMessage
	sc := bufio.NewScanner(body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if m != (sseMessage{}) {
				out = append(out, m)
			}
			m = sseMessage{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			m.event = line[7:]
		case strings.HasPrefix(line, "data: "):
			m.data = line[6:]
		default:
			t.Fatalf("not an SSE line: %q", line)
		}
	}
	return out
}

func get(t *testing.T, url string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestWatchSSE(t *testing.T) {
	t.Parallel()
	event := &ledgerv1.StoredEvent{Platform: "stripe", EventId: "evt_1",
		Event: &eventv1.NormalizedEvent{EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED}}
	// Ten messages 50 ms apart outlast the server's 100 ms timeouts.
	l := &watchLedger{gap: 50 * time.Millisecond, end: status.Error(codes.Unavailable, "ledger shutting down")}
	for i := range 10 {
		m := &ledgerv1.WatchEventsResponse{Cursor: "c" + string(rune('0'+i)), Event: event}
		if i == 5 {
			m.Event = nil // a progress message
		}
		l.msgs = append(l.msgs, m)
	}
	base := serveAdmin(t, context.Background(), l)
	resp := get(t, base+WatchPath+"?cursor=q&platform=stripe&event_type=EVENT_TYPE_PAYMENT_COMPLETED&include_receipt=true&start_time=2026-01-02T03:04:05Z",
		http.Header{"Last-Event-Id": {"c_resume"}, "Authorization": {"Bearer tok"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s = %d %s", WatchPath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	msgs := readSSE(t, resp.Body)

	req, auth := l.last()
	want := &ledgerv1.WatchEventsRequest{Cursor: "c_resume", Platform: "stripe", IncludeReceipt: true,
		EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED}
	if req.GetStartTime().AsTime() != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) {
		t.Errorf("start_time = %v", req.GetStartTime())
	}
	req.StartTime = nil
	if !proto.Equal(req, want) {
		t.Errorf("request = %v, want %v (Last-Event-ID wins over cursor)", req, want)
	}
	if len(auth) != 1 || auth[0] != "Bearer tok" {
		t.Errorf("authorization sent to the ledger = %v", auth)
	}
	if len(msgs) != 11 {
		t.Fatalf("%d messages, want 10 and the end: %+v", len(msgs), msgs)
	}
	for i, m := range msgs[:10] {
		if m.id != l.msgs[i].GetCursor() {
			t.Errorf("message %d: id %q, want the cursor %q", i, m.id, l.msgs[i].GetCursor())
		}
		var body struct {
			Cursor string `json:"cursor"`
			Event  *struct {
				EventID string `json:"event_id"`
			} `json:"event"`
		}
		if err := json.Unmarshal([]byte(m.data), &body); err != nil || body.Cursor != m.id {
			t.Errorf("message %d: data %s: %v", i, m.data, err)
		}
		if progress := i == 5; progress != (m.event == "progress") || progress != (body.Event == nil) {
			t.Errorf("message %d: event %q, data %s", i, m.event, m.data)
		}
	}
	end := msgs[10]
	if end.event != "end" || !strings.Contains(end.data, `"code":14`) {
		t.Errorf("last message %+v, want end with UNAVAILABLE", end)
	}
}

// TestWatchSSERefused: a stream the ledger refuses before it starts is an
// HTTP error in the REST API's shape, not an empty 200.
func TestWatchSSERefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want int
	}{
		{status.Error(codes.InvalidArgument, "not a cursor"), http.StatusBadRequest},
		{status.Error(codes.OutOfRange, "deleted"), http.StatusBadRequest},
		{status.Error(codes.Unauthenticated, "token"), http.StatusUnauthorized},
	} {
		base := serveAdmin(t, context.Background(), &watchLedger{refuse: c.err})
		resp := get(t, base+WatchPath+"?cursor=x", nil)
		var body struct {
			Code int `json:"code"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != c.want ||
			body.Code != int(status.Code(c.err)) {
			t.Errorf("%v: %d, code %d, %v", c.err, resp.StatusCode, body.Code, err)
		}
	}
	base := serveAdmin(t, context.Background(), &watchLedger{})
	if resp := get(t, base+WatchPath+"?event_type=NOT_A_TYPE", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown event_type: %d, want 400", resp.StatusCode)
	}
}

// TestWatchSSEShutdown: when the edge shuts down, open streams end (the
// server's graceful shutdown waits for handlers and never cancels them).
func TestWatchSSEShutdown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	l := &watchLedger{msgs: []*ledgerv1.WatchEventsResponse{{Cursor: "c0"}}}
	base := serveAdmin(t, ctx, l)
	resp := get(t, base+WatchPath, nil)
	r := bufio.NewReader(resp.Body)
	for { // the first message proves the stream runs
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "id: c0") {
			break
		}
	}
	cancel()
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Errorf("stream did not end cleanly: %v", err)
	}
}
