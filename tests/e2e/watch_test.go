package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// sseEvent is one event of the admin event stream.
type sseEvent struct {
	id  string
	msg *ledgerv1.WatchEventsResponse
}

// watchSSE opens GET /v1/events:watch with query and lastEventID, and
// returns the events it sends (progress messages skipped) until stop
// holds.
func watchSSE(t *testing.T, sys *harness.System, query, lastEventID string, stop func([]sseEvent) bool) []sseEvent {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+sys.AdminAddr+"/v1/events:watch?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /v1/events:watch: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	var out []sseEvent
	var cur sseEvent
	var data, event string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	for !stop(out) && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		case line == "" && data != "":
			if event == "end" {
				t.Fatalf("stream ended: %s", data)
			}
			cur.msg = &ledgerv1.WatchEventsResponse{}
			if err := protojson.Unmarshal([]byte(data), cur.msg); err != nil {
				t.Fatalf("event data %s: %v", data, err)
			}
			if event == "" {
				out = append(out, cur)
			}
			cur, data, event = sseEvent{}, "", ""
		}
	}
	if !stop(out) {
		t.Fatalf("stream ended after %d events: %v", len(out), sc.Err())
	}
	return out
}

// checkEventStream: the webhooks sent, already sent, are on the admin
// event stream with their bodies, in order, and a client reconnecting with
// Last-Event-ID resumes right after that event.
func checkEventStream(t *testing.T, sys *harness.System, sent []webhook, since time.Time) {
	want := map[string]string{}
	for _, w := range sent {
		want[w.platform+"/"+w.id] = w.body
	}
	ours := func(e sseEvent) bool {
		_, ok := want[e.msg.GetEvent().GetPlatform()+"/"+e.msg.GetEvent().GetEventId()]
		return ok
	}
	count := func(events []sseEvent) int {
		n := 0
		for _, e := range events {
			if ours(e) {
				n++
			}
		}
		return n
	}
	query := fmt.Sprintf("include_receipt=true&start_time=%s", since.UTC().Format(time.RFC3339Nano))
	all := watchSSE(t, sys, query, "", func(events []sseEvent) bool { return count(events) == len(want) })
	var mine []sseEvent
	for _, e := range all {
		if e.id != e.msg.GetCursor() {
			t.Errorf("SSE id %q is not the cursor %q", e.id, e.msg.GetCursor())
		}
		if ours(e) {
			mine = append(mine, e)
			ev := e.msg.GetEvent()
			if got := string(e.msg.GetReceipt().GetBody()); got != want[ev.GetPlatform()+"/"+ev.GetEventId()] {
				t.Errorf("%s/%s: streamed body differs from the bytes sent", ev.GetPlatform(), ev.GetEventId())
			}
		}
	}
	// Resume after the second of ours: the next event is the one that
	// followed it.
	at := 0
	for i, e := range all {
		if e.id == mine[1].id {
			at = i
		}
	}
	next := watchSSE(t, sys, query, mine[1].id, func(events []sseEvent) bool { return len(events) >= 1 })
	if next[0].id != all[at+1].id {
		t.Errorf("resumed at %s/%s, want %s/%s", next[0].msg.GetEvent().GetPlatform(), next[0].msg.GetEvent().GetEventId(),
			all[at+1].msg.GetEvent().GetPlatform(), all[at+1].msg.GetEvent().GetEventId())
	}
}
