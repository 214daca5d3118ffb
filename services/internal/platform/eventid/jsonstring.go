package eventid

import (
	"encoding/json"
	"reflect"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// UnquoteBytes decodes the JSON string literal raw (quotes included) to the
// bytes it holds. Unlike encoding/json, which replaces each byte of invalid
// UTF-8 with U+FFFD, it keeps every byte as sent, so ids that differ only
// in such bytes stay different (Encode then makes them storable). An escape
// of a lone UTF-16 surrogate ("\ud800"), which denotes no character, is
// kept as the three bytes of its WTF-8 form (ED A0 80), again instead of
// U+FFFD, so "\ud800" and "\ud801" stay different too. ok is false when
// raw is not a JSON string literal.
func UnquoteBytes(raw []byte) (s string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	in := raw[1 : len(raw)-1]
	plain := true
	for _, c := range in {
		if c == '\\' || c == '"' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return string(in), true
	}
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == '"' || c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(in) {
			return "", false
		}
		switch e := in[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := jsonscan.Hex4(in[i+2:])
			if !ok {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if pair, ok := lowSurrogate(in[i:], r); ok {
					out = utf8.AppendRune(out, pair)
					i += 6
					continue
				}
				out = append(out, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
				continue
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(out), true
}

// lowSurrogate returns the character that the surrogate r and a \u escape
// at the start of b make together, if b starts with one that pairs with r.
func lowSurrogate(b []byte, r rune) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	r2, ok := jsonscan.Hex4(b[2:])
	if !ok {
		return 0, false
	}
	pair := utf16.DecodeRune(r, r2)
	return pair, pair != utf8.RuneError
}

// RawString is a JSON string field read by UnquoteBytes: the exact bytes,
// where a string field would get invalid UTF-8 replaced. Like a string
// field, it is left as it was by null and refuses any other kind of value.
type RawString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *RawString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, ok := UnquoteBytes(b)
	if !ok {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
	}
	*s = RawString(v)
	return nil
}

// jsonKind names the kind of the JSON value b as encoding/json's type
// errors do.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	}
	return "number"
}
