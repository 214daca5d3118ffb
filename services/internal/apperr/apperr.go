// Package apperr defines the error classes every hookmesh service shares.
// Domain packages wrap these sentinels with context; one gRPC interceptor
// (package grpcserver) and one HTTP renderer (the edge) turn them into
// status codes, so the mapping lives in exactly one place.
package apperr

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The classes. Wrap them: fmt.Errorf("event %q: %w", id, apperr.ErrNotFound).
var (
	// ErrNotFound means the named thing does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the request itself is wrong and retrying it cannot help.
	ErrInvalid = errors.New("invalid argument")
	// ErrUnauthenticated means a signature or token did not verify.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrTooLarge means a body exceeded its size cap.
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable means a dependency could not be reached; retry later.
	ErrUnavailable = errors.New("unavailable")
	// ErrConflict means the request conflicts with the current state.
	ErrConflict = errors.New("conflict")
	// ErrOutOfRange means a position (an event stream's cursor) lies
	// outside what is kept; asking again from a valid position helps.
	ErrOutOfRange = errors.New("out of range")
	// ErrFailedPrecondition means the service is not set up for the
	// request (a retention pass with no policy configured); retrying
	// cannot help until the configuration changes.
	ErrFailedPrecondition = errors.New("failed precondition")
)

// Code returns the gRPC code for err. Errors that already carry a gRPC
// status keep their code; unknown errors are Internal.
func Code(err error) codes.Code {
	switch {
	case err == nil:
		return codes.OK
	case errors.Is(err, ErrNotFound):
		return codes.NotFound
	case errors.Is(err, ErrInvalid):
		return codes.InvalidArgument
	case errors.Is(err, ErrUnauthenticated):
		return codes.Unauthenticated
	case errors.Is(err, ErrTooLarge):
		return codes.ResourceExhausted
	case errors.Is(err, ErrUnavailable):
		return codes.Unavailable
	case errors.Is(err, ErrConflict):
		return codes.AlreadyExists
	case errors.Is(err, ErrOutOfRange):
		return codes.OutOfRange
	case errors.Is(err, ErrFailedPrecondition):
		return codes.FailedPrecondition
	case errors.Is(err, context.DeadlineExceeded):
		return codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return codes.Canceled
	}
	if s, ok := status.FromError(err); ok {
		return s.Code()
	}
	return codes.Internal
}
