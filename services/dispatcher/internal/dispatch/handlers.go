package dispatch

import (
	"context"
	"fmt"
	"net"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

// MaxHandlerMessage bounds the error message of a handler's answer before
// it is logged or reported: the handler chose it, and it ends up in
// last_error, where an admin reads it.
const MaxHandlerMessage = 1024

// DialFunc opens a TCP connection; (*net.Dialer).DialContext is one.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Pool keeps one gRPC connection per handler target, created on first use
// and reused: a connection per call would cost a handshake per delivery.
//
// Every target goes through the policy (HOOKMESH_TARGET_ALLOW): the pool
// resolves host names itself, refuses a target when any address is
// refused, and gRPC dials only the addresses that check returned (see
// checkedAddrs), never the name, so a DNS answer that changes after the
// check cannot be dialled. A refused target answers every call with
// UNAVAILABLE naming the rule, without a packet sent: like an unreachable
// host, it is retried and dead-lettered, and replayable once the operator
// changes the list.
type Pool struct {
	creds  grpc.DialOption
	policy *target.Policy
	dial   DialFunc
	mu     sync.Mutex
	conns  map[string]*handlerConn
}

// NewPool returns an empty Pool whose connections use creds (the
// dispatcher's transport credentials: handler targets, even outside the
// mesh, are dialled with the same TLS settings as the services, verified
// against the target's host name); nil means insecure (plaintext). policy
// decides which targets may be dialled (nil: target.Default()), and dial
// opens the TCP connections to the addresses it allowed (nil: a
// net.Dialer); tests pass stubs of both.
func NewPool(creds grpc.DialOption, policy *target.Policy, dial DialFunc) *Pool {
	if creds == nil {
		creds = grpc.WithTransportCredentials(insecure.NewCredentials())
	}
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	return &Pool{creds: creds, policy: policy, dial: dial, conns: map[string]*handlerConn{}}
}

// Client returns the client for target.
func (p *Pool) Client(raw string) (handlerv1.EventHandlerServiceClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[raw]; ok {
		return c, nil
	}
	c := &handlerConn{}
	t, err := p.policy.Check(raw)
	switch {
	case err != nil:
		// Refused whatever DNS says; the list only changes with a restart.
		c.refused = err
	case t.URL != "":
		// The dispatcher POSTs to URLs itself (package webhook).
		c.refused = fmt.Errorf("target %s is an HTTP destination, not a gRPC handler", raw)
	default:
		c.addrs = newCheckedAddrs(p.policy, raw, p.dial)
		// The target is rebuilt from what was checked, under a scheme
		// only this connection resolves; its authority stays host:port,
		// so TLS verifies the host name as before.
		conn, err := grpcclient.New(checkedScheme+":///"+t.String(), p.creds,
			grpc.WithResolvers(c.addrs), grpc.WithContextDialer(c.addrs.dialContext))
		if err != nil {
			return nil, fmt.Errorf("handler target %q: %w", raw, err)
		}
		c.conn, c.client = conn, handlerv1.NewEventHandlerServiceClient(conn)
	}
	p.conns[raw] = c
	return c, nil
}

// Close closes every connection.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, c := range p.conns {
		if c.conn != nil {
			_ = c.conn.Close()
		}
		delete(p.conns, t)
	}
}

// handlerConn is one target's client: it checks the target before every
// call and bounds what the handler answers.
type handlerConn struct {
	// refused is set when the target's form or IP literal is refused.
	refused error
	addrs   *checkedAddrs
	conn    *grpc.ClientConn
	client  handlerv1.EventHandlerServiceClient
}

// HandleEvent implements handlerv1.EventHandlerServiceClient.
func (c *handlerConn) HandleEvent(ctx context.Context, in *handlerv1.HandleEventRequest, opts ...grpc.CallOption) (*handlerv1.HandleEventResponse, error) {
	err := c.refused
	if err == nil {
		err = c.addrs.check(ctx)
	}
	if err != nil {
		return nil, status.Error(codes.Unavailable, "not dialled: "+err.Error())
	}
	resp, err := c.client.HandleEvent(ctx, in, opts...)
	return resp, boundStatus(err)
}

// boundStatus cuts the message of a status error to MaxHandlerMessage
// bytes on a rune boundary, keeping its code and details (a RetryInfo).
func boundStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || len(st.Message()) <= MaxHandlerMessage {
		return err
	}
	p := st.Proto()
	p.Message = cutUTF8(p.Message, MaxHandlerMessage)
	return status.FromProto(p).Err()
}

// cutUTF8 returns s cut to at most n bytes without splitting a rune.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
