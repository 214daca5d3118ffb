package norm

import (
	"bytes"
	stdjson "encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	json "github.com/segmentio/encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// FastUnmarshal is segmentio/encoding's decoder, a drop-in for encoding/json
// (same struct tags, Unmarshaler methods and error types) that decodes the
// benchmark's webhook mix with a third of the instructions: encoding/json
// scanned each body twice (a validity pass, then the decode) and was 30-35%
// of the normalizer's CPU. A variable so that a test can compare.
var FastUnmarshal = json.Unmarshal

// Unmarshal is the one JSON decoder of every adapter. A body the fast
// decoder refuses is decoded again, from zero, by encoding/json, whose
// result and error are kept: the error path is rare, and encoding/json's
// texts are the ones users see stored (segmentio's quote the rest of the
// input, which may be long, personal or not UTF-8). FuzzDecoderMatchesStdlib
// checks that every adapter normalizes alike either way.
func Unmarshal(b []byte, v any) error {
	if err := FastUnmarshal(b, v); err == nil {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero()
	return stdjson.Unmarshal(b, v)
}

// Invalid builds an error of class apperr.ErrInvalid with the reason a
// payload cannot be normalized, prefixed with the platform.
func Invalid(platform, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", platform, apperr.ErrInvalid, fmt.Sprintf(format, args...))
}

// DecodeObject decodes body, which must be one JSON object, into v. A
// top-level null, array or scalar is rejected here because encoding/json
// would accept null into a struct and leave every field zero.
func DecodeObject(platform string, body []byte, v any) error {
	if err := CheckObject(platform, body); err != nil {
		return err
	}
	if err := Unmarshal(body, v); err != nil {
		return Invalid(platform, "decode body: %v", err)
	}
	return nil
}

// CheckObject is the first check of DecodeObject: body must start, after
// white space, as a JSON object.
func CheckObject(platform string, body []byte) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Invalid(platform, "body is not a JSON object")
	}
	return nil
}

// IsObject reports whether raw holds a JSON object (not null or absent).
func IsObject(raw json.RawMessage) bool {
	t := bytes.TrimLeft(raw, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// ID is a resource id that platforms send either as a JSON integer (GitHub,
// Shopify: up to 2^63) or as a string. It keeps the exact decimal text of an
// integer; it never passes through float64.
type ID string

// UnmarshalJSON accepts an integer, a string or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		str, err := Unquote(b)
		if err != nil {
			return err
		}
		*id = ID(str)
	default:
		s := string(b)
		// Only integers: an id written 1.5 or 1e20 was not produced by a
		// platform and cannot be turned back into its exact value.
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			if _, uerr := strconv.ParseUint(s, 10, 64); uerr != nil {
				return fmt.Errorf("id %s: want an integer or a string", s)
			}
		}
		*id = ID(s)
	}
	return nil
}

// Ref is a reference that is either an id (string or integer) or an
// expanded object carrying an "id": Stripe's customer, Slack's user and
// channel in some events.
type Ref string

// UnmarshalJSON accepts an id, an object with an "id", or null.
func (r *Ref) UnmarshalJSON(b []byte) error {
	if IsObject(b) {
		var obj struct {
			ID ID `json:"id"`
		}
		if err := Unmarshal(b, &obj); err != nil {
			return err
		}
		*r = Ref(obj.ID)
		return nil
	}
	var id ID
	if err := id.UnmarshalJSON(b); err != nil {
		return err
	}
	*r = Ref(id)
	return nil
}

// Time is a timestamp in the styles platforms mix, even in one payload:
// an RFC 3339 string (with any offset, as Shopify sends the shop's), GitLab's
// "2006-01-02 15:04:05 UTC" (or with a numeric offset), or a unix number
// (GitHub push's repository.created_at/pushed_at). Integers of 10^12 and
// above are taken as milliseconds (Clerk's Standard Webhooks timestamp); as
// seconds they would lie beyond the year 30000. A unix number may carry a
// fraction of a second (Mailgun's 1521472262.908181), read exactly from its
// digits, never through float64.
type Time struct{ time.Time }

// timeLayouts are the string forms Time accepts, tried in order.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05 UTC", "2006-01-02 15:04:05 -0700"}

// UnmarshalJSON accepts a timestamp string, a unix number, "" or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null" || string(b) == `""`:
		t.Time = time.Time{}
	case len(b) > 0 && b[0] == '"':
		str, err := Unquote(b)
		if err != nil {
			return err
		}
		for _, layout := range timeLayouts {
			if v, err := time.Parse(layout, str); err == nil {
				t.Time = v
				return nil
			}
		}
		return fmt.Errorf("timestamp %q: want RFC 3339", str)
	default:
		v, err := ParseUnix(string(b))
		if err != nil {
			return err
		}
		t.Time = v
	}
	return nil
}

// Unquote returns the text of the JSON string literal b. The ids and
// timestamps it reads are almost always plain ASCII with no escapes, whose
// text is the bytes between the quotes; anything else goes through
// encoding/json, so the result (escapes, Invalid UTF-8 made U+FFFD) and the
// errors are exactly json.Unmarshal's.
func Unquote(b []byte) (string, error) {
	if s, ok := PlainString(b); ok {
		return s, nil
	}
	var s string
	if err := Unmarshal(b, &s); err != nil {
		return "", err
	}
	return s, nil
}

