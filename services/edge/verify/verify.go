package verify

import (
	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// Request is the input of a verification (platform.Request).
type Request = platform.Request

// Verifier checks the signature of one platform's webhooks against a set of
// active secrets (platform.Verifier).
type Verifier = platform.Verifier

// Error is the failure Verify returns (platform.Error). It wraps
// apperr.ErrUnauthenticated so the edge's one error renderer answers 401
// without knowing this package.
type Error = platform.Error
