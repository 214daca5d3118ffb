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

// The platforms not yet moved to services/internal/platforms use the id
// makers of package randid under their former names.
var (
	snowflake = randid.Snowflake
	uuid      = randid.UUID
	alnum     = randid.Alnum
	base32    = randid.Base32
	randBytes = randid.Bytes
	randUint  = randid.Uint
	pick      = randid.Pick
)
