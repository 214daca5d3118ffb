package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// MaxDepth is encoding/json's nesting limit: Valid, like json.Valid,
// rejects a text with more than MaxDepth objects and arrays open at once.
const MaxDepth = 10000

// Valid reports whether b is one valid JSON text, exactly as json.Valid
// does (FuzzValid): the same grammar, white space and nesting limit, and,
// like it, no check of the UTF-8 inside strings. It allocates nothing:
// which of the open values are arrays is a bit set on the stack, so depth
// costs no memory. json.Valid runs a state machine through a function
// call per byte; this loop is about four times faster on a webhook body,
// and every body is validated before its fields are read.
func Valid(b []byte) bool {
	var arrays [MaxDepth/64 + 1]uint64 // bit d: the value open at depth d is an array
	depth := 0
	i := SkipSpace(b, 0)
	for {
		// A value starts at b[i].
		if i >= len(b) {
			return false
		}
		switch c := b[i]; c {
		case '{', '[':
			if depth == MaxDepth {
				return false
			}
			depth++
			bit := uint64(1) << (depth % 64)
			if c == '[' {
				arrays[depth/64] |= bit
			} else {
				arrays[depth/64] &^= bit
			}
			i = SkipSpace(b, i+1)
			if i < len(b) && (c == '[' && b[i] == ']' || c == '{' && b[i] == '}') {
				depth--
				i++
				break // an empty object or array: a whole value
			}
			if c == '{' {
				if i = memberName(b, i); i < 0 {
					return false
				}
			}
			continue // its first element or member value
		case '"':
			if i = stringEnd(b, i); i < 0 {
				return false
			}
		case 't':
			if i = literal(b, i, "true"); i < 0 {
				return false
			}
		case 'f':
			if i = literal(b, i, "false"); i < 0 {
				return false
			}
		case 'n':
			if i = literal(b, i, "null"); i < 0 {
				return false
			}
		default:
			if i = numberEnd(b, i); i < 0 {
				return false
			}
		}
		// A value ended at b[i]: close what it ends, up to the next value.
		for {
			i = SkipSpace(b, i)
			if depth == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			inArray := arrays[depth/64]&(uint64(1)<<(depth%64)) != 0
			c := b[i]
			if c == ',' {
				i = SkipSpace(b, i+1)
				if !inArray {
					if i = memberName(b, i); i < 0 {
						return false
					}
				}
				break
			}
			if inArray && c != ']' || !inArray && c != '}' {
				return false
			}
			depth--
			i++
		}
	}
}

// memberName reads a member's name and its colon at b[i], returning where
// the value starts, or -1.
func memberName(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = stringEnd(b, i); i < 0 {
		return -1
	}
	i = SkipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return -1
	}
	return SkipSpace(b, i+1)
}

// plain marks the bytes a string holds as they are: not a quote, not a
// backslash, not a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// SWAR constants: a byte repeated in each of a word's eight bytes.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// skipWords returns the index of the first quote or backslash (with
// controls, or control character) at or after i, reading eight bytes at a
// time; when the last fewer than eight bytes are left, the index of the
// first of them. The test is the classic "has a zero byte",
// (v - ones) &^ v & highs, on x^'"' and x^'\\', with x - 0x20 for the
// bytes below 0x20: a borrow can set bits above a true hit, never below
// one, and bytes of 0x80 and more (UTF-8) never hit.
func skipWords(b []byte, i int, controls bool) int {
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		m := ((x ^ '"'*ones) - ones) | ((x ^ '\\'*ones) - ones)
		if controls {
			m |= x - 0x20*ones
		}
		if m = m &^ x & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
	}
	return i
}

// stringEnd checks the string whose opening quote is b[i] and returns the
// index just past it, or -1.
func stringEnd(b []byte, i int) int {
	i++
	for {
		i = skipWords(b, i, true)
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch b[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := Hex4(b[i+2:]); !ok {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

// literal checks that b[i:] starts with word and returns the index past
// it, or -1. What follows is checked by the caller, as after any value.
func literal(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// numberEnd checks the number at b[i] (-?(0|[1-9][0-9]*)(.[0-9]+)?
// ([eE][+-]?[0-9]+)?) and returns the index past it, or -1.
func numberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// digits returns the index of the first byte at or after i that is not a
// decimal digit.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
