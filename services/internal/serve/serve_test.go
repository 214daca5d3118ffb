package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestAllStopsOthersOnError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	stopped := make(chan struct{})
	err := All(context.Background(),
		func(context.Context) error { return boom },
		func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil },
	)
	if !errors.Is(err, boom) {
		t.Fatalf("All = %v, want boom", err)
	}
	select {
	case <-stopped:
	default:
		t.Fatal("All returned before the other function stopped")
	}
}

func TestHTTPGracefulShutdown(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	inFlight := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(inFlight)
		<-release
		w.WriteHeader(http.StatusAccepted)
	})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- HTTP(ctx, srv, lis) }()

	got := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+lis.Addr().String(), "text/plain", nil)
		if err != nil {
			got <- 0
			return
		}
		resp.Body.Close()
		got <- resp.StatusCode
	}()
	<-inFlight
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if code := <-got; code != http.StatusAccepted {
		t.Fatalf("in-flight request got %d, want 202: shutdown cut it off", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("HTTP = %v, want nil", err)
	}
}
