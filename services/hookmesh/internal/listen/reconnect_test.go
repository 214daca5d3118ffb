package listen

import (
	"context"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// scriptedLedger answers each WatchEvents with the next script: its
// messages, then its error.
type scriptedLedger struct {
	mu      sync.Mutex
	scripts []script
	reqs    []*ledgerv1.WatchEventsRequest
}

type script struct {
	msgs []*ledgerv1.WatchEventsResponse
	err  error
}

func (l *scriptedLedger) WatchEvents(_ context.Context, in *ledgerv1.WatchEventsRequest, _ ...grpc.CallOption) (grpc.ServerStreamingClient[ledgerv1.WatchEventsResponse], error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, proto.Clone(in).(*ledgerv1.WatchEventsRequest))
	s := l.scripts[0]
	l.scripts = l.scripts[1:]
	return &scripted{s: s}, nil
}

type scripted struct {
	grpc.ClientStream
	s script
}

func (s *scripted) Header() (metadata.MD, error) { return metadata.MD{}, nil }

func (s *scripted) Recv() (*ledgerv1.WatchEventsResponse, error) {
	if len(s.s.msgs) == 0 {
		return nil, s.s.err
	}
	m := s.s.msgs[0]
	s.s.msgs = s.s.msgs[1:]
	return m, nil
}

// TestReconnect: a stream the ledger ends (shutdown, a slow client cut
// off) is opened again after the last cursor, progress messages included;
// a cursor the ledger no longer keeps stops listen with a hint.
func TestReconnect(t *testing.T) {
	t.Parallel()
	ev := func(c, id string) *ledgerv1.WatchEventsResponse {
		return &ledgerv1.WatchEventsResponse{Cursor: c, Event: &ledgerv1.StoredEvent{Platform: "stripe", EventId: id}}
	}
	l := &scriptedLedger{scripts: []script{
		{msgs: []*ledgerv1.WatchEventsResponse{ev("A1", "evt_1"), ev("A2", "evt_2")}, err: status.Error(codes.Unavailable, "ledger shutting down")},
		{msgs: []*ledgerv1.WatchEventsResponse{{Cursor: "A3"}}, err: status.Error(codes.ResourceExhausted, "read nothing")},
		{err: status.Error(codes.OutOfRange, "deleted")},
	}}
	out, errs := &lines{}, &lines{}
	err := Run(context.Background(), Options{Ledger: l, LedgerTarget: "ledger:9092", From: "15m", Platform: "stripe",
		StateFile: t.TempDir() + "/state.json", Stdout: out, Stderr: errs})
	if err == nil || !strings.Contains(err.Error(), "--from now") {
		t.Fatalf("Run = %v, want the OUT_OF_RANGE hint", err)
	}
	if len(l.reqs) != 3 {
		t.Fatalf("%d streams opened, want 3", len(l.reqs))
	}
	if r := l.reqs[0]; r.GetStartTime() == nil || r.GetCursor() != "" || r.GetPlatform() != "stripe" || r.GetIncludeReceipt() {
		t.Errorf("first request %v", r)
	}
	for i, want := range []string{"A2", "A3"} {
		if r := l.reqs[i+1]; r.GetCursor() != want || r.GetStartTime() != nil || r.GetPlatform() != "stripe" {
			t.Errorf("request %d = %v, want after %s", i+2, r, want)
		}
	}
	if got := strings.Count(out.String(), "\n"); got != 2 || !strings.Contains(out.String(), "evt_2") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(errs.String(), "reconnecting") {
		t.Errorf("no reconnection line:\n%s", errs)
	}
}
