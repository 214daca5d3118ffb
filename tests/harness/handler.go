package harness

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
)

// Handler is a programmable downstream EventHandlerService for tests. It
// counts calls per delivery id and notices when one delivery is being
// handled by two callers at once.
type Handler struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	// Addr is where it listens.
	Addr string

	mu         sync.Mutex
	behave     func(ctx context.Context, req *handlerv1.HandleEventRequest) error
	calls      map[string]int
	active     map[string]int
	overlapped []string
	log        []*handlerv1.HandleEventRequest
}

// StartHandler serves a Handler on a free port until the test ends.
// behave decides each call's outcome; nil means success.
func StartHandler(t testing.TB, behave func(ctx context.Context, req *handlerv1.HandleEventRequest) error) *Handler {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Addr: lis.Addr().String(), behave: behave, calls: map[string]int{}, active: map[string]int{}}
	srv := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(srv, h)
	done := make(chan struct{})
	go func() { _ = srv.Serve(lis); close(done) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return h
}

// SetBehaviour replaces the outcome function.
func (h *Handler) SetBehaviour(behave func(ctx context.Context, req *handlerv1.HandleEventRequest) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.behave = behave
}

// HandleEvent implements EventHandlerService.
func (h *Handler) HandleEvent(ctx context.Context, req *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	id := req.GetDeliveryId()
	h.mu.Lock()
	h.calls[id]++
	h.active[id]++
	if h.active[id] > 1 {
		h.overlapped = append(h.overlapped, id)
	}
	h.log = append(h.log, req)
	behave := h.behave
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.active[id]--
		h.mu.Unlock()
	}()
	if behave != nil {
		if err := behave(ctx, req); err != nil {
			return nil, err
		}
	}
	return &handlerv1.HandleEventResponse{}, nil
}

// Calls returns the number of calls per delivery id.
func (h *Handler) Calls() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.calls))
	for k, v := range h.calls {
		out[k] = v
	}
	return out
}

// Overlapped returns the delivery ids that were handled concurrently.
func (h *Handler) Overlapped() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.overlapped...)
}

// Requests returns every request received, in order.
func (h *Handler) Requests() []*handlerv1.HandleEventRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*handlerv1.HandleEventRequest(nil), h.log...)
}
