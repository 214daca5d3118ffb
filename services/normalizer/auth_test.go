package normalizer

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
)

// TestEveryMethodHasCallers: Normalize is open to the edge and the
// dispatcher (its renormalizer), and to no one else.
func TestEveryMethodHasCallers(t *testing.T) {
	t.Parallel()
	desc := normalizerv1.NormalizerService_ServiceDesc
	for _, m := range desc.Methods {
		full := "/" + desc.ServiceName + "/" + m.MethodName
		class, roles := meshauth.Classify(full)
		if class != meshauth.Internal || len(roles) != 2 {
			t.Errorf("%s: class %d roles %v, want the edge and the dispatcher", full, class, roles)
		}
	}
}

// TestRefusesOpenNetworkWithoutAuth: on all interfaces with neither
// tokens nor mTLS the normalizer does not start.
func TestRefusesOpenNetworkWithoutAuth(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), Config{GRPCListener: lis}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_NORMALIZER_GRPC_ADDR") || !strings.Contains(err.Error(), meshauth.InsecureVar) {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_NORMALIZER_GRPC_ADDR and %s", err, meshauth.InsecureVar)
	}
}
