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

// The verifiers not yet moved to services/internal/platforms use the
// shared helpers of package sig under their former names.
const (
	maxEntries         = sig.MaxEntries
	maxTimestampDigits = sig.MaxTimestampDigits
	reasonNoSecrets    = sig.ReasonNoSecrets
	reasonMalformed    = sig.ReasonMalformed
	reasonBadTimestamp = sig.ReasonBadTimestamp
	reasonTooMany      = sig.ReasonTooMany
	reasonTooOld       = sig.ReasonTooOld
	reasonFuture       = sig.ReasonFuture
	reasonNoURL        = sig.ReasonNoURL
)

var (
	fail            = sig.Fail
	keyList         = sig.KeyList
	matchAnyWith    = sig.MatchAnyWith
	parseUnix       = sig.ParseUnix
	parseDigits     = sig.ParseDigits
	checkWindow     = sig.CheckWindow
	checkWindowTime = sig.CheckWindowTime
	orDefault       = sig.OrDefault
	decodeHexN      = sig.DecodeHexN
)
