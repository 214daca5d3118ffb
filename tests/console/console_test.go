// Package console drives the web console of a real `hookmesh run` in
// headless Chromium (Debian's chromium package; .ci/run installs it):
// sign-in, events, an event with its raw body and deliveries, a dead
// letter replayed, a refused subscription, the live stream. Every page is
// saved as a screenshot under screenshots/ (not committed) for a person
// to look at.
package console

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// chromiumPath is Debian's headless-capable browser.
const chromiumPath = "/usr/bin/chromium"

const adminToken = "console-browser-token-0123456789abcdef"

// system is one `hookmesh run` under test.
type system struct {
	bin, admin string
	env        map[string]string
	run        *harness.Process
}

func startSystem(t *testing.T) *system {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hookmesh")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/hookmesh/hookmesh/services/hookmesh/cmd/hookmesh").CombinedOutput(); err != nil {
		t.Fatalf("build hookmesh: %v\n%s", err, out)
	}
	web, adminAddr, ledger, norm := harness.FreeAddr(t), harness.FreeAddr(t), harness.FreeAddr(t), harness.FreeAddr(t)
	env := map[string]string{
		"DATABASE_URL":                   "",
		"HOOKMESH_DATA_DIR":              filepath.Join(dir, "data"),
		"HOOKMESH_ADMIN_TOKEN":           adminToken,
		"HOOKMESH_HTTP_ADDR":             web,
		"HOOKMESH_ADMIN_ADDR":            adminAddr,
		"HOOKMESH_EDGE_GRPC_ADDR":        harness.FreeAddr(t),
		"HOOKMESH_NORMALIZER_GRPC_ADDR":  norm,
		"HOOKMESH_NORMALIZER_TARGET":     norm,
		"HOOKMESH_LEDGER_GRPC_ADDR":      ledger,
		"HOOKMESH_LEDGER_TARGET":         ledger,
		"HOOKMESH_DISPATCHER_GRPC_ADDR":  harness.FreeAddr(t),
		"HOOKMESH_CONSUMER_GRPC_ADDR":    harness.FreeAddr(t),
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_LEDGER_ADMIN_ADDR":     harness.FreeAddr(t),
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_EDGE_URL":              "http://" + web,
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOOKMESH_SECRET_") {
			k, _, _ := strings.Cut(kv, "=")
			env[k] = "" // the development secrets `hookmesh send` signs with
		}
	}
	s := &system{bin: bin, admin: adminAddr, env: env}
	s.run = harness.StartArgs(t, "hookmesh run", bin, []string{"run"}, env)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := harness.WaitHTTP(ctx, "http://"+web+"/ready", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	return s
}

var eventIDRE = regexp.MustCompile(`"event_id":"([^"]+)"`)

// sendMany signs and sends n webhooks of a platform with the CLI.
func (s *system) sendMany(t *testing.T, platform string, n int) {
	t.Helper()
	cmd := exec.Command(s.bin, "send", platform, "--count", fmt.Sprint(n))
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "202 Accepted") {
		t.Fatalf("hookmesh send %s --count %d: %v\n%s", platform, n, err, out)
	}
}

// send signs and sends one webhook with the CLI (platform, then any
// flags of `hookmesh send`) and returns its event id.
func (s *system) send(t *testing.T, platform string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, append([]string{"send", platform}, flags...)...)
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	m := eventIDRE.FindSubmatch(out)
	if err != nil || m == nil || !strings.Contains(string(out), "202") {
		t.Fatalf("hookmesh send %s: %v\n%s", platform, err, out)
	}
	return string(m[1])
}

// api calls the admin REST API with the token, as any client would.
func (s *system) api(t *testing.T, method, path, body string, out proto.Message) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.admin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// eventually polls cond until it holds, failing after three minutes
// (a busy machine is slow, never wrong).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stepTimeout bounds one browser step (a page load and its wait): long
// for a busy machine, short enough to name the step that hangs.
const stepTimeout = 2 * time.Minute

