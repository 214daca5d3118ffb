package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// mapErr turns a pgx error into an apperr class with op as context. The
// driver error is kept as text only (%v), never in the chain, so callers
// cannot come to depend on pgx types.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", op, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", op, context.DeadlineExceeded)
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", op, apperr.ErrNotFound)
	}
	if class := classify(err); class != nil {
		return fmt.Errorf("%s: %w: %v", op, class, err)
	}
	return fmt.Errorf("%s: %v", op, err)
}

// classify returns the apperr class of a driver error, or nil when the error
// is a bug (bad SQL, broken invariant) that retrying cannot fix.
func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505": // unique_violation: a receipt id reused
			return apperr.ErrConflict
		case strings.HasPrefix(pgErr.Code, "22"): // data exception: e.g. NUL in text
			return apperr.ErrInvalid
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			strings.HasPrefix(pgErr.Code, "53"),          // insufficient resources
			strings.HasPrefix(pgErr.Code, "57P"),         // shutdown, cannot connect now
			pgErr.Code == "40001", pgErr.Code == "40P01", // serialization, deadlock
			pgErr.Code == "3D000": // database dropped under us
			return apperr.ErrUnavailable
		}
		return nil
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(err, puddle.ErrClosedPool), errors.Is(err, errGroupClosed),
		errors.As(err, &connectErr),
		errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return apperr.ErrUnavailable
	}
	// pgconn reports a connection lost mid-query with an unexported type;
	// a closed connection cannot be a bug in our SQL.
	if strings.Contains(err.Error(), "conn closed") {
		return apperr.ErrUnavailable
	}
	return nil
}