// PlainString returns the text of the JSON string literal b when it is
// printable ASCII with no quote or backslash, text the literal holds
// verbatim; ok is false for any other b.
func PlainString(b []byte) (s string, ok bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(b[1 : len(b)-1]), true
}

// ParseUnix reads unix seconds written as an integer or a decimal with up
// to nine fraction digits, or milliseconds when an integer >= 10^12.
func ParseUnix(s string) (time.Time, error) {
	whole, frac, hasFrac := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || (hasFrac && (frac == "" || len(frac) > 9 || !IsDigits(frac))) {
		return time.Time{}, fmt.Errorf("timestamp %s: want an RFC 3339 string or unix seconds", s)
	}
	if !hasFrac {
		return UnixTime(n), nil
	}
	if n < 0 || n >= 1e12 {
		return time.Time{}, fmt.Errorf("timestamp %s: a fraction needs positive unix seconds", s)
	}
	nanos, _ := strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	return time.Unix(n, nanos).UTC(), nil
}

// IsDigits reports whether s is one or more ASCII digits.
func IsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// UnixTime reads n as unix seconds, or milliseconds when n >= 10^12.
func UnixTime(n int64) time.Time {
	if n >= 1e12 || n <= -1e12 {
		return time.UnixMilli(n).UTC()
	}
	return time.Unix(n, 0).UTC()
}

// FirstTime returns the first non-zero time of ts, or the zero time.
func FirstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// SetMeta adds key=value to m when value is not empty, so metadata never
// carries keys that say nothing.
func SetMeta(m map[string]string, key, value string) {
	if value != "" {
		m[key] = value
	}
}

// Bool is a flag that platforms send as a JSON boolean or as the
// strings "true" and "false" (Adyen's success, live).
type Bool struct {
	set, value bool
}

// UnmarshalJSON accepts true, false, "true", "false" or null.
func (f *Bool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		*f = Bool{}
	case "true", `"true"`:
		*f = Bool{set: true, value: true}
	case "false", `"false"`:
		*f = Bool{set: true, value: false}
	default:
		return fmt.Errorf("flag %s: want true or false", b)
	}
	return nil
}

// True reports whether the flag was sent as true.
func (f Bool) True() bool { return f.value }

// String renders a set flag as "true"/"false" and an absent one as "".
func (f Bool) String() string {
	if !f.set {
		return ""
	}
	return strconv.FormatBool(f.value)
}

// MinorUnitsString parses an integer amount sent as a JSON string (Paddle's
// "1999"): an optional '-' and digits only, so "19.99" or "1e3" are errors,
// never a rounding.
func MinorUnitsString(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if !IsDigits(digits) {
		return 0, fmt.Errorf("amount %q: want an integer of minor units", s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: out of int64 range", s)
	}
	return n, nil
}

// MetaIDs joins up to MaxListedIDs ids for metadata, noting how many were
// left out, so a batch of thousands cannot blow up one event.
func MetaIDs(ids []string) string {
	if len(ids) <= MaxListedIDs {
		return strings.Join(ids, ",")
	}
	return strings.Join(ids[:MaxListedIDs], ",") + fmt.Sprintf(",...(+%d)", len(ids)-MaxListedIDs)
}

// MaxListedIDs bounds the ids of a batch's other items kept in metadata.
const MaxListedIDs = 20

// DecodeBatch decodes body, which must be a non-empty JSON array of
// objects, into a slice of T (HubSpot, SendGrid send batches).
func DecodeBatch[T any](platform string, body []byte) ([]T, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, Invalid(platform, "body is not a JSON array")
	}
	var raws []json.RawMessage
	if err := Unmarshal(body, &raws); err != nil {
		return nil, Invalid(platform, "decode body: %v", err)
	}
	if len(raws) == 0 {
		return nil, Invalid(platform, "body is an empty batch")
	}
	items := make([]T, len(raws))
	for i, raw := range raws {
		if !IsObject(raw) {
			return nil, Invalid(platform, "item %d is not an object", i)
		}
		if err := Unmarshal(raw, &items[i]); err != nil {
			return nil, Invalid(platform, "decode item %d: %v", i, err)
		}
	}
	return items, nil
}

// EachItem fills a new event (newEvent) from every item of a batch with
// fill, stopping at the first item it refuses.
func EachItem[T any](items []T, newEvent func() *eventv1.NormalizedEvent, fill func(T, int, *eventv1.NormalizedEvent) error) ([]*eventv1.NormalizedEvent, error) {
	evs := make([]*eventv1.NormalizedEvent, len(items))
	for i, it := range items {
		evs[i] = newEvent()
		if err := fill(it, i, evs[i]); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// BatchMeta records the batch limitation in metadata: one webhook is one
// event, made from the first item; item_count says how many there were and
// other_ids (bounded by MaxListedIDs) which ones were not normalized.
func BatchMeta(ev *eventv1.NormalizedEvent, ids []string) {
	ev.Metadata["item_count"] = strconv.Itoa(len(ids))
	if len(ids) > 1 {
		SetMeta(ev.Metadata, "other_ids", MetaIDs(ids[1:]))
	}
}
