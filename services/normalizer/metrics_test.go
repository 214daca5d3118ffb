package normalizer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
)

func loopback(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func adminGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminMetrics runs the normalizer with an admin listener and a token,
// normalizes mapped, unmapped, unreadable and unknown-platform payloads,
// and reads them back from /metrics.
func TestAdminMetrics(t *testing.T) {
	t.Parallel()
	const token = "normalizer-token"
	grpcLis, adminLis := loopback(t), loopback(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{GRPCListener: grpcLis, AdminListener: adminLis, AdminToken: token},
			slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	conn, err := grpc.NewClient(grpcLis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := normalizerv1.NewNormalizerServiceClient(conn)
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	std := func(body string) error {
		_, err := c.Normalize(cctx, &normalizerv1.NormalizeRequest{
			Platform: "standard",
			Headers:  map[string]string{"webhook-id": "msg_1", "webhook-timestamp": "1709910246"},
			Body:     []byte(body),
		})
		return err
	}
	if err := std(`{"type":"user.created","data":{"id":"user_1"}}`); err != nil {
		t.Fatal(err)
	}
	if err := std(`{"type":"something.nobody.maps","data":{}}`); err != nil {
		t.Fatal(err)
	}
	if err := std(`not json`); err == nil {
		t.Fatal("Normalize(not json) succeeded")
	}
	_, _ = c.Normalize(cctx, &normalizerv1.NormalizeRequest{Platform: "made-up", Body: []byte(`{}`)})

	base := "http://" + adminLis.Addr().String()
	if code, _ := adminGet(t, base+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", code)
	}
	for _, path := range []string{"/health", "/ready"} {
		if code, _ := adminGet(t, base+path, ""); code != http.StatusOK {
			t.Errorf("%s = %d, want 200", path, code)
		}
	}
	code, text := adminGet(t, base+"/metrics", token)
	if code != http.StatusOK {
		t.Fatalf("/metrics with the token = %d", code)
	}
	for _, want := range []string{
		`hookmesh_normalizer_requests_total{outcome="mapped",platform="standard"} 1`,
		`hookmesh_normalizer_requests_total{outcome="unmapped",platform="standard"} 1`,
		`hookmesh_normalizer_requests_total{outcome="failed",platform="standard"} 1`,
		`hookmesh_normalizer_requests_total{outcome="failed",platform="unknown"} 1`,
		`hookmesh_normalizer_requests_total{outcome="mapped",platform="stripe"} 0`,
		`hookmesh_normalizer_duration_seconds_count{platform="standard"} 3`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "made-up") {
		t.Error("a caller's platform name became a label value")
	}
	if code, _ := adminGet(t, base+"/debug/pprof/goroutine?debug=1", token); code != http.StatusOK {
		t.Errorf("pprof with the token = %d, want 200", code)
	}
}

// TestAdminBindGuard: no token and a non-loopback admin address stop the
// normalizer at start, naming the variable.
func TestAdminBindGuard(t *testing.T) {
	t.Parallel()
	err := Run(context.Background(), Config{GRPCListener: loopback(t), AdminAddr: ":0"}, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_NORMALIZER_ADMIN_ADDR") {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_NORMALIZER_ADMIN_ADDR", err)
	}
}
