package meshauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/env"
)

const (
	edgeTok       = "edge-token-0123456789abcdef"
	dispatcherTok = "dispatcher-token-0123456789abcdef"
	record        = "/hookmesh.ledger.v1.LedgerService/Record"
	claim         = "/hookmesh.ledger.v1.LedgerService/ClaimDeliveries"
	complete      = "/hookmesh.ledger.v1.LedgerService/CompleteDelivery"
	listEvents    = "/hookmesh.ledger.v1.LedgerService/ListEvents"
	normalize     = "/hookmesh.normalizer.v1.NormalizerService/Normalize"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	r := env.New(lookup(map[string]string{TokenVar(RoleEdge): edgeTok, TokenVar(RoleDispatcher): dispatcherTok}))
	c := FromEnv(r)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if c.Tokens[RoleEdge] != edgeTok || c.Tokens[RoleDispatcher] != dispatcherTok || !c.Enabled() {
		t.Fatalf("FromEnv = %v", c)
	}
	if s := c.String(); strings.Contains(s, edgeTok) || strings.Contains(s, dispatcherTok) {
		t.Errorf("String() shows a token: %s", s)
	}

	for name, vars := range map[string]map[string]string{
		"short":  {TokenVar(RoleEdge): "short"},
		"shared": {TokenVar(RoleEdge): edgeTok, TokenVar(RoleDispatcher): edgeTok},
	} {
		r := env.New(lookup(vars))
		FromEnv(r)
		if r.Err() == nil {
			t.Errorf("%s: no configuration error", name)
		} else if strings.Contains(r.Err().Error(), edgeTok) {
			t.Errorf("%s: the error shows the token: %v", name, r.Err())
		}
	}
	if c := FromEnv(env.New(lookup(nil))); c.Enabled() {
		t.Error("no variable set, but authentication is on")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		class  Class
	}{
		{record, Internal},
		{claim, Internal},
		{normalize, Internal},
		{listEvents, Admin},
		{"/hookmesh.dispatcher.v1.DispatcherService/GetStatus", Admin},
		{"/hookmesh.edge.v1.EdgeService/Ingest", Public},
		{"/grpc.health.v1.Health/Check", Public},
		{"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Public},
		{"/hookmesh.ledger.v1.LedgerService/SomethingNew", Denied},
		{"/hookmesh.handler.v1.EventHandlerService/HandleEvent", Denied},
	} {
		if got, _ := Classify(tc.method); got != tc.class {
			t.Errorf("Classify(%s) = %d, want %d", tc.method, got, tc.class)
		}
	}
}

// ctxWith returns an incoming context carrying a token and/or a verified
// client certificate with uri as its SAN ("" for none).
func ctxWith(token string, certURI string, verified bool) context.Context {
	ctx := context.Background()
	if token != "" {
		ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(MetadataKey, token))
	}
	if verified {
		cert := &x509.Certificate{}
		if certURI != "" {
			u, _ := url.Parse(certURI)
			cert.URIs = []*url.URL{u}
		}
		ctx = peer.NewContext(ctx, &peer.Peer{
			Addr:     &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1},
			AuthInfo: credentials.TLSInfo{State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}},
		})
	}
	return ctx
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tokens := Config{Tokens: map[Role]string{RoleEdge: edgeTok, RoleDispatcher: dispatcherTok}}
	mtls := Config{MTLS: true}
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name     string
		cfg      Config
		adminTok bool
		ctx      context.Context
		method   string
		want     codes.Code
	}{
		{"no credential records", tokens, false, ctxWith("", "", false), record, codes.Unauthenticated},
		{"no credential claims", tokens, false, ctxWith("", "", false), claim, codes.Unauthenticated},
		{"no credential completes", tokens, false, ctxWith("", "", false), complete, codes.Unauthenticated},
		{"a wrong token", tokens, false, ctxWith("not-a-token-of-anyone", "", false), record, codes.Unauthenticated},
		{"edge records", tokens, false, ctxWith(edgeTok, "", false), record, codes.OK},
		{"edge claims", tokens, false, ctxWith(edgeTok, "", false), claim, codes.PermissionDenied},
		{"dispatcher claims", tokens, false, ctxWith(dispatcherTok, "", false), claim, codes.OK},
		{"dispatcher records", tokens, false, ctxWith(dispatcherTok, "", false), record, codes.PermissionDenied},
		{"both normalize", tokens, false, ctxWith(dispatcherTok, "", false), normalize, codes.OK},
		{"an unknown method", tokens, false, ctxWith(dispatcherTok, "", false), "/hookmesh.ledger.v1.LedgerService/New", codes.PermissionDenied},
		{"health is open", tokens, false, ctxWith("", "", false), "/grpc.health.v1.Health/Check", codes.OK},
		{"admin without token: anonymous", tokens, false, ctxWith("", "", false), listEvents, codes.Unauthenticated},
		{"admin without token: the edge's REST API", tokens, false, ctxWith(edgeTok, "", false), listEvents, codes.OK},
		{"admin without token: the dispatcher", tokens, false, ctxWith(dispatcherTok, "", false), listEvents, codes.PermissionDenied},
		{"admin with token: left to the admin check", tokens, true, ctxWith("", "", false), listEvents, codes.OK},
		{"mtls edge certificate records", mtls, false, ctxWith("", "spiffe://cluster.local/hookmesh/edge", true), record, codes.OK},
		{"mtls edge certificate claims", mtls, false, ctxWith("", "spiffe://cluster.local/hookmesh/edge", true), claim, codes.PermissionDenied},
		{"mtls dispatcher certificate claims", mtls, false, ctxWith("", "spiffe://cluster.local/hookmesh/dispatcher", true), claim, codes.OK},
		{"mtls handler certificate claims", mtls, false, ctxWith("", "spiffe://cluster.local/payments/handler", true), claim, codes.PermissionDenied},
		{"mtls certificate without SAN", mtls, false, ctxWith("", "", true), record, codes.PermissionDenied},
		{"mtls admin certificate lists", mtls, false, ctxWith("", "spiffe://cluster.local/hookmesh/admin", true), listEvents, codes.OK},
		{"mtls admin certificate claims", mtls, false, ctxWith("", "spiffe://cluster.local/hookmesh/admin", true), claim, codes.PermissionDenied},
		{"off: everything passes (loopback)", Config{}, false, ctxWith("", "", false), claim, codes.OK},
	} {
		err := NewServer(tc.cfg, tc.adminTok, log).Check(tc.ctx, tc.method)
		if got := status.Code(err); got != tc.want {
			t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), edgeTok) || strings.Contains(err.Error(), dispatcherTok)) {
			t.Errorf("%s: the error shows a token: %v", tc.name, err)
		}
	}
}