// browser is one headless Chromium tab and the screenshots it saves.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	base string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing (apt-get install chromium; .ci/run installs it): %v", chromiumPath, err)
	}
	dir := os.Getenv("HOOKMESH_CONSOLE_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox, // the tests run as root
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first run starts the browser, which lives as long as its
	// context: that one has no timeout.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// The whole walk through, however slow the machine: each step below
	// waits for a condition, never for a time.
	ctx, cancelTimeout := context.WithTimeout(tab, 8*time.Minute)
	t.Cleanup(cancelTimeout)
	return &browser{t: t, ctx: ctx, dir: dir, base: base}
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.failed()
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitJS waits until a JavaScript expression is true on the page.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	_, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingTimeout(stepTimeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		b.failed()
		b.t.Fatalf("waiting until %s: %v", what, err)
	}
}

// waitAcrossNavigation is waitJS for a condition that a page navigation
// (a form's POST answered by a new page) makes true: an evaluation that
// the navigation interrupts is tried again rather than failing.
func (b *browser) waitAcrossNavigation(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.failed()
			b.t.Fatalf("waiting until %s: %v (last: %v)", what, ok, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// shot saves the whole page as screenshots/<name>.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// shotTop saves only the visible part of the page (a long list on a
// phone is unreadable shrunk to a screen) as screenshots/<name>.png.
func (b *browser) shotTop(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// failed saves the page as it was when a step failed (best effort).
func (b *browser) failed() {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(b.dir, "failed.png"), png, 0o644)
		b.t.Logf("the page at the failure: %s", filepath.Join(b.dir, "failed.png"))
	}
}

func (b *browser) open(path, waitSel string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitSel)))
}

