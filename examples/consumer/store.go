package consumer

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite", pure Go
)

// payments is the consumer's own storage: PostgreSQL in production, a
// SQLite file when hookmesh runs with its embedded store. Both dialects
// share one upsert: ON CONFLICT (platform, external_id) DO UPDATE.
type payments struct {
	db     *sql.DB
	table  string
	upsert string
	// at converts occurred_at for the dialect: SQLite compares integers
	// reliably, text timestamps only when formatted alike.
	at func(time.Time) any
}

// openPayments opens url: a postgres:// URL, or "sqlite:<path>".
func openPayments(ctx context.Context, url, schema string) (*payments, error) {
	p := &payments{}
	var err error
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		p.db, err = sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(FULL)")
		p.db.SetMaxOpenConns(1)
		p.table = "payments"
		p.at = func(t time.Time) any { return t.UnixMicro() }
		if err == nil {
			_, err = p.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS payments (
  platform text NOT NULL, external_id text NOT NULL, state text NOT NULL,
  amount_minor integer NOT NULL, currency text NOT NULL, event_id text NOT NULL,
  delivery_id text NOT NULL, occurred_at integer NOT NULL, updated_at integer NOT NULL,
  PRIMARY KEY (platform, external_id))`)
		}
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		p.db, err = sql.Open("pgx", url)
		p.table = pgx.Identifier{schema, "payments"}.Sanitize()
		p.at = func(t time.Time) any { return t }
		if err == nil {
			err = migratePostgres(ctx, p.db, schema)
		}
	default:
		return nil, fmt.Errorf("consumer database %q: want a postgres:// URL or sqlite:<path>", url)
	}
	if err != nil {
		if p.db != nil {
			p.db.Close()
		}
		return nil, fmt.Errorf("consumer database: %w", err)
	}
	now := "now()"
	if p.table == "payments" {
		now = "CAST(strftime('%s','now') AS integer) * 1000000"
	}
	p.upsert = `INSERT INTO ` + p.table + `
  (platform, external_id, state, amount_minor, currency, event_id, delivery_id, occurred_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ` + now + `)
ON CONFLICT (platform, external_id) DO UPDATE SET
  state = excluded.state, amount_minor = excluded.amount_minor, currency = excluded.currency,
  event_id = excluded.event_id, delivery_id = excluded.delivery_id, occurred_at = excluded.occurred_at,
  updated_at = ` + now + `
WHERE payments.occurred_at <= excluded.occurred_at`
	return p, nil
}

func migratePostgres(ctx context.Context, db *sql.DB, schema string) error {
	s := pgx.Identifier{schema}.Sanitize()
	for _, stmt := range []string{
		`CREATE SCHEMA IF NOT EXISTS ` + s,
		`CREATE TABLE IF NOT EXISTS ` + s + `.payments (
  platform     text        NOT NULL,
  external_id  text        NOT NULL,
  state        text        NOT NULL,
  amount_minor bigint      NOT NULL,
  currency     text        NOT NULL,
  event_id     text        NOT NULL,
  delivery_id  text        NOT NULL,
  occurred_at  timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (platform, external_id))`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate schema %s: %w", schema, err)
		}
	}
	return nil
}

// record upserts one payment; a later event about the same payment wins,
// an older one arriving late does not.
func (p *payments) record(ctx context.Context, platform, externalID, state string, minor int64, currency, eventID, deliveryID string, at time.Time) error {
	_, err := p.db.ExecContext(ctx, p.upsert, platform, externalID, state, minor, currency, eventID, deliveryID, p.at(at))
	return err
}

// count returns the rows of a payment and its amount, for tests and demos.
func (p *payments) count(ctx context.Context, platform, externalID string) (n int, minor int64, err error) {
	var m sql.NullInt64
	err = p.db.QueryRowContext(ctx, `SELECT count(*), max(amount_minor) FROM `+p.table+` WHERE platform = $1 AND external_id = $2`,
		platform, externalID).Scan(&n, &m)
	return n, m.Int64, err
}
