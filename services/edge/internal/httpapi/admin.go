package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// NewAdmin returns the admin REST API: the LedgerService read methods
// (GET /v1/events, GET /v1/events/{platform}/{event_id}) proxied to the
// ledger over gRPC. JSON uses proto field names, as the public contract
// says, and emits zero values so clients see every field.
func NewAdmin(ctx context.Context, ledger ledgerv1.LedgerServiceClient) (http.Handler, error) {
	mux := runtime.NewServeMux(
		runtime.WithDisableHTTPMethodOverride(),
		runtime.WithRoutingErrorHandler(routingError),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: true},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: true},
		}),
	)
	if err := ledgerv1.RegisterLedgerServiceHandlerClient(ctx, mux, ledger); err != nil {
		return nil, fmt.Errorf("register ledger REST: %w", err)
	}
	return mux, nil
}