func TestRoleOfURI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Role{
		"spiffe://cluster.local/hookmesh/edge":       RoleEdge,
		"spiffe://example.org/hookmesh/dispatcher":   RoleDispatcher,
		"spiffe://example.org/hookmesh/admin":        RoleAdmin,
		"spiffe://example.org/hookmesh/root":         "",
		"spiffe://example.org/hookmesh/edge/x":       "",
		"https://example.org/hookmesh/edge":          "",
		"spiffe:///hookmesh/edge":                    "",
		"spiffe://cluster.local/ns/x/sa/hookmesh/ed": "",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := roleOfURI(u); got != want {
			t.Errorf("roleOfURI(%s) = %q, want %q", in, got, want)
		}
	}
	if got := CertificateURI("cluster.local", RoleEdge); got != "spiffe://cluster.local/hookmesh/edge" {
		t.Errorf("CertificateURI = %s", got)
	}
}

func TestCheckListener(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	tcp := func(ip string) net.Listener { return fakeListener{&net.TCPAddr{IP: net.ParseIP(ip), Port: 9092}} }
	if err := CheckListener(tcp("127.0.0.1"), "X_ADDR", Config{}, log); err != nil {
		t.Errorf("loopback without auth: %v", err)
	}
	if err := CheckListener(tcp("::1"), "X_ADDR", Config{}, log); err != nil {
		t.Errorf("IPv6 loopback without auth: %v", err)
	}
	err := CheckListener(tcp("::"), "X_ADDR", Config{}, log)
	if err == nil || !strings.Contains(err.Error(), "X_ADDR") || !strings.Contains(err.Error(), InsecureVar) {
		t.Errorf("all interfaces without auth: %v, want a refusal naming X_ADDR and %s", err, InsecureVar)
	}
	if err := CheckListener(tcp("0.0.0.0"), "X_ADDR", Config{Insecure: true}, log); err != nil {
		t.Errorf("insecure on purpose: %v", err)
	}
	if err := CheckListener(tcp("10.0.0.7"), "X_ADDR", Config{MTLS: true}, log); err != nil {
		t.Errorf("mTLS: %v", err)
	}
	if err := CheckListener(tcp("10.0.0.7"), "X_ADDR", Config{Tokens: map[Role]string{RoleEdge: edgeTok}}, log); err != nil {
		t.Errorf("tokens: %v", err)
	}
}

// fakeListener only has an address: CheckListener never accepts.
type fakeListener struct{ addr net.Addr }

func (f fakeListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (f fakeListener) Close() error              { return nil }
func (f fakeListener) Addr() net.Addr            { return f.addr }

func TestDialOptions(t *testing.T) {
	t.Parallel()
	c := Config{Tokens: map[Role]string{RoleEdge: edgeTok}}
	if len(c.DialOptions(RoleEdge)) != 1 {
		t.Error("the edge has a token but sends none")
	}
	if len(c.DialOptions(RoleDispatcher)) != 0 {
		t.Error("the dispatcher has no token but sends one")
	}
	md, err := tokenCreds(edgeTok).GetRequestMetadata(context.Background())
	if err != nil || md[MetadataKey] != edgeTok {
		t.Errorf("metadata = %v, %v", md, err)
	}
}
