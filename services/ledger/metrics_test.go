package ledger_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

const adminToken = "ledger-admin-token"

func adminGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func loopbackListener(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestMetricsSQLite and TestMetricsPostgres drive real RPCs through Run on
// each store and read every ledger metric back from /metrics.
func TestMetricsSQLite(t *testing.T) {
	t.Parallel()
	checkMetrics(t, ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")})
}

func TestMetricsPostgres(t *testing.T) {
	t.Parallel()
	checkMetrics(t, ledger.Config{DatabaseURL: pgtest.NewDatabaseURL(t)})
}

// runAdminLedger runs a ledger with cfg and an admin listener, and
// returns its client and the admin listener's base URL once it serves.
func runAdminLedger(t *testing.T, cfg ledger.Config) (ledgerv1.LedgerServiceClient, string) {
	t.Helper()
	cfg.AdminListener = loopbackListener(t)
	conn, _ := runLedgerConfig(t, cfg, io.Discard)
	waitHealth(t, conn, healthpb.HealthCheckResponse_SERVING)
	return ledgerv1.NewLedgerServiceClient(conn), "http://" + cfg.AdminListener.Addr().String()
}

func checkMetrics(t *testing.T, cfg ledger.Config) {
	t.Helper()
	cfg.AdminToken = adminToken
	c, base := runAdminLedger(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+adminToken)

	// The admin token guard on gRPC: an admin method needs it, Record and
	// the dispatcher's RPCs do not.
	if _, err := c.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("billing")}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("CreateSubscription without the token = %v, want Unauthenticated", err)
	}
	if _, err := c.CreateSubscription(authed, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("billing")}); err != nil {
		t.Fatalf("CreateSubscription with the token: %v", err)
	}
	for _, id := range []string{"evt_1", "evt_2", "evt_3", "evt_1"} { // the last is a duplicate
		if _, err := c.Record(ctx, storetest.Typed("stripe", id, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
			t.Fatalf("Record(%s) without a token: %v", id, err)
		}
	}
	if _, err := c.GetEvent(ctx, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_1"}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("GetEvent without the token = %v, want Unauthenticated", err)
	}
	if _, err := c.GetEvent(authed, &ledgerv1.GetEventRequest{Platform: "stripe", EventId: "evt_1"}); err != nil {
		t.Errorf("GetEvent with the token: %v", err)
	}
	// The event stream carries bodies: an admin method too.
	if s, err := c.WatchEvents(ctx, &ledgerv1.WatchEventsRequest{}); err != nil {
		t.Errorf("WatchEvents without the token: %v", err)
	} else if _, err := s.Recv(); status.Code(err) != codes.Unauthenticated {
		t.Errorf("WatchEvents without the token = %v, want Unauthenticated", err)
	}
	claimed, err := c.ClaimDeliveries(ctx, &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1", Limit: 2})
	if err != nil || len(claimed.GetLeases()) != 2 {
		t.Fatalf("ClaimDeliveries = %v, %v; want 2 leases", claimed, err)
	}
	l := claimed.GetLeases()[0]
	if _, err := c.DeadLetterDelivery(ctx, &ledgerv1.DeadLetterDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d1",
		ErrorClass: ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION, Code: "INVALID_ARGUMENT", Error: "bad",
	}); err != nil {
		t.Fatalf("DeadLetterDelivery: %v", err)
	}
	l = claimed.GetLeases()[1]
	if _, err := c.CompleteDelivery(ctx, &ledgerv1.CompleteDeliveryRequest{
		DeliveryId: l.GetDelivery().GetDeliveryId(), LeaseToken: l.GetLeaseToken(), DispatcherId: "d1",
	}); err != nil {
		t.Fatalf("CompleteDelivery: %v", err)
	}

	if code, _ := adminGet(t, base+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token = %d, want 401", code)
	}
	if code, body := adminGet(t, base+"/ready", ""); code != http.StatusOK {
		t.Errorf("/ready = %d %s, want 200", code, body)
	}
	code, text := adminGet(t, base+"/metrics", adminToken)
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		"hookmesh_pending_deliveries 1", // three events, one dead, one delivered
		"hookmesh_dead_letters 1",
		`hookmesh_ledger_record_duration_seconds_count{outcome="created"} 3`,
		`hookmesh_ledger_record_duration_seconds_count{outcome="duplicate"} 1`,
		`hookmesh_ledger_record_duration_seconds_count{outcome="error"} 0`,
		"hookmesh_ledger_event_streams 0",
		"hookmesh_ledger_event_stream_stalls_total 0",
		"hookmesh_ledger_jobs_running 0",
		"process_open_fds ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}

// TestFilterMetricsSQLite and TestFilterMetricsPostgres: Records through
// Run on each store count each subscription's filter verdict (matched,
// not_matched, error; an ordering key alone counts as matched) and the
// time spent, and a subscription without either counts nothing.
func TestFilterMetricsSQLite(t *testing.T) {
	t.Parallel()
	checkFilterMetrics(t, ledger.Config{DataDir: filepath.Join(t.TempDir(), "data")})
}

func TestFilterMetricsPostgres(t *testing.T) {
	t.Parallel()
	checkFilterMetrics(t, ledger.Config{DatabaseURL: pgtest.NewDatabaseURL(t)})
}

func checkFilterMetrics(t *testing.T, cfg ledger.Config) {
	t.Helper()
	c, base := runAdminLedger(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	record := func(id string) {
		t.Helper()
		if _, err := c.Record(ctx, storetest.Typed("stripe", id, eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED)); err != nil {
			t.Fatalf("Record(%s): %v", id, err)
		}
	}
	filterMetrics := func() string {
		t.Helper()
		code, text := adminGet(t, base+"/metrics", "")
		if code != http.StatusOK {
			t.Fatalf("/metrics = %d", code)
		}
		var lines []string
		for l := range strings.Lines(text) {
			if strings.HasPrefix(l, "hookmesh_ledger_filter_") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "")
	}

	// Only an unfiltered subscription: nothing is evaluated.
	if _, err := c.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	record("evt_unfiltered")
	text := filterMetrics()
	for _, want := range []string{
		`hookmesh_ledger_filter_evaluations_total{result="matched"} 0`,
		`hookmesh_ledger_filter_evaluations_total{result="not_matched"} 0`,
		`hookmesh_ledger_filter_evaluations_total{result="error"} 0`,
		"hookmesh_ledger_filter_evaluation_seconds_total 0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("after an unfiltered Record, /metrics lacks %q:\n%s", want, text)
		}
	}

	subs := map[string][2]string{ // name: filter, ordering key
		"yes":     {`platform == "stripe" && event.entity_id == "pi_123"`, ""},
		"no":      {`event.entity_id == "other"`, ""},
		"broken":  {`payload.amount > 1`, ""}, // the body is not JSON: payload is null
		"ordered": {"", "event.entity_id"},
	}
	for name, fk := range subs {
		sub := storetest.Subscription(name)
		sub.Filter, sub.OrderingKey = fk[0], fk[1]
		if _, err := c.CreateSubscription(ctx, &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Fatalf("CreateSubscription(%s): %v", name, err)
		}
	}
	record("evt_1")
	record("evt_2")
	text = filterMetrics()
	// Two events: "yes" and "ordered" match, "no" does not, "broken"
	// fails, on each.
	for _, want := range []string{
		`hookmesh_ledger_filter_evaluations_total{result="matched"} 4`,
		`hookmesh_ledger_filter_evaluations_total{result="not_matched"} 2`,
		`hookmesh_ledger_filter_evaluations_total{result="error"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
	i := strings.Index(text, "hookmesh_ledger_filter_evaluation_seconds_total ")
	var secs float64
	if i >= 0 {
		fmt.Sscan(text[i+len("hookmesh_ledger_filter_evaluation_seconds_total "):], &secs)
	}
	if secs <= 0 {
		t.Errorf("hookmesh_ledger_filter_evaluation_seconds_total = %v, want above 0:\n%s", secs, text)
	}
}

// TestReadyWithoutDatabase: a ledger whose database is unreachable is
// alive but not ready, and /metrics still answers without the gauges it
// cannot compute.
func TestReadyWithoutDatabase(t *testing.T) {
	t.Parallel()
	dead := loopbackListener(t)
	addr := dead.Addr().String()
	dead.Close() // nothing listens there now
	cfg := ledger.Config{DatabaseURL: "postgres://postgres@" + addr + "/none?sslmode=disable&connect_timeout=1",
		AdminListener: loopbackListener(t)}
	base := "http://" + cfg.AdminListener.Addr().String()
	runLedgerConfig(t, cfg, io.Discard)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := adminGet(t, base+"/health", "")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health = %d, want 200", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := adminGet(t, base+"/ready", ""); code != http.StatusServiceUnavailable {
		t.Errorf("/ready without a database = %d %s, want 503", code, body)
	}
	code, text := adminGet(t, base+"/metrics", "")
	if code != http.StatusOK || !strings.Contains(text, "hookmesh_ledger_record_duration_seconds") {
		t.Errorf("/metrics without a database = %d; want 200 with the other metrics\n%s", code, text)
	}
	if strings.Contains(text, "hookmesh_pending_deliveries ") {
		t.Errorf("pending gauge reported without a database:\n%s", text)
	}
}

// TestAdminBindGuard: no token and a non-loopback admin address stop the
// ledger at start, naming the variable.
func TestAdminBindGuard(t *testing.T) {
	t.Parallel()
	cfg := ledger.Config{DataDir: t.TempDir(), AdminAddr: "0.0.0.0:0", GRPCListener: loopbackListener(t)}
	err := ledger.Run(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_LEDGER_ADMIN_ADDR") || !strings.Contains(err.Error(), admin.TokenVar) {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_LEDGER_ADMIN_ADDR and %s", err, admin.TokenVar)
	}
}

// TestGRPCBindGuard: the ledger's gRPC port on all interfaces, with
// neither internal tokens nor mTLS, stops the ledger at start, naming the
// variable and the way out; with tokens it starts.
func TestGRPCBindGuard(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := ledger.Config{DataDir: t.TempDir(), GRPCListener: lis}
	err = ledger.Run(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_LEDGER_GRPC_ADDR") || !strings.Contains(err.Error(), meshauth.TokenVar(meshauth.RoleEdge)) {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_LEDGER_GRPC_ADDR and %s", err, meshauth.TokenVar(meshauth.RoleEdge))
	}
}

// TestAdminMethodsMatchService: every ledger RPC is either an admin method
// (token required) or one of the service-to-service RPCs, each with the
// roles meshauth lets call it, so a new RPC cannot slip in unguarded
// without this test being updated.
func TestAdminMethodsMatchService(t *testing.T) {
	t.Parallel()
	internal := []string{"Record", "ClaimDeliveries", "CompleteDelivery", "RetryDelivery", "DeadLetterDelivery", "ReportOutcomes", "WatchDeliveries",
		"ReleaseLeases", "ClaimNormalizations", "CompleteNormalization"}
	edgeOnly := []string{"Record"}
	desc := ledgerv1.LedgerService_ServiceDesc
	var names []string
	for _, m := range desc.Methods {
		names = append(names, m.MethodName)
	}
	for _, s := range desc.Streams {
		names = append(names, s.StreamName)
	}
	for _, n := range names {
		full := "/" + desc.ServiceName + "/" + n
		if admin.IsAdminMethod(full) == slices.Contains(internal, n) {
			t.Errorf("%s: admin=%v, internal=%v; want exactly one", full, admin.IsAdminMethod(full), slices.Contains(internal, n))
		}
		class, roles := meshauth.Classify(full)
		switch {
		case admin.IsAdminMethod(full) && class != meshauth.Admin:
			t.Errorf("%s: meshauth class %d, want Admin", full, class)
		case slices.Contains(edgeOnly, n) && !slices.Equal(roles, []meshauth.Role{meshauth.RoleEdge}):
			t.Errorf("%s: roles %v, want the edge alone", full, roles)
		case slices.Contains(internal, n) && !slices.Contains(edgeOnly, n) && !slices.Equal(roles, []meshauth.Role{meshauth.RoleDispatcher}):
			t.Errorf("%s: roles %v, want the dispatcher alone", full, roles)
		}
	}
	for _, m := range admin.Methods {
		if strings.HasPrefix(m, "/"+desc.ServiceName+"/") && !slices.Contains(names, strings.TrimPrefix(m, "/"+desc.ServiceName+"/")) {
			t.Errorf("admin.Methods lists %s, which LedgerService does not have", m)
		}
	}
}
