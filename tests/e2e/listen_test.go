package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// forwarded counts what a local application received, by event id.
type forwarded struct {
	mu   sync.Mutex
	ids  map[string]int
	errs []string
}

func (f *forwarded) add(id, problem string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if problem != "" {
		f.errs = append(f.errs, problem)
		return
	}
	f.ids[id]++
}

func (f *forwarded) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.ids {
		n += c
	}
	return n
}

// stripeApp is a local HTTP application that checks Stripe's signature
// with the platform's secret, as a real one does.
func stripeApp(t *testing.T) (*forwarded, string) {
	f := &forwarded{ids: map[string]int{}}
	v, err := verify.New("stripe", []string{edge.DevSecrets["stripe"]}, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &ev)
		if err := v.Verify(verify.Request{Header: r.Header, Body: body, Now: time.Now(), Method: r.Method}); err != nil {
			f.add("", "signature of "+ev.ID+": "+err.Error())
			nethttp.Error(w, "bad signature", nethttp.StatusBadRequest)
			return
		}
		f.add(ev.ID, "")
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL + "/webhooks/stripe"
}

type handlerApp struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	f *forwarded
}

func (h handlerApp) HandleEvent(_ context.Context, in *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	problem := ""
	if in.GetDeliveryId() == "" || len(in.GetPayload()) == 0 {
		problem = "request without delivery id or payload"
	}
	h.f.add(in.GetEvent().GetEventId(), problem)
	return &handlerv1.HandleEventResponse{}, nil
}

func grpcHandlerApp(t *testing.T) (*forwarded, string) {
	f := &forwarded{ids: map[string]int{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(gs, handlerApp{f: f})
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	return f, "grpc://" + lis.Addr().String()
}

// listenLines returns the JSON lines (events) a listen process printed.
func listenLines(t *testing.T, p *harness.Process) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.Logs()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "{") {
			continue // status lines on stderr
		}
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("listen output %q: %v", sc.Text(), err)
		}
		out = append(out, line)
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkListen runs `hookmesh listen --forward-to` (the binary bin, env
// pointing at a running `hookmesh run`) against a local HTTP application
// and a local gRPC handler: every webhook `hookmesh send` sends arrives,
// once, and a listen stopped while webhooks keep coming, started again,
// resumes after the last one it handled.
func checkListen(t *testing.T, bin string, env map[string]string) {
	send := func(n string) {
		t.Helper()
		cmd := exec.Command(bin, "send", "stripe", "--count", n)
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hookmesh send: %v\n%s", err, out)
		}
	}
	for _, kind := range []string{"http", "grpc"} {
		t.Run(kind, func(t *testing.T) {
			app, target := stripeApp(t)
			if kind == "grpc" {
				app, target = grpcHandlerApp(t)
			}
			state := filepath.Join(t.TempDir(), "listen.json")
			start := func(extra ...string) *harness.Process {
				args := append([]string{"listen", "--forward-to", target, "--platform", "stripe", "-o", "json",
					"--state-file", state}, extra...)
				p := harness.StartArgs(t, "hookmesh listen", bin, args, env)
				eventually(t, "listen to start", func() bool { return strings.Contains(p.Logs(), "Listening for events") })
				return p
			}

			first := start("--from", "now")
			send("3")
			eventually(t, "3 forwards", func() bool { return app.total() == 3 })
			// Stop once the last cursor is saved: an event forwarded and
			// not yet saved is forwarded again (at least once).
			eventually(t, "the state file", func() bool {
				lines := listenLines(t, first)
				b, err := os.ReadFile(state)
				return err == nil && len(lines) == 3 && strings.Contains(string(b), lines[2]["cursor"].(string))
			})
			first.Stop()

			send("3") // while listen is down
			second := start()
			send("2")
			eventually(t, "8 forwards", func() bool { return app.total() >= 8 })
			// The application counts a webhook before it answers: stop
			// only once listen has printed and saved the last forward, or
			// the stop could cancel that forward's answer.
			eventually(t, "the resumed listen's state file", func() bool {
				lines := listenLines(t, second)
				b, err := os.ReadFile(state)
				return err == nil && len(lines) == 5 && strings.Contains(string(b), lines[4]["cursor"].(string))
			})
			second.Stop()

			app.mu.Lock()
			defer app.mu.Unlock()
			if len(app.ids) != 8 {
				t.Errorf("the application got %d distinct events, 8 were sent: %v", len(app.ids), app.ids)
			}
			for id, n := range app.ids {
				if n != 1 {
					t.Errorf("%s forwarded %d times", id, n)
				}
			}
			for _, e := range app.errs {
				t.Error(e)
			}
			for _, line := range listenLines(t, second) {
				if fw, _ := line["forward"].(map[string]any); fw["ok"] != true {
					t.Errorf("forward not OK: %v", line)
				}
			}
		})
	}
}
