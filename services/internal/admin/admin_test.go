package admin

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func get(t *testing.T, h http.Handler, path, auth string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

func testRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "hookmesh_test_total", Help: "test"})
	c.Add(3)
	reg.MustRegister(c)
	return reg
}

func TestTokenGuard(t *testing.T) {
	t.Parallel()
	api := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "api") })
	h := NewHandler(Options{Token: "s3cret", Registry: testRegistry(), API: api})
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline", "/v1/events"} {
		for _, auth := range []string{"", "Bearer wrong", "Basic s3cret", "Bearer s3cret2", "s3cret"} {
			if code, _ := get(t, h, path, auth); code != http.StatusUnauthorized {
				t.Errorf("GET %s with %q = %d, want 401", path, auth, code)
			}
		}
		for _, auth := range []string{"Bearer s3cret", "bearer s3cret"} {
			if code, body := get(t, h, path, auth); code != http.StatusOK {
				t.Errorf("GET %s with %q = %d %s, want 200", path, auth, code, body)
			}
		}
	}
	if _, body := get(t, h, "/metrics", "Bearer s3cret"); !strings.Contains(body, "hookmesh_test_total 3") {
		t.Errorf("/metrics does not serve the registry given:\n%s", body)
	}
	for _, path := range []string{"/health", "/ready"} {
		if code, _ := get(t, h, path, ""); code != http.StatusOK {
			t.Errorf("GET %s without a token = %d, want 200 (probes carry no secret)", path, code)
		}
	}
}

func TestNoTokenOpen(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{Registry: testRegistry()})
	for _, path := range []string{"/metrics", "/debug/pprof/", "/health", "/ready"} {
		if code, _ := get(t, h, path, ""); code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, code)
		}
	}
	if code, _ := get(t, h, "/v1/events", ""); code != http.StatusNotFound {
		t.Errorf("GET /v1/events without an API = %d, want 404", code)
	}
}

func TestReadyFails(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{Ready: func(context.Context) error { return errors.New("ledger: connection refused") }})
	code, body := get(t, h, "/ready", "")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "connection refused") {
		t.Errorf("/ready = %d %s, want 503 with the reason", code, body)
	}
	if code, _ := get(t, h, "/health", ""); code != http.StatusOK {
		t.Errorf("/health = %d while not ready, want 200: alive is not ready", code)
	}
}

func TestListenGuard(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0"} {
		lis, err := Listen(nil, addr, "", "HOOKMESH_LEDGER_ADMIN_ADDR")
		if err == nil {
			lis.Close()
			t.Errorf("Listen(%q) without a token succeeded; want a refusal", addr)
			continue
		}
		if !strings.Contains(err.Error(), "HOOKMESH_LEDGER_ADMIN_ADDR") || !strings.Contains(err.Error(), TokenVar) {
			t.Errorf("refusal must name both variables: %v", err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		lis, err := Listen(nil, addr, "", "X")
		if err != nil {
			t.Errorf("Listen(%q) = %v, want a loopback listener", addr, err)
			continue
		}
		lis.Close()
	}
	lis, err := Listen(nil, "0.0.0.0:0", "s3cret", "X")
	if err != nil {
		t.Fatalf("Listen(0.0.0.0:0) with a token = %v, want a listener", err)
	}
	// A given listener is checked too: the guard cannot be bypassed by
	// passing one.
	if _, err := Listen(lis, "", "", "X"); err == nil {
		t.Error("Listen(all-interfaces listener) without a token succeeded")
	}
	if l, err := Listen(nil, "", "", "X"); l != nil || err != nil {
		t.Errorf("Listen(nil, \"\") = %v, %v; want no listener, no error", l, err)
	}
}

func TestGRPCToken(t *testing.T) {
	t.Parallel()
	ok := func(context.Context, any) (any, error) { return "ok", nil }
	intercept := UnaryInterceptor("s3cret")
	call := func(method string, md metadata.MD) error {
		ctx := context.Background()
		if md != nil {
			ctx = metadata.NewIncomingContext(ctx, md)
		}
		_, err := intercept(ctx, nil, &grpc.UnaryServerInfo{FullMethod: method}, ok)
		return err
	}
	const admin, internal = "/hookmesh.ledger.v1.LedgerService/ListEvents", "/hookmesh.ledger.v1.LedgerService/Record"
	if err := call(admin, nil); status.Code(err) != codes.Unauthenticated {
		t.Errorf("admin method without metadata = %v, want Unauthenticated", err)
	}
	if err := call(admin, metadata.Pairs("authorization", "Bearer nope")); status.Code(err) != codes.Unauthenticated {
		t.Errorf("admin method with a wrong token = %v, want Unauthenticated", err)
	}
	if err := call(admin, metadata.Pairs("authorization", "Bearer s3cret")); err != nil {
		t.Errorf("admin method with the token = %v, want OK", err)
	}
	if err := call(internal, nil); err != nil {
		t.Errorf("service-to-service method without metadata = %v, want OK", err)
	}
	md, _ := bearerCreds("s3cret").GetRequestMetadata(context.Background())
	if err := call(admin, metadata.New(md)); err != nil {
		t.Errorf("ClientToken's metadata refused: %v", err)
	}
	if ServerOptions("") != nil || ClientToken("") != nil {
		t.Error("no token must add no options")
	}
}

// TestServeProfile checks that a real admin server lets a CPU profile run
// (its write timeout exceeds the profile's duration).
func TestServeProfile(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, NewHandler(Options{}), lis) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}()
	resp, err := http.Get("http://" + lis.Addr().String() + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) == 0 {
		t.Errorf("profile = %s (%d bytes), want 200 and a profile", resp.Status, len(b))
	}
}
