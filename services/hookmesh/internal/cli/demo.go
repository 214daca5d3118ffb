package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// demoWait bounds how long the demo waits for one webhook to be delivered.
const demoWait = 10 * time.Second

var _ = register(newDemoCmd)

func newDemoCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Start it all on free ports, send one webhook per platform, follow each to the consumer, stop",
		Long: `Start the whole system on free loopback ports (so it runs beside a
"hookmesh run"), send one signed webhook per platform, show each one
normalized and delivered to the example consumer, and stop cleanly. Storage
is a fresh embedded store in a temporary directory unless DATABASE_URL is
set.`,
		Example: "  hookmesh demo",
		GroupID: groupSystem,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

// demo runs the demo (see newDemoCmd).
func (a *app) demo(ctx context.Context, stdout, stderr io.Writer) error {
	dir, err := os.MkdirTemp("", "hookmesh-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lookup, err := env.WithConfigFile(a.lookup)
	if err != nil {
		return err
	}
	s, err := loadSystem(withDefault(lookup, "HOOKMESH_DATA_DIR", dir))
	if err != nil {
		return err
	}
	edgeURL, err := s.listenLoopback()
	if err != nil {
		return err
	}

	log, closeProcess, err := startProcess(ctx, lookup, stderr, "error")
	if err != nil {
		return err
	}
	defer closeProcess()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.run(runCtx, log) }()

	storage := "a fresh embedded store"
	if s.ledger.DatabaseURL != "" {
		storage = "PostgreSQL (DATABASE_URL)"
	}
	fmt.Fprintf(stdout, "demo: starting edge, normalizer, ledger, dispatcher and the example consumer on %s\n", storage)
	if err := waitReady(ctx, edgeURL+"/ready", done); err != nil {
		return err
	}
	conn, err := grpc.NewClient(s.ledger.GRPCListener.Addr().String(), append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), tracing.DialOption()},
		admin.ClientToken(s.ledger.AdminToken)...)...)
	if err != nil {
		return err
	}
	defer conn.Close()
	led := ledgerv1.NewLedgerServiceClient(conn)

	fmt.Fprintf(stdout, "demo: one signed webhook per platform\n\n")
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "PLATFORM\tHTTP\tPLATFORM TYPE\tNORMALIZED AS\tAMOUNT\tDELIVERED")
	failed := 0
	client := &http.Client{Timeout: 10 * time.Second}
	for _, p := range sample.Platforms() {
		row, ok := a.demoOne(ctx, client, led, edgeURL, p)
		if !ok {
			failed++
		}
		fmt.Fprintln(tw, row)
	}
	tw.Flush()

	stop()
	if err := <-done; err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	fmt.Fprintf(stdout, "\ndemo: %d platforms, %d failed; every service stopped cleanly\n", len(sample.Platforms()), failed)
	if failed > 0 {
		return fmt.Errorf("demo: %d platforms failed", failed)
	}
	return nil
}

// demoOne sends one webhook of platform and follows it to the consumer.
func (a *app) demoOne(ctx context.Context, client *http.Client, led ledgerv1.LedgerServiceClient, edgeURL, p string) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		return p + "\t" + fmt.Sprintf(format, args...), false
	}
	w, err := sample.Build(p, "", time.Now())
	if err != nil {
		return fail("build: %v", err)
	}
	secret, _, err := a.signingSecretFor(p)
	if err != nil {
		return fail("%v", err)
	}
	start := time.Now()
	status, body, err := post(ctx, client, edgeURL+"/webhooks/"+p, secret, w)
	if err != nil {
		return fail("%v", err)
	}
	code, _, _ := strings.Cut(status, " ")
	if !strings.HasPrefix(code, "2") {
		return fail("%s\t%s", code, strings.TrimSpace(string(body)))
	}
	deadline := time.Now().Add(demoWait)
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		ev, err := led.GetEvent(cctx, &ledgerv1.GetEventRequest{Platform: p, EventId: w.EventID})
		var ds *ledgerv1.ListDeliveriesResponse
		if err == nil {
			ds, err = led.ListDeliveries(cctx, &ledgerv1.ListDeliveriesRequest{Platform: p, EventId: w.EventID})
		}
		cancel()
		if err == nil && len(ds.GetDeliveries()) > 0 && ds.GetDeliveries()[0].GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED {
			e := ev.GetEvent().GetEvent()
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\tyes, %d ms", p, code, e.GetSourceEventType(),
				strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_"), money(e.GetAmount()), time.Since(start).Milliseconds()), true
		}
		if err == nil && len(ds.GetDeliveries()) > 0 && ds.GetDeliveries()[0].GetState() == ledgerv1.DeliveryState_DELIVERY_STATE_DEAD {
			return fail("%s\t%s\tdead letter: %s", code, ev.GetEvent().GetEvent().GetSourceEventType(), ds.GetDeliveries()[0].GetLastError())
		}
		if err == nil && ev.GetEvent().GetNormalizationError() != "" {
			return fail("%s\tnot normalized: %s", code, ev.GetEvent().GetNormalizationError())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fail("%s\tnot delivered within %v", code, demoWait)
}

// waitReady polls url until 200, failing early if the system stopped.
func waitReady(ctx context.Context, url string, done <-chan error) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("the system stopped while starting: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the system did not become ready within 60 s")
}
