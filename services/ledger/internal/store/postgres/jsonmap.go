package postgres

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// jsonObject is m as a JSON object, for a jsonb parameter (pgx sends a
// []byte to a json or jsonb parameter as it is). Why not the map itself:
// pgx encodes a map with encoding/json, whose reflection over the map was
// about 3% of the ledger's CPU at saturation (make bench's profile), for
// the two maps of every Record (headers and metadata). The object stores
// the same jsonb value as encoding/json's text would: a string that is
// not valid UTF-8 has each bad byte replaced by U+FFFD, as encoding/json
// does; a NUL, which encoding/json keeps and jsonb refuses, becomes
// U+FFFD too; when a key is not valid UTF-8 or holds a NUL, the keys are
// written in encoding/json's order (sorted by their bytes), so that two
// keys that become the same after a replacement keep the same one of
// their values, the last (FuzzJSONObjectMatchesEncodingJSON).
func jsonObject(m map[string]string) []byte {
	n := 2
	valid := true
	for k, v := range m {
		n += len(k) + len(v) + 6
		valid = valid && utf8.ValidString(k) && strings.IndexByte(k, 0) < 0
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	if valid {
		// No key is replaced, so no two become the same: any order
		// stores the same value, and sorting was most of this
		// function's cost.
		for k, v := range m {
			if len(b) > 1 {
				b = append(b, ',')
			}
			b = appendMember(b, k, v)
		}
		return append(b, '}')
	}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMember(b, k, m[k])
	}
	return append(b, '}')
}

// appendMember appends "k":"v".
func appendMember(b []byte, k, v string) []byte {
	b = appendJSONString(b, k)
	b = append(b, ':')
	return appendJSONString(b, v)
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 and NUL replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(append(b, s[start:i]...), `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case 0:
			// jsonb cannot hold U+0000 (PostgreSQL refuses the whole
			// statement: "unsupported Unicode escape sequence"), so a
			// NUL in a header or in metadata would lose the webhook;
			// it is stored as U+FFFD, as a byte that is not UTF-8 is.
			// The normalized event keeps the exact value.
			b = append(b, `\ufffd`...)
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
