package eventkey

import "github.com/hookmesh/hookmesh/services/internal/platform/eventid"

// Encode is eventid.Encode: the stored, keyed and shown form of an id.
func Encode(s string) string { return eventid.Encode(s) }

// Decode is eventid.Decode, the inverse of Encode.
func Decode(s string) (string, error) { return eventid.Decode(s) }

// ErrNotEncoded is eventid.ErrNotEncoded: Decode's error for a string
// Encode never returns.
var ErrNotEncoded = eventid.ErrNotEncoded

// These read ids from bodies; they live with the platforms in eventid.
var (
	unquoteBytes = eventid.UnquoteBytes
	rawText      = eventid.RawText
	topFields    = eventid.TopFields
)
