package dispatch

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
)

// Pool keeps one gRPC connection per handler target, created on first use
// and reused: a connection per call would cost a handshake per delivery.
type Pool struct {
	creds grpc.DialOption
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// NewPool returns an empty Pool whose connections use creds (the
// dispatcher's transport credentials: handler targets, even outside the
// mesh, are dialled with the same TLS settings as the services); nil means
// insecure (plaintext).
func NewPool(creds grpc.DialOption) *Pool {
	if creds == nil {
		creds = grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	return &Pool{creds: creds, conns: map[string]*grpc.ClientConn{}}
}

// Client returns the client for target.
func (p *Pool) Client(target string) (handlerv1.EventHandlerServiceClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[target]; ok {
		return handlerv1.NewEventHandlerServiceClient(c), nil
	}
	c, err := grpcclient.New(target, p.creds)
	if err != nil {
		return nil, fmt.Errorf("handler target %q: %w", target, err)
	}
	p.conns[target] = c
	return handlerv1.NewEventHandlerServiceClient(c), nil
}

// Close closes every connection.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, c := range p.conns {
		_ = c.Close()
		delete(p.conns, t)
	}
}
