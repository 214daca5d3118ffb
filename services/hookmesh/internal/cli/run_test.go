package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
)

const (
	testAdminToken      = "admin-token-0123456789abcdef"
	testEdgeToken       = "edge-token-0123456789abcdef"
	testDispatcherToken = "dispatcher-token-0123456789abcdef"
)

// TestRunInProcess runs `hookmesh run` in this process (embedded stores,
// internal tokens and an admin token on), sends signed webhooks, and sees
// them delivered to the example consumer, with every Record and Normalize
// carried in memory: the ledger's and the normalizer's own counts of
// what they served equal the in-process counts. The gRPC ports stay open
// and authenticated.
func TestRunInProcess(t *testing.T) {
	env := map[string]string{
		"HOOKMESH_DATA_DIR":                  t.TempDir(),
		"HOOKMESH_ADMIN_TOKEN":               testAdminToken,
		"HOOKMESH_INTERNAL_TOKEN_EDGE":       testEdgeToken,
		"HOOKMESH_INTERNAL_TOKEN_DISPATCHER": testDispatcherToken,
		"HOOKMESH_DISPATCHER_ID":             "test-run-in-process",
	}
	s := startSystem(t, env)
	if !s.inProcess {
		t.Fatal("the in-process route is off by default")
	}

	hc := &http.Client{Timeout: 30 * time.Second}
	platforms := []string{"stripe", "github", "shopify", "standard", "slack"}
	ids := map[string]string{}
	for _, p := range platforms {
		w, err := sample.Build(p, "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		st, body, err := post(t.Context(), hc, s.edgeURL+"/webhooks/"+p, edge.DevSigningSecrets[p], w)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(st, "202") {
			t.Fatalf("%s: %s %s", p, st, body)
		}
		ids[p] = w.EventID
	}

	// The CLI's way in: the ledger's own gRPC port, with the admin token.
	conn, err := grpc.NewClient(s.ledger.GRPCListener.Addr().String(),
		append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, admin.ClientToken(testAdminToken)...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	led := ledgerv1.NewLedgerServiceClient(conn)
	for p, id := range ids {
		waitDelivered(t, led, p, id)
	}

	// The admin REST API of the edge reaches the ledger in memory too, the
	// caller's bearer token forwarded as metadata.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.adminURL+"/v1/events/stripe/"+ids["stripe"], nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), ids["stripe"]) {
		t.Errorf("GET /v1/events/stripe/...: %d %s", resp.StatusCode, b)
	}

	// Authentication is on: the port refuses a Record without the edge's
	// token, so the Records that succeeded in memory carried it.
	_, err = led.Record(t.Context(), &ledgerv1.RecordRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("Record over gRPC without a token: %v, want Unauthenticated", err)
	}

	m := s.scrape(t)
	const ledgerSvc, normSvc = "/hookmesh.ledger.v1.LedgerService/", "/hookmesh.normalizer.v1.NormalizerService/"
	inRecord := m.sum("hookmesh_inprocess_calls_total", "method", ledgerSvc+"Record", "code", "OK")
	served := m.sum("hookmesh_ledger_record_duration_seconds_count", "outcome", "created") +
		m.sum("hookmesh_ledger_record_duration_seconds_count", "outcome", "duplicate")
	if inRecord < float64(len(platforms)) || inRecord != served {
		t.Errorf("Records in memory %v, Records the ledger served %v, webhooks %d: want every one in memory", inRecord, served, len(platforms))
	}
	inNorm := m.sum("hookmesh_inprocess_calls_total", "method", normSvc+"Normalize")
	normalized := m.sum("hookmesh_normalizer_requests_total")
	if inNorm < float64(len(platforms)) || inNorm != normalized {
		t.Errorf("Normalize calls in memory %v, calls the normalizer served %v: want every one in memory", inNorm, normalized)
	}
	for _, method := range []string{"ClaimDeliveries", "ReportOutcomes", "GetEvent"} {
		if m.sum("hookmesh_inprocess_calls_total", "method", ledgerSvc+method, "code", "OK") == 0 {
			t.Errorf("no %s in memory", method)
		}
	}
	// One process, one registry: the build is described once.
	if n := m.count("hookmesh_build_info"); n != 1 || m.sum("hookmesh_build_info") != 1 {
		t.Errorf("%d hookmesh_build_info series summing to %v, want one of value 1", n, m.sum("hookmesh_build_info"))
	}
	if refused := m.sum("hookmesh_inprocess_calls_total", "code", "Unauthenticated") +
		m.sum("hookmesh_inprocess_calls_total", "code", "PermissionDenied"); refused != 0 {
		t.Errorf("%v in-process calls refused by authentication", refused)
	}

	s.stop(t)
}

