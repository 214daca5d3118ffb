package e2e

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// Variable and metadata names of internal authentication (package
// meshauth): the tests use them as an operator and an attacker would.
const (
	edgeTokenVar       = "HOOKMESH_INTERNAL_TOKEN_EDGE"
	dispatcherTokenVar = "HOOKMESH_INTERNAL_TOKEN_DISPATCHER"
	tokenMetadata      = "hookmesh-internal-token"
)

func randomToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// deliveredPayment sends a signed Stripe payment and waits until the
// example consumer stored it: the whole path works with the credentials
// the system runs with.
func deliveredPayment(t *testing.T, sys *harness.System, tag string) {
	t.Helper()
	id := fmt.Sprintf("evt_trust_%s_%d", tag, time.Now().UnixNano())
	payment := "pi_trust_" + tag + "_" + randomToken(t)[:8]
	body := stripePayment(id, payment, 4200)
	resp, b := post(t, sys, "stripe", stripeHeader(t, body), body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %d %s, want 202", resp.StatusCode, b)
	}
	waitDelivered(t, sys, "stripe", id, 90*time.Second)
	if n, minor := paymentRows(t, sys, payment); n != 1 || minor != 4200 {
		t.Fatalf("consumer has %d rows of %s (amount %d), want 1 of 4200", n, payment, minor)
	}
	// The admin REST API goes through the edge, whose role may read.
	if got := getEvent(t, sys, "stripe", id); got.GetEvent().GetEventId() != id {
		t.Fatalf("GET event = %v", got)
	}
}

// expectCode fails unless err carries want.
func expectCode(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

// TestInternalAuthTokens runs the services with per-role tokens, each
// given only the tokens it needs, and shows that the ledger refuses
// calls without a token or with another role's.
func TestInternalAuthTokens(t *testing.T) {
	t.Parallel()
	edgeTok, dispatcherTok := randomToken(t), randomToken(t)
	both := map[string]string{edgeTokenVar: edgeTok, dispatcherTokenVar: dispatcherTok}
	sys := harness.StartSystemEach(t, systemEnv(), map[string]map[string]string{
		"edge":       {edgeTokenVar: edgeTok},
		"dispatcher": {dispatcherTokenVar: dispatcherTok},
		"ledger":     both,
		"normalizer": both,
	})
	deliveredPayment(t, sys, "tokens")

	conn, err := grpc.NewClient(sys.GRPC["ledger"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ledger := ledgerv1.NewLedgerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	as := func(tok string) context.Context {
		if tok == "" {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, tokenMetadata, tok)
	}
	forged := &ledgerv1.RecordRequest{Receipt: &ledgerv1.Receipt{Platform: "stripe", EventId: "evt_forged", Body: []byte(`{"id":"evt_forged"}`)}}
	claim := &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "rogue", Limit: 10}
	complete := &ledgerv1.CompleteDeliveryRequest{DeliveryId: "00000000-0000-0000-0000-000000000000"}

	_, err = ledger.Record(as(""), forged)
	expectCode(t, "Record without a token", err, codes.Unauthenticated)
	_, err = ledger.ClaimDeliveries(as(""), claim)
	expectCode(t, "ClaimDeliveries without a token", err, codes.Unauthenticated)
	_, err = ledger.CompleteDelivery(as(""), complete)
	expectCode(t, "CompleteDelivery without a token", err, codes.Unauthenticated)
	_, err = ledger.ClaimDeliveries(as("a-handler-made-this-token-up"), claim)
	expectCode(t, "ClaimDeliveries with a made-up token", err, codes.Unauthenticated)
	_, err = ledger.ClaimDeliveries(as(edgeTok), claim)
	expectCode(t, "ClaimDeliveries with the edge's token", err, codes.PermissionDenied)
	_, err = ledger.CompleteDelivery(as(edgeTok), complete)
	expectCode(t, "CompleteDelivery with the edge's token", err, codes.PermissionDenied)
	_, err = ledger.Record(as(dispatcherTok), forged)
	expectCode(t, "Record with the dispatcher's token", err, codes.PermissionDenied)
	_, err = ledger.ListEvents(as(""), &ledgerv1.ListEventsRequest{})
	expectCode(t, "ListEvents without a token (no admin token configured)", err, codes.Unauthenticated)

	nconn, err := grpc.NewClient(sys.GRPC["normalizer"], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer nconn.Close()
	_, err = normalizerv1.NewNormalizerServiceClient(nconn).Normalize(ctx, &normalizerv1.NormalizeRequest{Platform: "stripe"})
	expectCode(t, "Normalize without a token", err, codes.Unauthenticated)

	// The forged event never reached the ledger.
	if r := listEvents(t, sys, "platform=stripe"); r != nil {
		for _, e := range r.GetEvents() {
			if e.GetEventId() == "evt_forged" {
				t.Error("the forged event was recorded")
			}
		}
	}
}

// TestInternalAuthMTLS runs the services with client certificates that
// carry their roles, the example consumer with a certificate that carries
// none (a handler), and shows the roles are enforced.
func TestInternalAuthMTLS(t *testing.T) {
	t.Parallel()
	pki := harness.NewPKI(t)
	each := map[string]map[string]string{}
	for _, name := range harness.Services {
		cert, key := pki.Cert(t, name, "spiffe://hookmesh.test/hookmesh/"+name)
		each[name] = map[string]string{"HOOKMESH_TLS_CERT_FILE": cert, "HOOKMESH_TLS_KEY_FILE": key}
	}
	env := systemEnv()
	env["HOOKMESH_TLS_CA_FILE"] = pki.CA
	sys := harness.StartSystemEach(t, env, each)
	deliveredPayment(t, sys, "mtls")

	ca, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	dialAs := func(name string) ledgerv1.LedgerServiceClient {
		tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		if name != "" {
			certFile, keyFile := each[name]["HOOKMESH_TLS_CERT_FILE"], each[name]["HOOKMESH_TLS_KEY_FILE"]
			if name == "handler" || name == "admin" {
				certFile, keyFile = pki.Cert(t, name, "spiffe://hookmesh.test/hookmesh/"+name)
			}
			kp, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			tc.Certificates = []tls.Certificate{kp}
		}
		conn, err := grpc.NewClient(sys.GRPC["ledger"], grpc.WithTransportCredentials(credentials.NewTLS(tc)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return ledgerv1.NewLedgerServiceClient(conn)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	claim := &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "rogue", Limit: 10}

	// Without a certificate the TLS handshake itself fails: nothing is
	// called.
	_, err = dialAs("").Record(ctx, &ledgerv1.RecordRequest{Receipt: &ledgerv1.Receipt{Platform: "stripe", EventId: "evt_forged"}})
	expectCode(t, "Record without a client certificate", err, codes.Unavailable)
	_, err = dialAs("handler").ClaimDeliveries(ctx, claim)
	expectCode(t, "ClaimDeliveries with a handler's certificate", err, codes.PermissionDenied)
	_, err = dialAs("edge").ClaimDeliveries(ctx, claim)
	expectCode(t, "ClaimDeliveries with the edge's certificate", err, codes.PermissionDenied)
	_, err = dialAs("consumer").Record(ctx, &ledgerv1.RecordRequest{Receipt: &ledgerv1.Receipt{Platform: "stripe", EventId: "evt_forged"}})
	expectCode(t, "Record with the consumer's certificate", err, codes.PermissionDenied)
	_, err = dialAs("admin").ListEvents(ctx, &ledgerv1.ListEventsRequest{PageSize: 1})
	expectCode(t, "ListEvents with an admin certificate", err, codes.OK)
}
