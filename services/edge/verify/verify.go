package verify

import (
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
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

// This package (the generic verifier of configured sources, the registry)
// uses the shared helpers of package sig under these names.
const (
	maxEntries         = sig.MaxEntries
	reasonBadTimestamp = sig.ReasonBadTimestamp
	reasonTooMany      = sig.ReasonTooMany
	reasonNoURL        = sig.ReasonNoURL
)

var (
	fail            = sig.Fail
	keyList         = sig.KeyList
	matchAnyWith    = sig.MatchAnyWith
	parseDigits     = sig.ParseDigits
	checkWindowTime = sig.CheckWindowTime
	orDefault       = sig.OrDefault
	decodeHexN      = sig.DecodeHexN
)
