package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestRedeliveryAndBackfill: a redelivery of a time range reaches the
// handler again with new delivery ids linked to the old ones, and nothing
// outside the range; one with a filter only the matching events; a
// subscription created with start_from in the past receives the older
// events exactly once, and a later event once, live; a duplicate webhook
// still makes no second delivery; each job's progress reaches done with
// exact counts. On PostgreSQL and on the embedded store.
func TestRedeliveryAndBackfill(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "hookmesh")
	if out, err := exec.Command("go", "build", "-o", cli, "github.com/hookmesh/hookmesh/services/hookmesh/cmd/hookmesh").CombinedOutput(); err != nil {
		t.Fatalf("build hookmesh: %v\n%s", err, out)
	}
	t.Run("postgresql", func(t *testing.T) {
		checkRedelivery(t, harness.StartSystem(t, systemEnv()), cli)
	})
	t.Run("embedded", func(t *testing.T) {
		checkRedelivery(t, harness.StartSystemEach(t, systemEnv(), map[string]map[string]string{
			"ledger": {"DATABASE_URL": "", "HOOKMESH_DATA_DIR": t.TempDir()},
		}), cli)
	})
}

// runCLI runs the hookmesh CLI against sys's ledger and returns its
// standard output.
func runCLI(t *testing.T, sys *harness.System, cli string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(cli, args...)
	cmd.Env = append(os.Environ(), "HOOKMESH_LEDGER_TARGET="+sys.GRPC["ledger"])
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hookmesh %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// adminDo sends a JSON request to the admin REST API.
func adminDo(t *testing.T, sys *harness.System, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+sys.AdminAddr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, readAll(resp)
}

// waitJob polls GET /v1/jobs/{id} until the job is no longer running.
func waitJob(t *testing.T, sys *harness.System, id string) *ledgerv1.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, b := adminDo(t, sys, http.MethodGet, "/v1/jobs/"+id, "")
		var out ledgerv1.GetJobResponse
		if code != http.StatusOK || unmarshal(b, &out) != nil {
			t.Fatalf("GET /v1/jobs/%s: %d %s", id, code, b)
		}
		if out.GetJob().GetState() != ledgerv1.JobState_JOB_STATE_RUNNING {
			return out.GetJob()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s still running after 60s", id)
	return nil
}

func checkJob(t *testing.T, what string, j *ledgerv1.Job, scanned, created int64) {
	t.Helper()
	if j.GetState() != ledgerv1.JobState_JOB_STATE_DONE || j.GetEventsScanned() != scanned ||
		j.GetDeliveriesCreated() != created || j.GetTotalEstimate() != scanned {
		t.Errorf("%s: job %v scanned %d created %d total %d; want done, %d scanned (and total), %d created", what,
			j.GetState(), j.GetEventsScanned(), j.GetDeliveriesCreated(), j.GetTotalEstimate(), scanned, created)
	}
}

// eventCalls counts a handler's calls per event id, and the delivery ids
// of each event.
func eventCalls(h *harness.Handler) (map[string]int, map[string][]string) {
	calls, ids := map[string]int{}, map[string][]string{}
	for _, r := range h.Requests() {
		id := r.GetEvent().GetEventId()
		calls[id]++
		ids[id] = append(ids[id], r.GetDeliveryId())
	}
	return calls, ids
}

// waitCalls waits until the handler's calls per event reach want, then
// checks they are exactly want (every delivery of the events concerned is
// done by then, so no call is still to come).
func waitCalls(t *testing.T, sys *harness.System, h *harness.Handler, want map[string]int) map[string][]string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		calls, ids := eventCalls(h)
		reached := true
		for id, n := range want {
			reached = reached && calls[id] >= n
		}
		if reached {
			for id := range want {
				waitDelivered(t, sys, "stripe", id, 30*time.Second)
			}
			calls, ids = eventCalls(h)
			for id, n := range want {
				if calls[id] != n {
					t.Errorf("%s handled %d times; want %d", id, calls[id], n)
				}
			}
			for id := range calls {
				if _, ok := want[id]; !ok {
					t.Errorf("%s handled; want not", id)
				}
			}
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("handler calls %v; want %v", calls, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func checkRedelivery(t *testing.T, sys *harness.System, cli string) {
	h := harness.StartHandler(t, nil)
	if code, b := adminDo(t, sys, http.MethodPost, "/v1/subscriptions",
		fmt.Sprintf(`{"name":"redo","target":%q,"platforms":["stripe"],"timeout":"5s"}`, h.Addr)); code != http.StatusOK {
		t.Fatalf("create redo: %d %s", code, b)
	}
	suffix := fmt.Sprint(time.Now().UnixNano())
	var ids []string
	types := []string{"invoice.paid", "invoice.created"}
	var marks []time.Time // after events 1 and 3: the range's ends
	start := time.Now().Add(-time.Second)
	send := func(i int) {
		id := fmt.Sprintf("evt_r%d_%s", i, suffix)
		ids = append(ids, id)
		w := webhook{platform: "stripe", id: id, body: fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2024-06-20","created":%d,"livemode":false,"type":%q,"data":{"object":{"id":"in_%d","object":"invoice","amount_paid":100,"currency":"eur"}}}`,
			id, time.Now().Unix(), types[i%2], i)}
		if resp, b := post(t, sys, "stripe", w.signed(t, time.Now()), w.body); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("post %s: %s %s", id, resp.Status, b)
		}
	}
	for i := range 6 {
		send(i)
		if i == 1 || i == 3 {
			marks = append(marks, time.Now())
		}
	}
	once := map[string]int{}
	for _, id := range ids {
		once[id] = 1
	}
	first := waitCalls(t, sys, h, once)

	// Events 2 and 3, between the marks, again.
	code, b := adminDo(t, sys, http.MethodPost, "/v1/subscriptions/redo:redeliver",
		fmt.Sprintf(`{"from":%q,"to":%q}`, marks[0].UTC().Format(time.RFC3339Nano), marks[1].UTC().Format(time.RFC3339Nano)))
	var started ledgerv1.RedeliverSubscriptionResponse
	if code != http.StatusOK || unmarshal(b, &started) != nil || started.GetJob().GetKind() != ledgerv1.JobKind_JOB_KIND_REDELIVER {
		t.Fatalf("redeliver: %d %s", code, b)
	}
	checkJob(t, "range", waitJob(t, sys, started.GetJob().GetJobId()), 2, 2)
	want := map[string]int{ids[0]: 1, ids[1]: 1, ids[2]: 2, ids[3]: 2, ids[4]: 1, ids[5]: 1}
	again := waitCalls(t, sys, h, want)
	for _, id := range ids[2:4] {
		ds := waitDelivered(t, sys, "stripe", id, 30*time.Second)
		var redo []*ledgerv1.Delivery
		for _, d := range ds {
			if d.GetSubscription() == "redo" {
				redo = append(redo, d)
			}
		}
		if len(redo) != 2 || redo[1].GetRedeliveryOf() != redo[0].GetDeliveryId() || redo[1].GetJobId() != started.GetJob().GetJobId() ||
			redo[0].GetDeliveryId() != first[id][0] || again[id][1] != redo[1].GetDeliveryId() || again[id][0] == again[id][1] {
			t.Errorf("%s: deliveries %v, handled as %v; want a new delivery linked to %s, made by the job", id, redo, again[id], first[id][0])
		}
	}

	// With a filter: only the invoice.paid events (0, 2, 4), of all six.
	code, b = adminDo(t, sys, http.MethodPost, "/v1/subscriptions/redo:redeliver",
		fmt.Sprintf(`{"from":%q,"filter":"source_type == \"invoice.paid\""}`, start.UTC().Format(time.RFC3339Nano)))
	if code != http.StatusOK || unmarshal(b, &started) != nil {
		t.Fatalf("redeliver with a filter: %d %s", code, b)
	}
	checkJob(t, "filtered", waitJob(t, sys, started.GetJob().GetJobId()), 6, 3)
	want[ids[0]], want[ids[2]], want[ids[4]] = 2, 3, 2
	waitCalls(t, sys, h, want)

	// The CLI: events 0 and 1 again, followed to the end; then the list.
	var cliJob ledgerv1.Job
	out := runCLI(t, sys, cli, "subscriptions", "redeliver", "redo", "--from", start.UTC().Format(time.RFC3339Nano),
		"--to", marks[0].UTC().Format(time.RFC3339Nano), "--wait", "-o", "json")
	if err := unmarshal(out, &cliJob); err != nil {
		t.Fatalf("redeliver -o json: %v\n%s", err, out)
	}
	checkJob(t, "cli", &cliJob, 2, 2)
	want[ids[0]], want[ids[1]] = 3, 2
	waitCalls(t, sys, h, want)
	var listed ledgerv1.ListJobsResponse
	out = runCLI(t, sys, cli, "jobs", "list", "--subscription", "redo", "-o", "json")
	if err := unmarshal(out, &listed); err != nil || len(listed.GetJobs()) != 3 || listed.GetJobs()[0].GetJobId() != cliJob.GetJobId() {
		t.Errorf("jobs list -o json = %s, %v; want three jobs, the CLI's first", out, err)
	}

	// Bad requests.
	if code, b := adminDo(t, sys, http.MethodPost, "/v1/subscriptions/redo:redeliver",
		fmt.Sprintf(`{"from":%q,"filter":"source_type =="}`, start.UTC().Format(time.RFC3339Nano))); code != http.StatusBadRequest || !strings.Contains(string(b), "1:") {
		t.Errorf("redeliver with a bad filter: %d %s; want 400 with the position", code, b)
	}
	if code, b := adminDo(t, sys, http.MethodPost, "/v1/subscriptions/redo:redeliver", `{}`); code != http.StatusBadRequest || !strings.Contains(string(b), "from") {
		t.Errorf("redeliver without from: %d %s; want 400 naming it", code, b)
	}

	// A backfill from before the first event.
	late := harness.StartHandler(t, nil)
	code, b = adminDo(t, sys, http.MethodPost, "/v1/subscriptions", fmt.Sprintf(`{"name":"late","target":%q,"platforms":["stripe"],"start_from":%q}`,
		late.Addr, start.Add(-time.Hour).UTC().Format(time.RFC3339Nano)))
	if code != http.StatusOK {
		t.Fatalf("create late: %d %s", code, b)
	}
	code, b = adminDo(t, sys, http.MethodGet, "/v1/jobs?subscription=late", "")
	var jobs ledgerv1.ListJobsResponse
	if code != http.StatusOK || unmarshal(b, &jobs) != nil || len(jobs.GetJobs()) != 1 || jobs.GetJobs()[0].GetKind() != ledgerv1.JobKind_JOB_KIND_BACKFILL {
		t.Fatalf("GET /v1/jobs?subscription=late: %d %s; want the backfill", code, b)
	}
	checkJob(t, "backfill", waitJob(t, sys, jobs.GetJobs()[0].GetJobId()), 6, 6)
	send(6) // live, after the creation
	lateWant := map[string]int{}
	for _, id := range ids { // the six older events and the live one
		lateWant[id] = 1
	}
	waitCalls(t, sys, late, lateWant)

	// A duplicate webhook makes no delivery, for any subscription.
	before := waitDelivered(t, sys, "stripe", ids[1], 30*time.Second)
	dup := webhook{platform: "stripe", id: ids[1], body: fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2024-06-20","created":%d,"livemode":false,"type":"invoice.created","data":{"object":{"id":"in_1","object":"invoice","amount_paid":100,"currency":"eur"}}}`,
		ids[1], time.Now().Unix())}
	resp, body := post(t, sys, "stripe", dup.signed(t, time.Now()), dup.body)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(body), `"duplicate":true`) {
		t.Fatalf("duplicate: %s %s", resp.Status, body)
	}
	after := waitDelivered(t, sys, "stripe", ids[1], 30*time.Second)
	per := map[string]int{}
	for _, d := range after {
		per[d.GetSubscription()]++
	}
	// redo: the first delivery and the CLI's redelivery; late: the backfill's.
	if len(after) != len(before) || per["redo"] != 2 || per["late"] != 1 {
		t.Errorf("deliveries of %s after a duplicate: %v (%d before); want no new one (redo 2, late 1)", ids[1], per, len(before))
	}
}
