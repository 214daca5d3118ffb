package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered schema change.
type Migration = migration.Migration

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	return migration.Read(migrationFiles, "migrations")
}

// Migrate applies the migrations not yet recorded in schema_migrations, in
// order, in one transaction, and returns the versions it applied. The
// transaction first takes an advisory lock keyed by the current schema, so
// replicas starting together (or a migrate Job racing a replica) apply each
// migration once: the second waits, then finds nothing left to do. Tables
// go to the first schema of the search_path; no name is hard-coded.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var applied []int
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock(hashtext('hookmesh.ledger.migrate.' || current_schema()))`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		have := map[int]bool{}
		for _, v := range done {
			have[int(v)] = true
		}
		for _, m := range ms {
			if have[m.Version] {
				continue
			}
			// No arguments: pgx uses the simple protocol, which accepts
			// several statements in one string.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
				m.Version, m.Name); err != nil {
				return fmt.Errorf("record %s: %w", m.Name, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, mapErr("migrate", err)
	}
	// The day partitions of today and the next days (0012), before any
	// Record needs them; the ledger keeps creating them ahead every hour.
	if err := ensurePartitions(ctx, pool, time.Now()); err != nil {
		return nil, mapErr("migrate: create partitions", err)
	}
	return applied, nil
}
