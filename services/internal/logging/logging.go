// Package logging builds the slog.Logger each service is given. Loggers are
// passed in, never global, so tests can capture and scan what is logged.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"google.golang.org/grpc/metadata"
)

// New returns a logger writing to w. format is "text" (readable, the
// default for make run) or "json" (for log shippers); level is one of
// debug, info, warn, error.
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(orDefault(level, "info")))); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch orDefault(format, "text") {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// gRPC metadata keys that carry a webhook's ids from the edge to the
// services it calls, so that their log lines about the webhook carry the
// ids too, even where the request has no field for them (Normalize).
//
// They are binary keys (the "-bin" suffix): gRPC sends their values
// base64-encoded and hands the receiver the exact bytes. An id is any
// text a platform sent (é, a tab, an escaped byte: eventkey.Encode), and
// gRPC refuses to send a call whose ASCII metadata holds anything but
// printable ASCII: under a plain key such an id failed the call itself.
const (
	// MetadataEventID is the platform's event id (its encoded form, as
	// stored).
	MetadataEventID = "hookmesh-event-id-bin"
	// MetadataReceiptID is the processing id of the stored request.
	MetadataReceiptID = "hookmesh-receipt-id-bin"
)

// WebhookIDs returns event_id and receipt_id attributes from the incoming
// metadata of ctx: those the edge (or the dispatcher) sent under
// MetadataEventID and MetadataReceiptID, none when absent.
func WebhookIDs(ctx context.Context) []any {
	var attrs []any
	if v := metadata.ValueFromIncomingContext(ctx, MetadataEventID); len(v) > 0 {
		attrs = append(attrs, slog.String("event_id", v[0]))
	}
	if v := metadata.ValueFromIncomingContext(ctx, MetadataReceiptID); len(v) > 0 {
		attrs = append(attrs, slog.String("receipt_id", v[0]))
	}
	return attrs
}
