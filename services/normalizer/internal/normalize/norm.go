package normalize

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// The adapters not yet moved to services/internal/platforms use the shared
// helpers of package norm under their former names.
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

func decodeBatch[T any](platform string, body []byte) ([]T, error) {
	return norm.DecodeBatch[T](platform, body)
}

func eachItem[T any](items []T, newEvent func() *eventv1.NormalizedEvent, fill func(T, int, *eventv1.NormalizedEvent) error) ([]*eventv1.NormalizedEvent, error) {
	return norm.EachItem(items, newEvent, fill)
}

// firstNonEmpty is eventid.First, for the adapters not yet moved.
func firstNonEmpty(ss ...string) string { return eventid.First(ss...) }
