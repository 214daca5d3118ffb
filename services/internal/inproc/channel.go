package inproc

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Channel is an in-memory connection to the services registered on it.
// The zero value is not usable: create one with NewChannel.
type Channel struct {
	name    string
	peer    *peer.Peer
	metrics *Metrics
	tracer  trace.Tracer
	// stopCtx is cancelled by Stop: streams still running end with it.
	stopCtx context.Context
	stopAll context.CancelFunc

	mu    sync.RWMutex
	state state
	// unary and stream are the server's interceptor chains, set by Start.
	unary  grpc.UnaryServerInterceptor
	stream grpc.StreamServerInterceptor
	// methods maps "/package.Service/Method" to its handler. Written only
	// before Start, under mu; read under mu.RLock.
	methods  map[string]*method
	services map[string]bool
	// inflight counts calls and streams between their admission and
	// their end, for GracefulStop.
	inflight sync.WaitGroup
}

type state int

const (
	idle state = iota
	serving
	stopped
)

// method is one registered RPC.
type method struct {
	full    string // "/package.Service/Method"
	service string
	name    string
	impl    any
	unary   grpc.MethodHandler
	stream  *grpc.StreamDesc
	calls   callCounter
}

// NewChannel returns a channel for the service called name ("ledger"):
// the name shows in Target, in errors and in the peer address handlers
// see. m counts the calls; nil counts nothing.
func NewChannel(name string, m *Metrics) *Channel {
	ctx, cancel := context.WithCancel(context.Background())
	return &Channel{
		name: name,
		peer: &peer.Peer{
			Addr:      Addr{},
			LocalAddr: Addr{},
			AuthInfo:  AuthInfo{CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.PrivacyAndIntegrity}},
		},
		metrics:  m,
		tracer:   otel.Tracer("github.com/hookmesh/hookmesh/services/internal/inproc"),
		stopCtx:  ctx,
		stopAll:  cancel,
		methods:  map[string]*method{},
		services: map[string]bool{},
	}
}

// Target names the channel as a grpc.ClientConn names its target, for
// log lines and readiness errors: "inprocess:<name>".
func (c *Channel) Target() string { return "inprocess:" + c.name }

// RegisterService registers impl, an implementation of desc's service, as
// grpc.Server.RegisterService does; it implements grpc.ServiceRegistrar.
// Like grpc.Server it panics when impl does not implement the service,
// when the service is already registered, or after Start.
func (c *Channel) RegisterService(desc *grpc.ServiceDesc, impl any) {
	if impl != nil {
		ht := reflect.TypeOf(desc.HandlerType).Elem()
		if st := reflect.TypeOf(impl); !st.Implements(ht) {
			panic(fmt.Sprintf("inproc: RegisterService found the handler of type %v that does not satisfy %v", st, ht))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != idle {
		panic(fmt.Sprintf("inproc %s: RegisterService(%s) after Start", c.name, desc.ServiceName))
	}
	if c.services[desc.ServiceName] {
		panic(fmt.Sprintf("inproc %s: found duplicate service registration for %q", c.name, desc.ServiceName))
	}
	c.services[desc.ServiceName] = true
	for i := range desc.Methods {
		md := &desc.Methods[i]
		c.add(desc.ServiceName, md.MethodName, impl, md.Handler, nil)
	}
	for i := range desc.Streams {
		sd := &desc.Streams[i]
		c.add(desc.ServiceName, sd.StreamName, impl, nil, sd)
	}
}

func (c *Channel) add(service, name string, impl any, h grpc.MethodHandler, sd *grpc.StreamDesc) {
	full := "/" + service + "/" + name
	c.methods[full] = &method{full: full, service: service, name: name, impl: impl, unary: h, stream: sd,
		calls: c.metrics.counter(full)}
}

// Start opens the channel: from now on calls reach the registered services
// through unary and stream, the chains of interceptors the services'
// grpc.Server runs (nil: none). Before Start, and after a stop, calls fail
// with Unavailable, as calls to a server that is not listening do. A
// channel starts once.
func (c *Channel) Start(unary grpc.UnaryServerInterceptor, stream grpc.StreamServerInterceptor) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != idle {
		return fmt.Errorf("inproc %s: already started", c.name)
	}
	c.unary, c.stream, c.state = unary, stream, serving
	return nil
}

// GracefulStop refuses new calls (Unavailable) and waits for the calls
// and streams in flight to end, as grpc.Server.GracefulStop does. It
// returns early when Stop is called.
func (c *Channel) GracefulStop() {
	c.close()
	drained := make(chan struct{})
	go func() {
		c.inflight.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-c.stopCtx.Done():
	}
}

// Stop refuses new calls and cancels the streams in flight. Like
// grpc.Server.Stop it does not wait for handlers to return. Unary calls
// in flight keep their callers' contexts, which carry the callers'
// deadlines: there is no connection whose loss would end them.
func (c *Channel) Stop() {
	c.close()
	c.stopAll()
}

func (c *Channel) close() {
	c.mu.Lock()
	c.state = stopped
	c.mu.Unlock()
}

// begin admits one call of fullMethod: the channel must be serving and
// the method known. On success the caller must call c.inflight.Done.
func (c *Channel) begin(fullMethod string) (*method, grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	switch c.state {
	case idle:
		return nil, nil, nil, status.Errorf(codes.Unavailable, "in-process %s: not serving yet", c.name)
	case stopped:
		return nil, nil, nil, status.Errorf(codes.Unavailable, "in-process %s: shut down", c.name)
	}
	m, ok := c.methods[fullMethod]
	if !ok {
		return nil, nil, nil, unknownMethod(fullMethod, c.services)
	}
	c.inflight.Add(1)
	return m, c.unary, c.stream, nil
}

// unknownMethod is grpc.Server's answer to a method it does not serve.
func unknownMethod(fullMethod string, services map[string]bool) error {
	sm := strings.TrimPrefix(fullMethod, "/")
	i := strings.LastIndex(sm, "/")
	if !strings.HasPrefix(fullMethod, "/") || i < 0 {
		return status.Errorf(codes.Unimplemented, "malformed method name: %q", fullMethod)
	}
	service, name := sm[:i], sm[i+1:]
	if !services[service] {
		return status.Errorf(codes.Unimplemented, "unknown service %v", service)
	}
	return status.Errorf(codes.Unimplemented, "unknown method %v for service %v", name, service)
}

// Addr is the address of both ends of an in-process call.
type Addr struct{}

// Network implements net.Addr.
func (Addr) Network() string { return "inprocess" }

// String implements net.Addr.
func (Addr) String() string { return "inprocess" }

// AuthInfo is the peer's authentication information: no certificate, and
// privacy and integrity, since the messages never leave the process.
type AuthInfo struct {
	credentials.CommonAuthInfo
}

// AuthType implements credentials.AuthInfo.
func (AuthInfo) AuthType() string { return "inprocess" }
