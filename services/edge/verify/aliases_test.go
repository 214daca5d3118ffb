package verify

import "github.com/hookmesh/hookmesh/services/internal/platform/sig"

// The tests read these shared helpers of package sig under their former
// names.
const (
	maxTimestampDigits = sig.MaxTimestampDigits
	reasonNoSecrets    = sig.ReasonNoSecrets
	reasonMalformed    = sig.ReasonMalformed
	reasonTooOld       = sig.ReasonTooOld
	reasonFuture       = sig.ReasonFuture
)

var (
	parseUnix   = sig.ParseUnix
	checkWindow = sig.CheckWindow
)
