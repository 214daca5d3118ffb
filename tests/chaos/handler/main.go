// Command handler is the chaos harness's recording downstream: an
// EventHandlerService that appends every call it receives to a table of its
// own schema in the test database and answers OK only once that insert has
// committed, so "delivered" means "recorded". The table has no unique
// constraint: a delivery received twice is two rows, which is how the
// harness counts duplicate deliveries. It runs as its own process so the
// harness can SIGKILL it like any service.
//
// Environment:
//
//	DATABASE_URL           PostgreSQL (required)
//	CHAOS_HANDLER_ADDR     gRPC listen address (required)
//	CHAOS_HANDLER_SCHEMA   schema of the received table (default chaos)
//
// Any database failure is answered UNAVAILABLE: the dispatcher classes it
// as a network failure and retries it, so a PostgreSQL restart costs
// retries, never a dead letter.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	handlerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/handler/v1"
)

// Table is the name of the table the handler appends to, inside its schema.
const Table = "received"

type recorder struct {
	handlerv1.UnimplementedEventHandlerServiceServer
	pool   *pgxpool.Pool
	insert string
	log    *slog.Logger
}

func (r *recorder) HandleEvent(ctx context.Context, req *handlerv1.HandleEventRequest) (*handlerv1.HandleEventResponse, error) {
	ev := req.GetEvent()
	_, err := r.pool.Exec(ctx, r.insert,
		req.GetDeliveryId(), req.GetSubscription(), ev.GetPlatform(), ev.GetSource(), ev.GetEventId(),
		int(ev.GetEventType()), req.GetAttempt())
	if err != nil {
		r.log.Warn("record failed; answering UNAVAILABLE", slog.String("delivery_id", req.GetDeliveryId()), slog.String("error", err.Error()))
		return nil, status.Errorf(codes.Unavailable, "record delivery: %v", err)
	}
	return &handlerv1.HandleEventResponse{}, nil
}

func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	s := pgx.Identifier{schema}.Sanitize()
	t := pgx.Identifier{schema, Table}.Sanitize()
	for _, stmt := range []string{
		`CREATE SCHEMA IF NOT EXISTS ` + s,
		// No unique constraint anywhere: duplicates must be countable.
		`CREATE TABLE IF NOT EXISTS ` + t + ` (
			id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			delivery_id  text        NOT NULL,
			subscription text        NOT NULL,
			platform     text        NOT NULL,
			source       text        NOT NULL,
			event_id     text        NOT NULL,
			event_type   integer     NOT NULL,
			attempt      integer     NOT NULL,
			received_at  timestamptz NOT NULL DEFAULT clock_timestamp()
		)`,
		// Not unique: it only serves the harness's joins on delivery_id.
		`CREATE INDEX IF NOT EXISTS received_delivery_id_idx ON ` + t + ` (delivery_id)`,
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

func run(log *slog.Logger) error {
	dbURL, addr := os.Getenv("DATABASE_URL"), os.Getenv("CHAOS_HANDLER_ADDR")
	if dbURL == "" || addr == "" {
		return fmt.Errorf("DATABASE_URL and CHAOS_HANDLER_ADDR are required")
	}
	schema := os.Getenv("CHAOS_HANDLER_SCHEMA")
	if schema == "" {
		schema = "chaos"
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return err
	}
	cfg.MaxConns = 16
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	// The database may be restarting when this process starts: keep trying.
	for {
		mctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = migrate(mctx, pool, schema)
		cancel()
		if err == nil {
			break
		}
		log.Warn("migrate failed; retrying", slog.String("error", err.Error()))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}

	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	handlerv1.RegisterEventHandlerServiceServer(srv, &recorder{
		pool: pool,
		insert: `INSERT INTO ` + pgx.Identifier{schema, Table}.Sanitize() +
			` (delivery_id, subscription, platform, source, event_id, event_type, attempt) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		log: log,
	})
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	log.Info("chaos handler running", slog.String("grpc", lis.Addr().String()), slog.String("schema", schema))
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()
	return srv.Serve(lis)
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("chaos handler", slog.String("error", err.Error()))
		os.Exit(1)
	}
}