// TestRunInProcessOff: HOOKMESH_IN_PROCESS=false wires nothing in memory.
func TestRunInProcessOff(t *testing.T) {
	t.Parallel()
	s, err := loadSystem(mapLookup(map[string]string{"HOOKMESH_DATA_DIR": t.TempDir(), "HOOKMESH_IN_PROCESS": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.inProcess || s.ledger.InProcess != nil || s.edge.LedgerConn != nil || s.dispatcher.LedgerConn != nil {
		t.Error("HOOKMESH_IN_PROCESS=false, but the in-memory route is wired")
	}
	if _, err := loadSystem(mapLookup(map[string]string{"HOOKMESH_DATA_DIR": t.TempDir(), "HOOKMESH_IN_PROCESS": "maybe"})); err == nil {
		t.Error("HOOKMESH_IN_PROCESS=maybe accepted")
	}
}

// TestRunInProcessMTLS: a caller that could prove its role only by a
// client certificate keeps dialling; one with its token goes in memory.
func TestRunInProcessMTLS(t *testing.T) {
	t.Parallel()
	s := &system{}
	s.edge.Auth.MTLS, s.dispatcher.Auth.MTLS = true, true
	s.dispatcher.Auth.Tokens = map[meshauth.Role]string{meshauth.RoleDispatcher: testDispatcherToken}
	s.dispatcher.NormalizerTarget = "127.0.0.1:9091"
	s.routeInProcess(nil)
	if s.edge.LedgerConn != nil || s.edge.NormalizerConn != nil {
		t.Error("the edge (mTLS, no token) was routed in memory, where it has no certificate to show")
	}
	if s.dispatcher.LedgerConn == nil || s.dispatcher.NormalizerConn == nil {
		t.Error("the dispatcher has its token but was not routed in memory")
	}
	if s.ledger.InProcess == nil || s.normalizer.InProcess == nil {
		t.Error("the ledger and the normalizer do not serve in memory")
	}
}

// runningSystem is a system started by startSystem.
type runningSystem struct {
	*system
	edgeURL, adminURL string
	cancel            context.CancelFunc
	done              chan error
}

// startSystem runs the system of env on free loopback ports until the
// test ends, and waits until the edge is ready (the ledger and the
// normalizer answer its health checks, in memory when the route is on).
func startSystem(t *testing.T, env map[string]string) *runningSystem {
	t.Helper()
	s, err := loadSystem(mapLookup(env))
	if err != nil {
		t.Fatal(err)
	}
	edgeURL, err := s.listenLoopback()
	if err != nil {
		t.Fatal(err)
	}
	r := &runningSystem{system: s, edgeURL: edgeURL, adminURL: "http://" + s.edge.AdminListener.Addr().String(), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { r.done <- s.run(ctx, log) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	if err := waitReady(t.Context(), edgeURL+"/ready", r.done); err != nil {
		t.Fatal(err)
	}
	return r
}

// stop shuts the system down and fails the test unless it stopped cleanly.
func (r *runningSystem) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	err := <-r.done
	r.done <- err // for the cleanup
	if err != nil {
		t.Errorf("run returned %v after shutdown, want nil", err)
	}
}

func waitDelivered(t *testing.T, led ledgerv1.LedgerServiceClient, platform, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // a hang guard, not a measurement
	for {
		ds, err := led.ListDeliveries(t.Context(), &ledgerv1.ListDeliveriesRequest{Platform: platform, EventId: id})
		if err != nil {
			t.Fatalf("%s %s: %v", platform, id, err)
		}
		if d := ds.GetDeliveries(); len(d) > 0 {
			switch d[0].GetState() {
			case ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED:
				return
			case ledgerv1.DeliveryState_DELIVERY_STATE_DEAD:
				t.Fatalf("%s %s: dead letter: %s", platform, id, d[0].GetLastError())
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: not delivered to the example consumer", platform, id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metrics is a scrape: one line per sample, "name{labels} value".
type metrics []string

// scrape reads the edge's admin /metrics: in one process, every
// service's metrics.
func (r *runningSystem) scrape(t *testing.T) metrics {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, r.adminURL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m metrics
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			m = append(m, line)
		}
	}
	return m
}

// count is the number of series of name.
func (m metrics) count(name string) int {
	n := 0
	for _, line := range m {
		if series, _, _ := strings.Cut(line, " "); series == name || strings.HasPrefix(series, name+"{") {
			n++
		}
	}
	return n
}

// sum adds the samples of name whose labels include every given
// label="value" pair.
func (m metrics) sum(name string, labels ...string) float64 {
	var total float64
	for _, line := range m {
		series, value, ok := strings.Cut(line, " ")
		if !ok || (series != name && !strings.HasPrefix(series, name+"{")) {
			continue
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(series, fmt.Sprintf("%s=%q", labels[i], labels[i+1])) {
				match = false
			}
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil && match {
			total += v
		}
	}
	return total
}

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}
