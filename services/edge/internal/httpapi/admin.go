package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/openapi"
)

// NewAdmin returns the admin REST API: the LedgerService admin methods
// (GET /v1/events, GET /v1/events/{platform}/{event_id}, ...) proxied to
// the ledger over gRPC, and the event stream as server-sent events
// (GET /v1/events:watch, see watchHandler), which ends when ctx is done,
// and the API's OpenAPI description (GET /v1/openapi.json).
// JSON uses proto field names, as the public contract says, and emits zero
// values so clients see every field. A request body naming a field the API
// does not know is refused (400, INVALID_ARGUMENT, naming the field): a
// misspelt or unsupported setting silently dropped would leave, say, a
// subscription without the filter its author sent. log receives the
// streams' debug lines.
func NewAdmin(ctx context.Context, ledger ledgerv1.LedgerServiceClient, log *slog.Logger) (http.Handler, error) {
	marshaler := &runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
	gateway := runtime.NewServeMux(
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, marshaler),
	)
	if err := ledgerv1.RegisterLedgerServiceHandlerClient(ctx, gateway, ledger); err != nil {
		return nil, fmt.Errorf("register ledger REST: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+openapi.Path, openapi.Handler())
	mux.Handle("GET "+WatchPath, &watchHandler{base: ctx, ledger: ledger, gateway: gateway, marshaler: marshaler, log: log})
	mux.Handle("/", gateway)
	return mux, nil
}
