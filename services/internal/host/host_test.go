package host

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/host/hosttest"
)

// events records what happened, in order, from any goroutine.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}

// isOpen reports whether l still accepts connections.
func isOpen(t *testing.T, l net.Listener) bool {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		return false
	}
	defer c.Close()
	a, err := l.Accept()
	if err != nil {
		return false
	}
	a.Close()
	return true
}

// TestCloseRunsClosersInReverseOnce: a failed start-up (Close without Run)
// releases what was acquired last first, and a second Close does nothing.
func TestCloseRunsClosersInReverseOnce(t *testing.T) {
	var ev events
	h := New(nil)
	for _, name := range []string{"store", "client", "helper"} {
		h.OnClose(func() { ev.add(name) })
	}
	h.OnCloseErr("failing", func() error { ev.add("failing"); return errors.New("boom") })
	h.Close()
	h.Close()
	if got, want := ev.get(), []string{"failing", "helper", "client", "store"}; !slices.Equal(got, want) {
		t.Errorf("closers ran %v, want %v", got, want)
	}
}

// TestFailedBindClosesWhatWasOpened: when a listener cannot bind, the
// listeners opened before it and the ones the caller handed over are
// closed; a listener the host never owned is left alone.
func TestFailedBindClosesWhatWasOpened(t *testing.T) {
	given := hosttest.Loopback(t)
	taken := hosttest.Loopback(t) // not the host's: its port makes the bind fail
	h := New(nil, given)
	adminLis, err := h.AdminListen(nil, "127.0.0.1:0", "", "TEST_ADMIN_ADDR")
	if err != nil {
		t.Fatal(err)
	}
	opened, err := h.Listen(nil, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Listen(nil, taken.Addr().String()); err == nil {
		t.Fatal("listening on a taken port succeeded")
	}
	h.Close()
	hosttest.RequireClosed(t, given, adminLis, opened)
	if !isOpen(t, taken) {
		t.Error("the host closed a listener it did not own")
	}
}

// TestAdminListenOff: no address and no listener means no admin listener,
// which AddrOf shows as "off" and ServeAdmin skips.
func TestAdminListenOff(t *testing.T) {
	h := New(nil)
	defer h.Close()
	l, err := h.AdminListen(nil, "", "", "TEST_ADMIN_ADDR")
	if err != nil || l != nil {
		t.Fatalf("AdminListen with no address = %v, %v; want nil, nil", l, err)
	}
	h.ServeAdmin(l, http.NotFoundHandler())
	if len(h.runs) != 0 {
		t.Errorf("ServeAdmin registered a server for a listener that is off")
	}
	if got := AddrOf(l); got != "off" {
		t.Errorf("AddrOf(nil) = %q, want off", got)
	}
}

// TestRunDrainsBeforeClosing: on cancellation the HTTP server lets the
// request in flight finish, and only then do the closers run, in reverse
// order; Run returns nil.
func TestRunDrainsBeforeClosing(t *testing.T) {
	var ev events
	h := New(nil)
	h.OnClose(func() { ev.add("close first acquired") })
	h.OnClose(func() { ev.add("close last acquired") })
	lis, err := h.Listen(nil, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h.ServeHTTP(lis, &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		ev.add("request done")
		_, _ = io.WriteString(w, "ok")
	})})
	h.Go(func(ctx context.Context) error {
		<-ctx.Done()
		ev.add("loop stopped")
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + lis.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	// The loop stops at once; the closers must wait for the request.
	waitFor(t, func() bool { return slices.Contains(ev.get(), "loop stopped") })
	if slices.Contains(ev.get(), "close last acquired") {
		t.Fatal("closers ran while a request was in flight")
	}
	close(release)
	if body := <-got; body != "ok" {
		t.Errorf("in-flight request got %q, want ok", body)
	}
	if err := <-ran; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	list := ev.get()
	want := []string{"request done", "close last acquired", "close first acquired"}
	var rest []string
	for _, e := range list {
		if e != "loop stopped" {
			rest = append(rest, e)
		}
	}
	if !slices.Equal(rest, want) {
		t.Errorf("events %v, want %v (loop stopped anywhere before the closers)", list, want)
	}
	hosttest.RequireClosed(t, lis)
}

// TestRunStopsAllWhenOneFails: a server that fails stops the others, the
// closers run, and Run returns that error.
func TestRunStopsAllWhenOneFails(t *testing.T) {
	var ev events
	h := New(nil)
	h.OnClose(func() { ev.add("closed") })
	boom := errors.New("boom")
	h.Go(func(context.Context) error { return boom })
	h.Go(func(ctx context.Context) error {
		<-ctx.Done()
		ev.add("other stopped")
		return nil
	})
	if err := h.Run(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want boom", err)
	}
	if got, want := ev.get(), []string{"other stopped", "closed"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestGRPCServesUntilCancelled: the gRPC server of GRPC answers on its
// listener until the context is done, and its listener is closed after.
func TestGRPCServesUntilCancelled(t *testing.T) {
	h := New(nil)
	defer h.Close()
	_, lis, err := h.GRPC(GRPC{Addr: "127.0.0.1:0", AddrVar: "TEST_GRPC_ADDR"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx) }()
	c, err := net.Dial("tcp", lis.Addr().String())
	if err != nil {
		t.Fatalf("gRPC listener refused a connection: %v", err)
	}
	c.Close()
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if _, err := net.Dial("tcp", lis.Addr().String()); err == nil {
		t.Error("gRPC listener still accepts after Run")
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
