package sample

import (
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// newID returns a fresh id in the platform's own format, so what the
// ledger stores looks like what the platform sends (and length limits or
// parsers that assume a format are exercised).
func newID(platform string, now time.Time) string {
	if s, ok := registered(platform); ok {
		return s.NewID(now)
	}
	return uuid()
}

// The id makers of package randid this package uses itself: a name that
// is not a preset gets a UUID, a configured source's sample ids alnum.
var (
	uuid  = randid.UUID
	alnum = randid.Alnum
)
