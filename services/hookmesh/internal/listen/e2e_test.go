package listen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/services/normalizer"
)

// system is an edge, a normalizer and a ledger (embedded store) in this
// process, on loopback ports.
type system struct {
	edgeURL      string
	ledgerTarget string
	ledger       ledgerv1.LedgerServiceClient
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func startSystem(t *testing.T) *system {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	ledLis, normLis := loopback(t), loopback(t)
	wg.Go(func() {
		if err := ledger.Run(ctx, ledger.Config{GRPCListener: ledLis, DataDir: t.TempDir()}, log); err != nil {
			t.Errorf("ledger: %v", err)
		}
	})
	wg.Go(func() {
		if err := normalizer.Run(ctx, normalizer.Config{GRPCListener: normLis}, log); err != nil {
			t.Errorf("normalizer: %v", err)
		}
	})
	env := map[string]string{
		"HOOKMESH_DEV_SECRETS":       "true",
		"HOOKMESH_LEDGER_TARGET":     ledLis.Addr().String(),
		"HOOKMESH_NORMALIZER_TARGET": normLis.Addr().String(),
		"HOOKMESH_ADMIN_ADDR":        "",
	}
	cfg, err := edge.ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	httpLis := loopback(t)
	cfg.HTTPListener, cfg.GRPCListener = httpLis, loopback(t)
	wg.Go(func() {
		if err := edge.Run(ctx, cfg, log); err != nil {
			t.Errorf("edge: %v", err)
		}
	})
	conn, err := grpc.NewClient(ledLis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	s := &system{edgeURL: "http://" + httpLis.Addr().String(), ledgerTarget: ledLis.Addr().String(),
		ledger: ledgerv1.NewLedgerServiceClient(conn)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.edgeURL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("system not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	hc := healthpb.NewHealthClient(conn)
	for { // the ledger serves its stream once its store is open
		r, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("ledger not serving: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send posts a signed Stripe sample to the edge and returns its event id.
func (s *system) send(t *testing.T) string {
	t.Helper()
	w, err := sample.Build("stripe", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, body, err := w.Sign(edge.DevSigningSecrets["stripe"], time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.edgeURL+"/webhooks/stripe", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST webhook: %s %s", resp.Status, b)
	}
	return w.EventID
}

// app records what the forwards delivered, by event id.
type app struct {
	mu   sync.Mutex
	got  map[string]int
	errs []string
}

func (a *app) add(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got[id]++
}

func (a *app) fail(msg string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.errs = append(a.errs, msg)
}

func (a *app) count(ids []string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, id := range ids {
		if a.got[id] > 0 {
			n++
		}
	}
	return n
}

// httpApp is a local application that checks Stripe's signature with the
// platform secret, as a real one does: only the bytes and headers the
// platform sent pass.
func httpApp(t *testing.T) (*app, string) {
	a := &app{got: map[string]int{}}
	v, err := verify.New("stripe", []string{edge.DevSecrets["stripe"]}, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := v.Verify(verify.Request{Header: r.Header, Body: body, Now: time.Now(), Method: r.Method}); err != nil {
			a.fail(fmt.Sprintf("signature: %v", err))
			http.Error(w, "bad signature", http.StatusBadRequest)
			return
		}
		var ev struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &ev)
		a.add(ev.ID)
	}))
	t.Cleanup(srv.Close)
	return a, srv.URL + "/webhooks/stripe"
}

// grpcApp is a local handler (hookmesh.handler.v1).
type grpcApp struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	*app
}

func (g grpcApp) HandleEvent(_ context.Context, in *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	if want := DeliveryID(&ledgerv1.StoredEvent{Platform: in.GetEvent().GetPlatform(), Source: in.GetEvent().GetSource(),
		EventId: in.GetEvent().GetEventId()}); in.GetDeliveryId() != want || !bytes.Contains(in.GetPayload(), []byte(in.GetEvent().GetEventId())) {
		g.fail(fmt.Sprintf("request %v", in))
	}
	g.add(in.GetEvent().GetEventId())
	return &handlerv1.HandleEventResponse{}, nil
}

func startGRPCApp(t *testing.T) (*app, string) {
	a := &app{got: map[string]int{}}
	lis := loopback(t)
	gs := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(gs, grpcApp{app: a})
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	return a, "grpc://" + lis.Addr().String()
}

// lines is a concurrency-safe writer of listen's output.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// cursors returns the cursors of the JSON lines written so far.
func (l *lines) cursors(t *testing.T) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var line jsonLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		if line.Forward == nil || !line.Forward.OK {
			t.Errorf("forward of %s: %+v", line.Cursor, line.Forward)
		}
		out = append(out, line.Cursor)
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestForwardAndResume runs listen --forward-to against a local HTTP
// application (which checks the platform's signature on what it gets) and
// a local gRPC handler: every webhook sent to the edge arrives, once; a
// listen stopped while webhooks keep coming resumes after the last one it
// handled, without a gap.
func TestForwardAndResume(t *testing.T) {
	t.Parallel()
	sys := startSystem(t)
	for _, kind := range []string{"http", "grpc"} {
		t.Run(kind, func(t *testing.T) {
			a, target := httpApp(t)
			if kind == "grpc" {
				a, target = startGRPCApp(t)
			}
			stateFile := t.TempDir() + "/state.json"
			run := func(from string, out *lines) func() {
				ctx, cancel := context.WithCancel(context.Background())
				errs := &lines{}
				done := make(chan error, 1)
				go func() {
					done <- Run(ctx, Options{Ledger: sys.ledger, LedgerTarget: sys.ledgerTarget, From: from,
						Output: OutputJSON, ForwardTo: target, StateFile: stateFile, Stdout: out, Stderr: errs})
				}()
				waitFor(t, "listen to start", func() bool { return strings.Contains(errs.String(), "Listening") })
				return func() {
					cancel()
					if err := <-done; err != nil {
						t.Errorf("Run: %v\n%s", err, errs.String())
					}
				}
			}

			first := &lines{}
			stop := run(FromNow, first)
			var sent []string
			for range 4 {
				sent = append(sent, sys.send(t))
			}
			waitFor(t, "the first webhooks", func() bool { return a.count(sent) == len(sent) })
			// Stop once the last one's cursor is saved: what is forwarded
			// and not yet saved would be forwarded again (at least once).
			waitFor(t, "the state file", func() bool {
				c := first.cursors(t)
				s, err := loadState(stateFile)
				return err == nil && len(c) == len(sent) && s.Cursor == c[len(c)-1]
			})
			stop()

			for range 4 { // while listen is down
				sent = append(sent, sys.send(t))
			}
			second := &lines{}
			stop = run("", second) // no --from: after the state file's cursor
			for range 2 {
				sent = append(sent, sys.send(t))
			}
			waitFor(t, "every webhook", func() bool { return a.count(sent) == len(sent) })
			// The application counts a webhook before it answers: stop
			// only once listen has printed and saved the last forward, or
			// the stop would cancel that forward's answer.
			waitFor(t, "the resumed listen's state file", func() bool {
				c := second.cursors(t)
				s, err := loadState(stateFile)
				return err == nil && len(c) == 6 && s.Cursor == c[len(c)-1]
			})
			stop()

			a.mu.Lock()
			defer a.mu.Unlock()
			for _, id := range sent {
				if a.got[id] != 1 {
					t.Errorf("%s forwarded %d times, want once", id, a.got[id])
				}
			}
			if len(a.got) != len(sent) {
				t.Errorf("the application got %d events, %d were sent", len(a.got), len(sent))
			}
			for _, e := range a.errs {
				t.Error(e)
			}
			if c := second.cursors(t); len(c) != 6 {
				t.Errorf("the resumed listen printed %d events, want the 6 after the first one's last", len(c))
			}
		})
	}
}
