package httpapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// WatchPath is the route of the event stream on the admin listener.
const WatchPath = "/v1/events:watch"

// WatchWriteTimeout bounds the write of one message to an SSE client: a
// client that stops reading is disconnected then, and the ledger's stream
// with it. (The admin server's own write timeout would cut every stream
// after two minutes; the handler replaces it per message.)
const WatchWriteTimeout = 30 * time.Second

// watchHandler serves GET /v1/events:watch: the ledger's WatchEvents as
// server-sent events. grpc-gateway would stream newline-delimited JSON,
// which a browser's EventSource cannot read, and without resumption; SSE
// gives both: each message's id is its cursor, so a reconnecting
// EventSource sends it back as Last-Event-ID and resumes with no gap.
type watchHandler struct {
	// base ends every stream when it is done (the edge shuts down):
	// http.Server's Shutdown waits for handlers and never cancels them.
	base   context.Context
	ledger ledgerv1.LedgerServiceClient
	// gateway renders errors in the REST API's one shape.
	gateway   *runtime.ServeMux
	marshaler runtime.Marshaler
	log       *slog.Logger
}

// sseJSON encodes messages on one line each, as SSE data lines need:
// protojson without Multiline never writes a newline.
var sseJSON = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true}

// watchRequest reads the query as grpc-gateway reads a GET's (cursor,
// start_time as RFC 3339, platform, event_type by name or number,
// include_receipt), and the Last-Event-ID header, which a reconnecting
// EventSource sends and which wins over the query's cursor.
func watchRequest(r *http.Request) (*ledgerv1.WatchEventsRequest, error) {
	req := &ledgerv1.WatchEventsRequest{}
	if err := runtime.PopulateQueryParameters(req, r.URL.Query(), &utilities.DoubleArray{}); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "watch events: %v", err)
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		req.Cursor = id
	}
	return req, nil
}

func (h *watchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := watchRequest(r)
	if err != nil {
		runtime.HTTPError(r.Context(), h.gateway, h.marshaler, w, r, err)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(h.base, cancel)()
	// The ledger checks the admin token of an admin method itself, as the
	// gateway's routes forward it.
	if a := r.Header.Get("Authorization"); a != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
	}
	stream, err := h.ledger.WatchEvents(ctx, req)
	if err == nil {
		err = started(stream)
	}
	if err != nil {
		runtime.HTTPError(r.Context(), h.gateway, h.marshaler, w, r, err)
		return
	}

	rc := http.NewResponseController(w)
	// The admin server's read timeout would otherwise end the request's
	// context mid-stream.
	_ = rc.SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriter(w)
	send := func(write func(io.Writer) error) error {
		if err := rc.SetWriteDeadline(time.Now().Add(WatchWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send(func(w io.Writer) error {
		_, err := io.WriteString(w, ": hookmesh event stream\n\n")
		return err
	}); err != nil {
		return
	}
	for {
		msg, err := stream.Recv()
		if err != nil {
			if ctx.Err() == nil { // the client is still there: tell it why
				_ = send(func(w io.Writer) error { return writeEnd(w, err) })
			}
			return
		}
		if err := send(func(w io.Writer) error { return writeMessage(w, msg) }); err != nil {
			h.log.Debug("event stream client gone", slog.Any("error", err))
			return
		}
	}
}

// started waits for the stream's headers, which the ledger sends once the
// start is resolved, so that a bad cursor is an HTTP error status rather
// than a 200 that ends at once.
func started(stream ledgerv1.LedgerService_WatchEventsClient) error {
	md, err := stream.Header()
	if err != nil {
		return err
	}
	if md == nil { // ended without headers: the status says why
		if _, err := stream.Recv(); err != nil {
			return err
		}
	}
	return nil
}

// writeMessage writes msg as one SSE message: id is the cursor (so a
// reconnecting EventSource resumes after it), data the message's JSON. A
// message without an event is named "progress", so that an EventSource's
// onmessage sees events only.
func writeMessage(w io.Writer, msg *ledgerv1.WatchEventsResponse) error {
	data, err := sseJSON.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	event := ""
	if msg.GetEvent() == nil {
		event = "event: progress\n"
	}
	_, err = fmt.Fprintf(w, "id: %s\n%sdata: %s\n\n", msg.GetCursor(), event, data)
	return err
}

// writeEnd writes the stream's last message, named "end", with the status
// that ended it in the REST API's error shape ({code, message}).
func writeEnd(w io.Writer, err error) error {
	st := status.Convert(err)
	data, merr := sseJSON.Marshal(st.Proto())
	if merr != nil {
		return merr
	}
	_, werr := fmt.Fprintf(w, "event: end\ndata: %s\n\n", data)
	return werr
}
