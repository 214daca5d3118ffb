package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// mapErr turns an error met while running op into an apperr class with op
// as context. Errors the store made itself (already of a class, or
// ErrLeaseLost) pass through; a driver error is kept as text only (%v),
// never in the chain, so callers cannot come to depend on driver types.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, ctxErr(ctx, err))
	case ctx.Err() != nil:
		// The driver interrupts a running statement when ctx ends and
		// reports SQLITE_INTERRUPT: the cause is the context, not the SQL.
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", op, apperr.ErrNotFound)
	case ours(err):
		return fmt.Errorf("%s: %w", op, err)
	}
	if class := classify(err); class != nil {
		return fmt.Errorf("%s: %w: %v", op, class, err)
	}
	return fmt.Errorf("%s: %v", op, err)
}

// ctxErr returns the context error err wraps, as the bare sentinel.
func ctxErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	if e := ctx.Err(); e != nil {
		return e
	}
	return context.Canceled
}

// ours reports whether err is one the store built from a class.
func ours(err error) bool {
	for _, class := range []error{apperr.ErrInvalid, apperr.ErrNotFound, apperr.ErrConflict,
		apperr.ErrUnavailable, apperr.ErrOutOfRange, store.ErrLeaseLost} {
		if errors.Is(err, class) {
			return true
		}
	}
	return false
}

// classify returns the apperr class of a driver error, or nil when the
// error is a bug (bad SQL, a broken invariant, a corrupt file) that
// retrying cannot fix.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			// A receipt id reused, a subscription name taken.
			return apperr.ErrConflict
		}
		// Extended codes carry the primary code in their low byte.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, // another connection or process holds the lock
			sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, // the disk
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PROTOCOL:
			return apperr.ErrUnavailable
		case sqlite3.SQLITE_TOOBIG: // a value over SQLite's size limit
			return apperr.ErrInvalid
		}
		return nil
	}
	// database/sql after Close: its error values are not exported.
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") {
		return apperr.ErrUnavailable
	}
	return nil
}