// TestConsole walks through the console as an operator would.
func TestConsole(t *testing.T) {
	sys := startSystem(t)
	// The data `make demo` produces: one webhook per platform (before the
	// test's own subscriptions, so each goes to the example consumer only).
	for _, p := range sample.Platforms() {
		sys.send(t, p)
	}

	// A handler that refuses everything (INVALID_ARGUMENT: dead-lettered
	// at once) until the test fixes it, subscribed to Stripe.
	refuse := func(context.Context, *handlerv1.HandleEventRequest) error {
		return status.Error(codes.InvalidArgument, "console test: refusing until fixed")
	}
	handler := harness.StartHandler(t, refuse)
	const flaky = "console-flaky"
	if code := sys.api(t, http.MethodPost, "/v1/subscriptions",
		fmt.Sprintf(`{"name":%q,"target":%q,"platforms":["stripe"]}`, flaky, handler.Addr), nil); code != http.StatusOK {
		t.Fatalf("create subscription %s: HTTP %d", flaky, code)
	}

	b := newBrowser(t, "http://"+sys.admin)

	// Signed out, the console asks for the token; a wrong one is refused.
	b.open("/console/", "#token")
	b.shot("01-signin")
	b.run("wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"), chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")))
	if got := b.text("#signin-error"); !strings.Contains(got, "refused") {
		t.Errorf("wrong token: the page says %q", got)
	}
	b.shot("02-signin-refused")
	b.run("sign in", chromedp.SendKeys(chromedp.CSS("#token"), adminToken), chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#stat-accepted")))

	// A Stripe webhook: delivered to the example consumer, dead-lettered
	// by the refusing handler.
	eventID := sys.send(t, "stripe")
	got := &ledgerv1.GetEventResponse{}
	eventually(t, "the Stripe event is recorded", func() bool {
		return sys.api(t, http.MethodGet, "/v1/events/stripe/"+eventID, "", got) == http.StatusOK
	})
	dead := &ledgerv1.ListDeadLettersResponse{}
	eventually(t, "its delivery to "+flaky+" is dead-lettered", func() bool {
		sys.api(t, http.MethodGet, "/v1/deadletters?subscription="+flaky, "", dead)
		return len(dead.GetDeadLetters()) == 1
	})
	deadID := dead.GetDeadLetters()[0].GetDeliveryId()

	b.open("/console/", "#stat-accepted")
	// On a page without a field to type in, the keyboard's first stop is
	// the link past the navigation.
	b.run("tab", chromedp.KeyEvent("\t"))
	b.waitJS("the skip link has the focus", `document.activeElement.classList.contains("skip")`)
	b.waitJS("the overview counts the webhook", `Number(document.querySelector("#stat-accepted").textContent) >= 1`)
	b.waitJS("the overview counts the dead letter", `document.querySelector("#stat-dead").textContent.trim() === "1"`)
	b.shot("03-overview")

	// Events: the webhook is listed and opens with its raw body, its
	// normalized amount and its deliveries.
	eventLink := fmt.Sprintf(`#events a[href="/console/events/stripe/%s"]`, eventID)
	b.open("/console/events", eventLink)
	b.shot("04-events")
	b.run("open the event", chromedp.Click(chromedp.CSS(eventLink)), chromedp.WaitVisible(chromedp.CSS("#raw-body")))
	if raw := b.text("#raw-body"); !strings.Contains(raw, fmt.Sprintf(`"id": %q`, eventID)) {
		t.Errorf("raw body is not the pretty-printed webhook:\n%s", raw)
	}
	amount := got.GetEvent().GetEvent().GetAmount()
	if amount == nil {
		t.Fatalf("the Stripe sample normalized without an amount: %v", got.GetEvent())
	}
	if a := b.text("#amount"); !strings.Contains(a, fmt.Sprintf("(%d minor units)", amount.GetMinorUnits())) ||
		!strings.Contains(a, strings.ToUpper(amount.GetCurrency())) {
		t.Errorf("amount shown %q, want %d minor units of %s", a, amount.GetMinorUnits(), amount.GetCurrency())
	}
	b.waitJS("the consumer's delivery is shown delivered, its attempt with the call's duration",
		`[...document.querySelectorAll(".delivery")].some(d => d.textContent.includes("example-consumer") && d.querySelector(".state-delivered") &&
			/^[0-9.]+ (ms|s)$/.test((d.querySelector(".timeline .duration") || {}).textContent || ""))`)
	if d := b.text("#delivery-" + deadID); !strings.Contains(d, "refusing until fixed") || !strings.Contains(d, "dead") {
		t.Errorf("the dead delivery shows %q, want its state and the handler's error", d)
	}
	b.shot("05-event")

	// Dead letters: fix the handler, replay from the console, and the
	// delivery ends delivered.
	handler.SetBehaviour(nil)
	replay := fmt.Sprintf(`button[data-delivery=%q]`, deadID)
	b.open("/console/deadletters", replay)
	b.shot("06-deadletters")
	b.run("replay", chromedp.Click(chromedp.CSS(replay)))
	b.waitJS("the replay is confirmed", `document.querySelector("#deadletters").textContent.includes("replayed")`)
	eventually(t, "the replayed delivery is delivered", func() bool {
		ds := &ledgerv1.ListDeliveriesResponse{}
		sys.api(t, http.MethodGet, "/v1/events/stripe/"+eventID+"/deliveries", "", ds)
		for _, d := range ds.GetDeliveries() {
			if d.GetDeliveryId() == deadID {
				return d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED
			}
		}
		return false
	})
	b.open("/console/events/stripe/"+eventID, "#delivery-"+deadID)
	if d := b.text("#delivery-" + deadID); !strings.Contains(d, "delivered") {
		t.Errorf("after the replay the delivery shows %q, want delivered", d)
	}
	b.shot("07-event-replayed")

	// A selection, then all that match: two more dead letters.
	handler.SetBehaviour(refuse)
	more := []string{sys.send(t, "stripe"), sys.send(t, "stripe")}
	eventually(t, "two more dead letters", func() bool {
		sys.api(t, http.MethodGet, "/v1/deadletters?subscription="+flaky, "", dead)
		return len(dead.GetDeadLetters()) == 2
	})
	handler.SetBehaviour(nil)
	b.open("/console/deadletters?subscription="+flaky, "#deadletters")
	first := dead.GetDeadLetters()[0].GetDeliveryId()
	b.run("replay a selection", chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="id"][value=%q]`, first))),
		chromedp.Click(chromedp.CSS(`#selection button[type="submit"]`)))
	b.waitJS("the selection is replayed", `document.querySelector("#progress").textContent.includes("Replayed 1 of 1 selected")`)
	b.run("replay all matching", chromedp.Click(chromedp.CSS(`form.replay-all button`)))
	b.waitJS("all matching are replayed", `document.querySelector("#progress").textContent.includes("done.")`)
	b.waitJS("the list reloads without the replayed rows", `document.querySelector("#dl-empty") !== null`)
	b.shot("07b-deadletters-replayed")
	for _, id := range more {
		eventually(t, "the replayed "+id+" is delivered to "+flaky, func() bool {
			ds := &ledgerv1.ListDeliveriesResponse{}
			sys.api(t, http.MethodGet, "/v1/events/stripe/"+id+"/deliveries", "", ds)
			for _, d := range ds.GetDeliveries() {
				if d.GetSubscription() == flaky {
					return d.GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED
				}
			}
			return false
		})
	}

	// A handler that is down: its deliveries wait (pending) and the
	// dispatcher's breaker for it opens; the overview and the
	// subscriptions page show both. 60 GitHub webhooks also push the
	// Stripe event off the first page of the unfiltered list.
	const down = "console-down"
	downAddr := harness.FreeAddr(t) // nothing listens there
	if code := sys.api(t, http.MethodPost, "/v1/subscriptions",
		fmt.Sprintf(`{"name":%q,"target":%q,"platforms":["github"],"timeout":"2s"}`, down, downAddr), nil); code != http.StatusOK {
		t.Fatalf("create subscription %s: HTTP %d", down, code)
	}
	sys.sendMany(t, "github", 60)
	b.open("/console/", "#stat-pending")
	b.waitJS("the overview counts pending deliveries", `Number(document.querySelector("#stat-pending").textContent) >= 1`)
	b.waitJS("the overview shows the down target's breaker",
		fmt.Sprintf(`(document.querySelector("#breakers") || {textContent: ""}).textContent.includes(%q)`, downAddr))
	b.shot("03b-overview-breaker")
	b.open("/console/subscriptions", "#subscriptions")
	b.waitJS(down+"'s row shows its backlog and breaker", fmt.Sprintf(
		`[...document.querySelectorAll("#subscriptions tr")].some(r => r.textContent.includes(%q) && /[1-9][0-9]* pending/.test(r.textContent) && /open/.test(r.textContent))`, down))
	b.shot("08b-subscriptions-backlog")

	// Events filtered by source type on the server: the Stripe event is
	// older than the 50 newest, so filtering a page would not find it.
	srcType := got.GetEvent().GetEvent().GetSourceEventType()
	b.open("/console/events", "#f-src")
	b.run("filter by source type", chromedp.SendKeys(chromedp.CSS("#f-src"), srcType), chromedp.Submit(chromedp.CSS("#f-src")),
		chromedp.WaitVisible(chromedp.CSS(eventLink)))
	b.waitJS("every row has the source type", fmt.Sprintf(
		`[...document.querySelectorAll("#events tbody tr")].every(r => r.children[4].textContent === %q)`, srcType))
	b.shot("04b-events-filtered")

	// An event that failed normalization, re-normalized on its own from
	// its page.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"id":"evt_console_unnormalized","object":"event","created":1732838400}`), 0o644); err != nil {
		t.Fatal(err)
	}
	badID := sys.send(t, "stripe", "--file", bad)
	b.open("/console/events/stripe/"+badID, "#normalization-error")
	b.shot("05b-event-unnormalized")
	b.run("re-normalize the event", chromedp.Click(chromedp.CSS("#renormalize-one")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if n := b.text(".notice"); !strings.Contains(n, "scheduled for this event") {
		t.Errorf("after re-normalize the page says %q", n)
	}

	// Subscriptions: a target the ledger refuses shows its error next to
	// the field.
	b.open("/console/subscriptions", "#subscriptions")
	b.shot("08-subscriptions")
	// Pause, resume and edit go through the API too.
	b.run("pause "+flaky, chromedp.Click(chromedp.CSS(`form[action="/console/subscriptions/`+flaky+`/pause"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/subscriptions/`+flaky+`/resume"]`)))
	sub := &ledgerv1.GetSubscriptionResponse{}
	if sys.api(t, http.MethodGet, "/v1/subscriptions/"+flaky, "", sub); !sub.GetSubscription().GetPaused() {
		t.Errorf("%s is not paused after the console paused it", flaky)
	}
	b.run("resume "+flaky, chromedp.Click(chromedp.CSS(`form[action="/console/subscriptions/`+flaky+`/resume"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/console/subscriptions/`+flaky+`/pause"]`)))
	b.open("/console/subscriptions/"+flaky+"/edit", "#s-timeout")
	b.run("edit "+flaky, chromedp.Clear(chromedp.CSS("#s-timeout")), chromedp.SendKeys(chromedp.CSS("#s-timeout"), "7s"), chromedp.Submit(chromedp.CSS("#s-timeout")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if sys.api(t, http.MethodGet, "/v1/subscriptions/"+flaky, "", sub); sub.GetSubscription().GetTimeout().AsDuration() != 7*time.Second ||
		sub.GetSubscription().GetPaused() || sub.GetSubscription().GetTarget() != handler.Addr {
		t.Errorf("after the edit %s is %v, want timeout 7s, active, same target", flaky, sub.GetSubscription())
	}
	b.open("/console/subscriptions/new", "#s-name")
	b.run("create with a metadata-service target",
		chromedp.SendKeys(chromedp.CSS("#s-name"), "console-bad"),
		chromedp.SendKeys(chromedp.CSS("#s-target"), "169.254.169.254:80"),
		chromedp.Submit(chromedp.CSS("#s-name")),
		chromedp.WaitVisible(chromedp.CSS("#err-target")))
	if e := b.text("#err-target"); !strings.Contains(e, "link-local") {
		t.Errorf("the target's error says %q, want the ledger's reason", e)
	}
	b.shot("09-subscription-invalid")
	if code := sys.api(t, http.MethodGet, "/v1/subscriptions/console-bad", "", nil); code != http.StatusNotFound {
		t.Errorf("the refused subscription exists: HTTP %d", code)
	}

	// A subscription shaped through the form (#15): a rate and an
	// ordering key; an ordering key that is not a string is refused with
	// the ledger's error next to the field.
	const shaped = "console-shaped"
	b.open("/console/subscriptions/new", "#s-name")
	b.run("create with a non-string ordering key",
		chromedp.SendKeys(chromedp.CSS("#s-name"), shaped),
		chromedp.SendKeys(chromedp.CSS("#s-target"), handler.Addr),
		chromedp.SendKeys(chromedp.CSS("#s-platforms"), "stripe"),
		chromedp.SendKeys(chromedp.CSS("#s-rate"), "50"),
		chromedp.SendKeys(chromedp.CSS("#s-burst"), "5"),
		chromedp.SendKeys(chromedp.CSS("#s-okey"), "1 + 1"),
		chromedp.Submit(chromedp.CSS("#s-name")),
		chromedp.WaitVisible(chromedp.CSS("#err-ordering_key")))
	if e := b.text("#err-ordering_key"); !strings.Contains(e, "string") {
		t.Errorf("the ordering key's error says %q, want the ledger's reason (not a string)", e)
	}
	b.shot("16-subscription-ordering-invalid")
	b.run("create with a valid ordering key",
		chromedp.Clear(chromedp.CSS("#s-okey")), chromedp.SendKeys(chromedp.CSS("#s-okey"), "event.entity_id"),
		chromedp.Submit(chromedp.CSS("#s-name")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if sys.api(t, http.MethodGet, "/v1/subscriptions/"+shaped, "", sub); sub.GetSubscription().GetRate().GetPerSecond() != 50 ||
		sub.GetSubscription().GetRate().GetBurst() != 5 || sub.GetSubscription().GetOrderingKey() != "event.entity_id" {
		t.Errorf("%s created as %v, want rate 50/s burst 5, ordering key event.entity_id", shaped, sub.GetSubscription())
	}
	b.waitJS(shaped+"'s row shows its rate and ordering key", fmt.Sprintf(
		`[...document.querySelectorAll("#subscriptions tr")].some(r => r.textContent.includes(%q) && r.textContent.includes("50/s, burst 5") && r.textContent.includes("ordered by event.entity_id"))`, shaped))
	b.shot("17-subscriptions-shaped")

	// Redeliver the last day's Stripe events to the flaky subscription
	// (the form's default range) and follow the job to done on the Jobs
	// page, which refreshes itself while the job runs.
	b.open("/console/subscriptions/"+flaky+"/redeliver", "#r-from")
	b.shot("18-redeliver")
	b.run("start a redelivery", chromedp.Submit(chromedp.CSS("#r-from")), chromedp.WaitVisible(chromedp.CSS("#jobs")))
	if n := b.text(".notice"); !strings.Contains(n, "Started redelivery job") {
		t.Errorf("after the redelivery the page says %q", n)
	}
	b.waitJS("the redelivery job is done", `document.querySelector("#jobs tbody tr[data-state]") !== null &&
		document.querySelector("#jobs tbody tr[data-state]").dataset.state === "done"`)
	if p := b.text("#jobs tbody tr[data-state] .created"); p == "0" || p == "" {
		t.Errorf("the done redelivery created %q deliveries, want the Stripe events of the last day", p)
	}
	b.shot("19-jobs")
	jobs := &ledgerv1.ListJobsResponse{}
	if sys.api(t, http.MethodGet, "/v1/jobs?subscription="+flaky, "", jobs); len(jobs.GetJobs()) != 1 ||
		jobs.GetJobs()[0].GetState() != ledgerv1.JobState_JOB_STATE_DONE || jobs.GetJobs()[0].GetDeliveriesCreated() < 1 {
		t.Errorf("jobs of %s: %v, want one redelivery, done, with deliveries", flaky, jobs.GetJobs())
	}

	// A job that cannot finish: a paused subscription holds its job at
	// the bound of pending job deliveries (100 with max_concurrency 1),
	// and 120 GitHub events are more than that. The Jobs page shows it
	// running with a cancel button and follows it by itself (it is
	// cancelled through the API and the open page turns "cancelled");
	// a second one is cancelled with the console's button.
	const held = "console-held"
	if code := sys.api(t, http.MethodPost, "/v1/subscriptions",
		fmt.Sprintf(`{"name":%q,"target":%q,"platforms":["github"],"max_concurrency":1,"paused":true}`, held, handler.Addr), nil); code != http.StatusOK {
		t.Fatalf("create subscription %s: HTTP %d", held, code)
	}
	sys.sendMany(t, "github", 60)
	heldRow := `#jobs tbody tr[data-state]`
	startHeld := func(what string) {
		b.open("/console/subscriptions/"+held+"/redeliver", "#r-from")
		b.run(what, chromedp.Submit(chromedp.CSS("#r-from")), chromedp.WaitVisible(chromedp.CSS("#jobs")))
		b.waitJS("the newest job runs with a cancel button", `document.querySelector("`+heldRow+`").dataset.state === "running" &&
			document.querySelector("`+heldRow+` form[action$='/cancel'] button") !== null`)
	}
	startHeld("start a redelivery that is held")
	b.waitJS("the held job's progress reaches the bound", `document.querySelector("`+heldRow+` .created").textContent === "100"`)
	b.shot("19b-jobs-running")
	if sys.api(t, http.MethodGet, "/v1/jobs?subscription="+held, "", jobs); len(jobs.GetJobs()) != 1 {
		t.Fatalf("jobs of %s: %v, want one", held, jobs.GetJobs())
	}
	firstJob := jobs.GetJobs()[0].GetJobId()
	if code := sys.api(t, http.MethodPost, "/v1/jobs/"+firstJob+":cancel", "{}", nil); code != http.StatusOK {
		t.Fatalf("cancel job %s: HTTP %d", firstJob, code)
	}
	b.waitJS("the open Jobs page refreshes itself to cancelled", `document.querySelector("#job-`+firstJob+`").dataset.state === "cancelled"`)
	startHeld("start another redelivery that is held")
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.confirm = () => true, true`)); err != nil {
		t.Fatalf("accept the confirmation: %v", err)
	}
	b.run("cancel the job from the console", chromedp.Click(chromedp.CSS(heldRow+` form[action$='/cancel'] button`)))
	// The page that started the job shows its own notice until the cancel's
	// answer replaces it: wait for the answer, not for any notice (under
	// load the old one was read before the new page came).
	b.waitAcrossNavigation("the console says the job is cancelled",
		`(document.querySelector(".notice") || {textContent: ""}).textContent.includes("is cancelled")`)
	b.shot("19c-jobs-cancelled")
	if sys.api(t, http.MethodGet, "/v1/jobs?subscription="+held, "", jobs); len(jobs.GetJobs()) != 2 ||
		jobs.GetJobs()[0].GetState() != ledgerv1.JobState_JOB_STATE_CANCELLED || jobs.GetJobs()[1].GetState() != ledgerv1.JobState_JOB_STATE_CANCELLED {
		t.Errorf("jobs of %s: %v, want two, both cancelled", held, jobs.GetJobs())
	}

	// Live: a webhook sent while the page is open appears on it.
	b.open("/console/live", "#live")
	b.waitJS("the stream connects", `document.querySelector("#live-status").textContent.startsWith("connected")`)
	liveID := sys.send(t, "github")
	b.waitJS("the new event appears", fmt.Sprintf(`document.querySelector("#live tbody").textContent.includes(%q)`, liveID))
	b.shot("10-live")

	// A phone's width.
	b.run("phone viewport", chromedp.EmulateViewport(390, 844))
	b.open("/console/", "#stat-accepted")
	b.shot("11-phone-overview")
	b.open("/console/events/stripe/"+eventID, "#raw-body")
	b.shot("12-phone-event")
	b.open("/console/events", "#events")
	b.shot("13-phone-events")
	b.run("scroll to the list", chromedp.ScrollIntoView(chromedp.CSS("#events")))
	b.shotTop("13b-phone-events-list")
	b.open("/console/subscriptions", "#subscriptions")
	b.shot("14-phone-subscriptions")
	b.open("/console/deadletters", "#dl-list")
	b.shot("15-phone-deadletters")
	b.open("/console/jobs", "#jobs")
	b.shot("20-phone-jobs")
	b.open("/console/subscriptions/"+shaped+"/edit", "#s-okey")
	b.shot("21-phone-subscription-form")
	b.open("/console/subscriptions/"+flaky+"/redeliver", "#r-from")
	b.shot("22-phone-redeliver")
	b.run("desktop viewport", chromedp.EmulateViewport(1280, 800))

	// Signing out forgets the token.
	b.open("/console/", "#stat-accepted")
	b.run("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#token")))
	b.open("/console/events", "#token")

	if strings.Contains(sys.run.Logs(), adminToken) {
		t.Error("the admin token appears in hookmesh's log")
	}
}
