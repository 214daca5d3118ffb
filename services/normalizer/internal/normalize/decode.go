package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// invalid builds an error of class apperr.ErrInvalid with the reason a
// payload cannot be normalized, prefixed with the platform.
func invalid(platform, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", platform, apperr.ErrInvalid, fmt.Sprintf(format, args...))
}

// decodeObject decodes body, which must be one JSON object, into v. A
// top-level null, array or scalar is rejected here because encoding/json
// would accept null into a struct and leave every field zero.
func decodeObject(platform string, body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return invalid(platform, "body is not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return invalid(platform, "decode body: %v", err)
	}
	return nil
}

// isObject reports whether raw holds a JSON object (not null or absent).
func isObject(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// jsonID is a resource id that platforms send either as a JSON integer (GitHub,
// Shopify: up to 2^63) or as a string. It keeps the exact decimal text of an
// integer; it never passes through float64.
type jsonID string

// UnmarshalJSON accepts an integer, a string or null.
func (id *jsonID) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		*id = ""
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*id = jsonID(str)
	default:
		// Only integers: an id written 1.5 or 1e20 was not produced by a
		// platform and cannot be turned back into its exact value.
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			if _, uerr := strconv.ParseUint(s, 10, 64); uerr != nil {
				return fmt.Errorf("id %s: want an integer or a string", s)
			}
		}
		*id = jsonID(s)
	}
	return nil
}

// jsonRef is a reference that is either an id (string or integer) or an
// expanded object carrying an "id": Stripe's customer, Slack's user and
// channel in some events.
type jsonRef string

// UnmarshalJSON accepts an id, an object with an "id", or null.
func (r *jsonRef) UnmarshalJSON(b []byte) error {
	if isObject(b) {
		var obj struct {
			ID jsonID `json:"id"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		*r = jsonRef(obj.ID)
		return nil
	}
	var id jsonID
	if err := id.UnmarshalJSON(b); err != nil {
		return err
	}
	*r = jsonRef(id)
	return nil
}

// jsonTime is a timestamp in either style platforms mix in one payload: an
// RFC 3339 string (with any offset, as Shopify sends the shop's) or a unix
// integer (GitHub push's repository.created_at/pushed_at). Integers of
// 10^12 and above are taken as milliseconds (Clerk's Standard Webhooks
// timestamp); as seconds they would lie beyond the year 30000.
type jsonTime struct{ time.Time }

// UnmarshalJSON accepts an RFC 3339 string, a unix integer, "" or null.
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null" || s == `""`:
		t.Time = time.Time{}
	case strings.HasPrefix(s, `"`):
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		v, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return fmt.Errorf("timestamp %q: want RFC 3339", str)
		}
		t.Time = v
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("timestamp %s: want an RFC 3339 string or unix seconds", s)
		}
		t.Time = unixTime(n)
	}
	return nil
}

// unixTime reads n as unix seconds, or milliseconds when n >= 10^12.
func unixTime(n int64) time.Time {
	if n >= 1e12 || n <= -1e12 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// firstTime returns the first non-zero time of ts, or the zero time.
func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// setMeta adds key=value to m when value is not empty, so metadata never
// carries keys that say nothing.
func setMeta(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}
