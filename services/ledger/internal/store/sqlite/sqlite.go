package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Connection settings.
const (
	// busyTimeout is how long a statement waits for a lock another
	// connection (or process) holds before failing with SQLITE_BUSY, which
	// the store reports as ErrUnavailable.
	busyTimeout = 5 * time.Second
	// readers caps the read-only pool. Reads do not block each other or the
	// writer under WAL; a few cover a single node's API and dispatchers.
	readers = 4
)

// driverName is the database/sql name modernc.org/sqlite registers.
const driverName = "sqlite"

// Store is the SQLite store. It owns its two pools.
type Store struct {
	// writer has exactly one connection: every write transaction goes
	// through it, one at a time (see the package doc).
	writer *sql.DB
	// reader is a pool of read-only connections.
	reader *sql.DB
	// stmts are the writer's hot statements, prepared once at Open.
	stmts statements
	// applied lists the migrations Open applied.
	applied []int

	hub hub
	// changes wakes the event streams after each new event (watch.go).
	changes store.Changes
	// filterObs is told the filters' verdicts and cost (see
	// SetFilterObserver); nil: nobody.
	filterObs store.FilterObserver
	closed    atomic.Bool
	closeOnce sync.Once
	// retaining is held by the running retention pass (retention.go).
	retaining sync.Mutex
}

var _ retention.Store = (*Store)(nil)

var _ store.Store = (*Store)(nil)

// dsn is the modernc.org/sqlite data source name of path. Every connection
// gets the durability pragmas; write transactions BEGIN IMMEDIATE so they
// take the write lock before reading, and readers are query_only so a bug
// cannot write outside the serialized writer.
func dsn(path string, readOnly bool) string {
	ms := busyTimeout.Milliseconds()
	params := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", ms),
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(FULL)",
	}
	if readOnly {
		params = append(params, "_pragma=query_only(1)", "_txlock=deferred")
	} else {
		params = append(params, "_pragma=journal_mode(WAL)", "_txlock=immediate")
	}
	return path + "?" + strings.Join(params, "&")
}

// Open opens (creating when missing) the database file at path, applies the
// migrations and returns the Store. The directory must exist. Errors wrap
// the apperr classes: ErrInvalid for an unusable path, ErrUnavailable when
// the file cannot be opened or is locked.
func Open(ctx context.Context, path string) (*Store, error) {
	// The driver cuts the name at the first '?' to read its parameters.
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite %q: path must be non-empty and hold no '?': %w", path, apperr.ErrInvalid)
	}
	s := &Store{}
	var err error
	if s.writer, err = sql.Open(driverName, dsn(path, false)); err != nil {
		return nil, fmt.Errorf("open sqlite %q: %v: %w", path, err, apperr.ErrInvalid)
	}
	// One connection, kept for the life of the store: it holds the
	// prepared statements and is the single writer.
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	fail := func(op string, err error) (*Store, error) {
		s.closeDBs()
		return nil, mapErr(ctx, fmt.Sprintf("open sqlite %q: %s", path, op), err)
	}
	if err := s.writer.PingContext(ctx); err != nil {
		return fail("connect", err)
	}
	if s.applied, err = migrate(ctx, s.writer); err != nil {
		return fail("migrate", err)
	}
	if s.reader, err = sql.Open(driverName, dsn(path, true)); err != nil {
		return fail("open readers", err)
	}
	s.reader.SetMaxOpenConns(readers)
	s.reader.SetMaxIdleConns(readers)
	if err := s.reader.PingContext(ctx); err != nil {
		return fail("connect readers", err)
	}
	if err := s.stmts.prepare(ctx, s.writer); err != nil {
		return fail("prepare", err)
	}
	s.hub.init()
	return s, nil
}

// Applied returns the migration versions Open applied (empty when the file
// was already up to date), for the start-up log.
func (s *Store) Applied() []int { return s.applied }

// SetFilterObserver makes the store tell o what its filters cost. Call it
// before the store serves.
func (s *Store) SetFilterObserver(o store.FilterObserver) { s.filterObs = o }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.checkOpen("ping"); err != nil {
		return err
	}
	return mapErr(ctx, "ping", s.reader.PingContext(ctx))
}

// statsSQL counts through the partial indexes deliveries_due_idx (state
// 1) and deliveries_dead_idx (state 3), one scalar subquery each.
const statsSQL = `SELECT (SELECT count(*) FROM deliveries WHERE state = 1),
       (SELECT count(*) FROM deliveries WHERE state = 3)`

// Stats counts pending deliveries and dead letters, on a reader: it never
// waits for the single writer.
func (s *Store) Stats(ctx context.Context) (pending, dead int64, err error) {
	if err := s.checkOpen("delivery stats"); err != nil {
		return 0, 0, err
	}
	if err := s.reader.QueryRowContext(ctx, statsSQL).Scan(&pending, &dead); err != nil {
		return 0, 0, mapErr(ctx, "delivery stats", err)
	}
	return pending, dead, nil
}

// Close closes both pools, waiting for running statements; the last
// connection to close checkpoints the WAL into the database file. Open
// Listen calls return. Safe to call twice.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.hub.close()
		s.stmts.close()
		s.closeDBs()
	})
}

func (s *Store) closeDBs() {
	if s.reader != nil {
		_ = s.reader.Close()
	}
	if s.writer != nil {
		_ = s.writer.Close()
	}
}

// checkOpen fails fast after Close, with the class callers retry on.
func (s *Store) checkOpen(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: store closed: %w", op, apperr.ErrUnavailable)
	}
	return nil
}

// write runs fn in one write transaction on the single writer and commits
// it. now is the transaction's clock, in unix microseconds, read once the
// write lock is held so times follow the commit order. When fn returns
// subscriptions to wake (nil for none, an empty non-nil slice for any),
// listeners are woken after the commit, never for a rolled-back change.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx, now int64) (wake []string, err error)) error {
	if err := s.checkOpen(op); err != nil {
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(ctx, op, err)
	}
	wake, err := fn(tx, time.Now().UnixMicro())
	if err != nil {
		_ = tx.Rollback()
		return mapErr(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(ctx, op, err)
	}
	if wake != nil {
		s.hub.publish(wake)
	}
	return nil
}

// read runs fn in one read transaction: under WAL every statement in it
// sees the same committed snapshot, as PostgreSQL's repeatable read.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.checkOpen(op); err != nil {
		return err
	}
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return mapErr(ctx, op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return mapErr(ctx, op, err)
	}
	return nil
}
