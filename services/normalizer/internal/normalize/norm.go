package normalize

import (
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// The configured sources (configured.go) use the shared helpers of package
// norm under these names.
var (
	invalid          = norm.Invalid
	unquote          = norm.Unquote
	minorUnitsString = norm.MinorUnitsString
	occurred         = norm.Occurred
)

type (
	jsonID   = norm.ID
	jsonTime = norm.Time
)
