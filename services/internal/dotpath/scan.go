package dotpath

import (
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hookmesh/hookmesh/services/internal/jsonscan"
)

// keyEqual below reads the keys of a body that ParseObject has validated
// (jsonscan.EachMember finds them); it still checks every index against
// the length, so a key it was never meant to see cannot make it panic.

// replacement is U+FFFD as UTF-8, what encoding/json makes of each byte of
// invalid UTF-8 and of each unpaired surrogate escape in a key.
const replacement = "\uFFFD"

// keyEqual reports whether the JSON string literal lit (quotes included)
// decodes, as encoding/json decodes a map key, to seg. It decodes and
// compares piece by piece, so escaped or non-ASCII keys allocate nothing
// either.
func keyEqual(lit []byte, seg string) bool {
	if len(lit) < 2 {
		return false
	}
	in := lit[1 : len(lit)-1]
	j := 0 // bytes of seg matched so far
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c < utf8.RuneSelf && c != '\\':
			if j >= len(seg) || seg[j] != c {
				return false
			}
			i++
			j++
			continue
		case c != '\\':
			r, size := utf8.DecodeRune(in[i:])
			piece := in[i : i+size]
			if r == utf8.RuneError && size == 1 {
				piece = []byte(replacement)
			}
			if !hasPrefixAt(seg, j, piece) {
				return false
			}
			i += size
			j += len(piece)
			continue
		}
		// An escape.
		if i+1 >= len(in) {
			return false
		}
		var r rune
		switch e := in[i+1]; e {
		case '"', '\\', '/':
			r = rune(e)
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'n':
			r = '\n'
		case 'r':
			r = '\r'
		case 't':
			r = '\t'
		case 'u':
			var ok bool
			if r, ok = jsonscan.Hex4(in[i+2:]); !ok {
				return false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				// encoding/json: a valid pair is one character, anything
				// else one U+FFFD for the first escape.
				r2 := rune(-1)
				if i+1 < len(in) && in[i] == '\\' && in[i+1] == 'u' {
					r2, _ = jsonscan.Hex4(in[i+2:])
				}
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					r = pair
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			var buf [utf8.UTFMax]byte
			piece := buf[:utf8.EncodeRune(buf[:], r)]
			if !hasPrefixAt(seg, j, piece) {
				return false
			}
			j += len(piece)
			continue
		default:
			return false
		}
		if j >= len(seg) || seg[j] != byte(r) {
			return false
		}
		i += 2
		j++
	}
	return j == len(seg)
}

// hasPrefixAt reports whether seg holds piece at j.
func hasPrefixAt(seg string, j int, piece []byte) bool {
	return j+len(piece) <= len(seg) && seg[j:j+len(piece)] == string(piece)
}
