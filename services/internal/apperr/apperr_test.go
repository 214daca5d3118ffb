package apperr

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want codes.Code
	}{
		{"nil", nil, codes.OK},
		{"wrapped not found", fmt.Errorf("event x: %w", ErrNotFound), codes.NotFound},
		{"invalid", ErrInvalid, codes.InvalidArgument},
		{"unauthenticated", fmt.Errorf("sig: %w", ErrUnauthenticated), codes.Unauthenticated},
		{"too large", ErrTooLarge, codes.ResourceExhausted},
		{"out of range", ErrOutOfRange, codes.OutOfRange},
		{"failed precondition", ErrFailedPrecondition, codes.FailedPrecondition},
		{"unavailable", fmt.Errorf("ledger: %w", ErrUnavailable), codes.Unavailable},
		{"conflict", ErrConflict, codes.AlreadyExists},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
		{"canceled", context.Canceled, codes.Canceled},
		{"grpc status kept", status.Error(codes.FailedPrecondition, "x"), codes.FailedPrecondition},
		{"unknown", fmt.Errorf("boom"), codes.Internal},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("%s: Code = %v, want %v", tt.name, got, tt.want)
		}
	}
}
