package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migrations in version order.
func Migrations() ([]migration.Migration, error) {
	return migration.Read(migrationFiles, "migrations")
}

// migrate applies the migrations not yet recorded in schema_migrations, in
// order, in one transaction, and returns the versions it applied. The
// transaction begins IMMEDIATE (the writer's mode), so a second process
// migrating the same file waits for the first and then finds nothing left
// to do. SQLite's DDL is transactional: a failing migration leaves the file
// as it was.
//
// Foreign keys are off on the migrating connection while the migrations
// run (a migration that rebuilds a referenced table, as 0007 does, could
// not drop the old one otherwise; the pragma is a no-op inside a
// transaction, so it is set before), and PRAGMA foreign_key_check must
// find no broken reference before the commit: SQLite's documented
// procedure for schema changes beyond ALTER TABLE.
func migrate(ctx context.Context, db *sql.DB) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		// The connection goes back to the pool: its foreign keys on again.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
		_ = conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return nil, fmt.Errorf("foreign keys off: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	have := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		have[v] = true
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := []int{}
	for _, m := range ms {
		if have[m.Version] {
			continue
		}
		// The driver runs every statement of a multi-statement string.
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("apply %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, time.Now().UnixMicro()); err != nil {
			return nil, fmt.Errorf("record %s: %w", m.Name, err)
		}
		applied = append(applied, m.Version)
	}
	if err := checkForeignKeys(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return applied, nil
}

// checkForeignKeys fails when a reference is broken: with foreign keys off,
// nothing else would notice a migration that broke one.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %d) references a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
