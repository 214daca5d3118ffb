package eventid

import (
	"encoding/json"
	"reflect"
	"unicode"
	"unicode/utf8"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// TopString returns what json.Unmarshal(body, &v) stores in v.F, and the
// error it returns, where v is a struct whose only field F is a string
// tagged `json:"<name>"`: the event id of the platforms that carry it at
// the top of the body. The string's bytes are kept exactly (UnquoteBytes)
// where Unmarshal would replace invalid UTF-8, and on error the value is
// "". An id is one field of a body of up to hundreds of kilobytes, read on
// every webhook, so scanTopString reads it in one validating scan plus a
// walk of the top level instead of the decoder's two scans and reflection;
// whenever that answer is not certain, the decoder itself runs, so the
// errors and their texts are exactly its own.
func TopString(body []byte, name string) (string, error) {
	if v, ok := scanTopString(body, name); ok {
		return v, nil
	}
	f := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "F", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(`json:"` + name + `"`)}}))
	if err := json.Unmarshal(body, f.Interface()); err != nil {
		return "", err
	}
	// Unmarshal succeeds where the scan did not only on a top-level null,
	// which sets nothing; a string it set would have lost its bad bytes.
	return f.Elem().Field(0).String(), nil
}

// scanTopString is TopString's scan. ok is false whenever Unmarshal would
// fail or the answer is not certain (invalid JSON, a top level that is not
// an object, a matching field whose value is neither a string nor null).
// Matching follows encoding/json: the exact name, else a case-insensitive
// match (foldName), the last matching field winning, a null leaving the
// value as it was.
func scanTopString(body []byte, name string) (value string, ok bool) {
	if !jsonscan.Valid(body) {
		return "", false
	}
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return "", false
	}
	var nameBuf [32]byte
	folded := appendFoldedName(nameBuf[:0], []byte(name))
	end := jsonscan.EachMember(body, i, func(key []byte, v int) int {
		match, known := keyMatches(key, name, folded)
		if !known {
			return -1 // an escape the decoder rejects
		}
		vend := jsonscan.ValueEnd(body, v)
		if match {
			switch body[v] {
			case '"':
				s, unquoted := UnquoteBytes(body[v:vend])
				if !unquoted {
					return -1
				}
				value = s
			case 'n': // null: Unmarshal leaves the field as it was
			default: // a type error in Unmarshal
				return -1
			}
		}
		return vend
	})
	if end < 0 {
		return "", false
	}
	return value, true
}

// keyMatches reports whether the quoted key raw selects the field called
// name (whose folded form is folded) as encoding/json decides it.
func keyMatches(raw []byte, name string, folded []byte) (match, ok bool) {
	key := raw[1 : len(raw)-1]
	for _, c := range key {
		if c == '\\' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return false, false
			}
			key = []byte(s)
			break
		}
	}
	if string(key) == name {
		return true, true
	}
	var keyBuf [64]byte
	return string(appendFoldedName(keyBuf[:0], key)) == string(folded), true
}

// appendFoldedName is encoding/json's case folding of field names
// (fold.go): foldName(x) == foldName(y) exactly when Unmarshal treats the
// names as the same field.
func appendFoldedName(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

// foldRune returns the smallest rune of r's fold set.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}
