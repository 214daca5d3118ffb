package dotpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// MaxSegments bounds a path's depth: no payload worth mapping nests
// deeper, and the bound keeps a lookup's cost a property of the
// configuration.
const MaxSegments = 32

// ErrNotObject is returned by ParseObject for a body that is not a JSON
// object (an array, a scalar, null, or nothing).
var ErrNotObject = errors.New("body is not a JSON object")

// Path is a dotted path checked by Compile. The zero Path is unset: it
// finds nothing.
type Path struct {
	text string
}

// Compile checks a dotted path: 1 to MaxSegments segments, none empty.
// Segments are not parsed any further: what a segment means (a key or an
// index) depends on the value the lookup is in.
func Compile(path string) (Path, error) {
	if path == "" {
		return Path{}, errors.New("empty path")
	}
	if n := strings.Count(path, ".") + 1; n > MaxSegments {
		return Path{}, fmt.Errorf("%d segments: at most %d", n, MaxSegments)
	}
	for seg := range strings.SplitSeq(path, ".") {
		if seg == "" {
			return Path{}, errors.New("empty segment")
		}
	}
	return Path{text: path}, nil
}

// String returns the path as configured.
func (p Path) String() string { return p.text }

// IsZero reports whether p is unset.
func (p Path) IsZero() bool { return p.text == "" }

// Object is a request body known to be one valid JSON object. Its values
// share the body's memory: a caller keeping one beyond the request copies
// it (string(v.Raw) does).
type Object struct {
	b     []byte
	start int // index of the opening brace
}

// ParseObject checks body once for all the lookups that follow: valid
// JSON (encoding/json's rules, its nesting limit included) whose value is
// an object. Errors are ErrNotObject or the syntax error encoding/json
// reports, so a sender is told what is wrong with its body.
func ParseObject(body []byte) (Object, error) {
	start := jsonscan.SkipSpace(body, 0)
	if start >= len(body) || body[start] != '{' {
		return Object{}, ErrNotObject
	}
	if !jsonscan.Valid(body) {
		// The rare path: decode to get encoding/json's explanation.
		var v json.RawMessage
		if err := json.Unmarshal(body, &v); err != nil {
			return Object{}, fmt.Errorf("invalid JSON: %w", err)
		}
		return Object{}, errors.New("invalid JSON")
	}
	return Object{b: body, start: start}, nil
}

// Kind is the JSON type of a Value.
type Kind uint8

// Kinds of Value. A null is Absent: a path to null finds nothing.
const (
	Absent Kind = iota
	String
	Number
	Bool
	ObjectKind
	Array
)

// String names the kind as error messages do.
func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	case ObjectKind:
		return "object"
	case Array:
		return "array"
	}
	return "nothing"
}

// Value is what a path found: its kind and its exact JSON text (a
// string's quotes and escapes included, a number as written).
type Value struct {
	Kind Kind
	Raw  []byte
}

// Found reports whether the path led to a value other than null.
func (v Value) Found() bool { return v.Kind != Absent }

// Lookup follows p through o. It returns a zero Value when p is unset or
// finds nothing (see the package doc), and an error when p steps into a
// string, number or boolean, or indexes an array with anything but a
// decimal number.
func (o Object) Lookup(p Path) (Value, error) {
	if p.text == "" || o.b == nil {
		return Value{}, nil
	}
	b, at := o.b, o.start
	rest := p.text
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, ".")
		switch b[at] {
		case '{':
			next, ok := member(b, at, seg)
			if !ok {
				return Value{}, nil
			}
			at = next
		case '[':
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 {
				return Value{}, stepError(seg, Array)
			}
			next, ok := element(b, at, i)
			if !ok {
				return Value{}, nil
			}
			at = next
		case 'n':
			return Value{}, nil
		default:
			return Value{}, stepError(seg, kindAt(b, at))
		}
	}
	k := kindAt(b, at)
	if k == Absent {
		return Value{}, nil
	}
	return Value{Kind: k, Raw: b[at:jsonscan.ValueEnd(b, at)]}, nil
}

// stepError is the error of a path whose segment seg cannot go into a
// value of kind in: a string, number or boolean, or an array (seg is then
// no decimal index).
func stepError(seg string, in Kind) error {
	if in == Array {
		return fmt.Errorf("%q indexes an array", seg)
	}
	return fmt.Errorf("%q is inside a %s", seg, in)
}

// Member returns the exact JSON text of the value of o's member key (its
// last one, as encoding/json decodes a repeated key), null included, and
// whether o has that member at all. Keys compare as in Lookup.
func (o Object) Member(key string) ([]byte, bool) {
	if o.b == nil {
		return nil, false
	}
	at, ok := member(o.b, o.start, key)
	if !ok {
		return nil, false
	}
	return o.b[at:jsonscan.ValueEnd(o.b, at)], true
}

// MemberObject returns o's member key (its last one) when it is an object,
// to look into it; ok is false when o has no such member or its value is
// not an object.
func (o Object) MemberObject(key string) (Object, bool) {
	if o.b == nil {
		return Object{}, false
	}
	at, ok := member(o.b, o.start, key)
	if !ok || o.b[at] != '{' {
		return Object{}, false
	}
	return Object{b: o.b, start: at}, true
}

// kindAt is the kind of the value starting at b[at].
func kindAt(b []byte, at int) Kind {
	switch b[at] {
	case '"':
		return String
	case '{':
		return ObjectKind
	case '[':
		return Array
	case 't', 'f':
		return Bool
	case 'n':
		return Absent
	}
	return Number
}

// member returns where the value of the last member of the object at
// b[at] whose key is seg starts.
func member(b []byte, at int, seg string) (int, bool) {
	found := -1
	jsonscan.EachMember(b, at, func(key []byte, v int) int {
		if keyEqual(key, seg) {
			found = v
		}
		return jsonscan.ValueEnd(b, v)
	})
	return found, found >= 0
}

// element returns where element n of the array at b[at] starts.
func element(b []byte, at, n int) (int, bool) {
	i := jsonscan.SkipSpace(b, at+1)
	if i >= len(b) || b[i] == ']' {
		return 0, false
	}
	for ; n > 0; n-- {
		var more bool
		if i, more = jsonscan.NextItem(b, jsonscan.ValueEnd(b, i)); !more {
			return 0, false
		}
	}
	return i, i < len(b)
}
