package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// pythonExample is examples/python-handler, from this package's folder.
const pythonExample = "../../../../examples/python-handler"

// grpcPython returns a Python interpreter that imports grpc and
// grpc_tools (HOOKMESH_PYTHON, else python3 on PATH, else Debian's
// /usr/bin/python3, which a pyenv on PATH may hide), or skips the test.
func grpcPython(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, py := range []string{os.Getenv("HOOKMESH_PYTHON"), "python3", "/usr/bin/python3"} {
		if py == "" {
			continue
		}
		tried = append(tried, py)
		if err := exec.Command(py, "-c", "import grpc, grpc_tools").Run(); err == nil {
			return py
		}
	}
	t.Skipf("no Python with the grpc and grpc_tools modules (tried %s): install python3-grpcio and python3-grpc-tools", strings.Join(tried, ", "))
	return ""
}

// received is one line of the handler's --received file.
type received struct {
	DeliveryID   string `json:"delivery_id"`
	Subscription string `json:"subscription"`
	Attempt      int    `json:"attempt"`
	Platform     string `json:"platform"`
	EventID      string `json:"event_id"`
	EventType    string `json:"event_type"`
	PayloadBytes int    `json:"payload_bytes"`
	Duplicate    bool   `json:"duplicate"`
}

// startPythonHandler generates the stubs with the example's script,
// starts handler.py on a free port until the test ends, and returns its
// address and the path of its --received file.
func startPythonHandler(t *testing.T, py string) (addr, receivedFile string) {
	t.Helper()
	dir, err := filepath.Abs(pythonExample)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	stubs := filepath.Join(tmp, "stubs")
	gen := exec.Command(filepath.Join(dir, "generate.sh"), stubs)
	gen.Env = append(os.Environ(), "PYTHON="+py)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("generate.sh: %v\n%s", err, out)
	}
	receivedFile = filepath.Join(tmp, "received.jsonl")
	cmd := exec.Command(py, filepath.Join(dir, "handler.py"), "--addr", "127.0.0.1:0", "--stubs", stubs,
		"--db", filepath.Join(tmp, "handler.db"), "--received", receivedFile)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a hang guard
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// The first line says where it listens; later lines (one per event
	// handled) are drained so the handler never blocks on its stdout.
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("handler.py said %q, want its address", line)
		}
		return addr, receivedFile
	case <-time.After(60 * time.Second):
		t.Fatal("handler.py did not start listening within 60 s")
	}
	return "", ""
}

// readReceived returns the deliveries the handler reported so far.
func readReceived(t *testing.T, path string) []received {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []received
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r received
		if line != "" && json.Unmarshal([]byte(line), &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// TestPythonHandler is docs/handlers.md's Python example end to end: its
// stubs generated from proto/ by generate.sh, handler.py started, a
// subscription to it created with the CLI, a webhook sent with the CLI,
// and the delivery received by the Python handler and acknowledged.
// Then the handler's contract, called directly: a redelivery of the same
// delivery id is acknowledged without doing the work again, and a
// payment without an amount is INVALID_ARGUMENT.
func TestPythonHandler(t *testing.T) {
	py := grpcPython(t)
	addr, receivedFile := startPythonHandler(t, py)
	s := startCLISystem(t)
	s.cli(t, "subscriptions", "create", "python-handler", "--target", addr, "--platform", "github")
	id := s.sendOne(t, "github")

	var got received
	waitFor(t, "the Python handler to receive the delivery", func() bool {
		for _, r := range readReceived(t, receivedFile) {
			if r.EventID == id {
				got = r
				return true
			}
		}
		return false
	})
	if got.Subscription != "python-handler" || got.Platform != "github" || got.Attempt != 1 || got.Duplicate ||
		got.DeliveryID == "" || got.PayloadBytes == 0 || got.EventType != "EVENT_TYPE_CODE_PUSHED" {
		t.Errorf("the Python handler received %+v", got)
	}
	waitFor(t, "the delivery acknowledged", func() bool {
		out, _ := s.cli(t, "deliveries", "list", "github", id, "-o", "json")
		var resp ledgerv1.ListDeliveriesResponse
		if err := protojson.Unmarshal([]byte(out), &resp); err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.GetDeliveries() {
			if d.GetSubscription() == "python-handler" {
				return d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED
			}
		}
		return false
	})

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := handlerv1.NewEventHandlerServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	again := &handlerv1.HandleEventRequest{DeliveryId: got.DeliveryID, Attempt: 2, Subscription: "python-handler",
		Event: &eventv1.NormalizedEvent{Platform: "github", EventId: id, EventType: eventv1.EventType_EVENT_TYPE_CODE_PUSHED}}
	if _, err := h.HandleEvent(ctx, again); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	rs := readReceived(t, receivedFile)
	if last := rs[len(rs)-1]; last.DeliveryID != got.DeliveryID || !last.Duplicate {
		t.Errorf("redelivery of %s reported as %+v, want a duplicate", got.DeliveryID, last)
	}
	_, err = h.HandleEvent(ctx, &handlerv1.HandleEventRequest{DeliveryId: "d-no-amount", Attempt: 1,
		Event: &eventv1.NormalizedEvent{Platform: "stripe", EventId: "evt_1", EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("payment without an amount: %v, want INVALID_ARGUMENT", err)
	}
}
