package eventid

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Ids are bytes: a platform may put any bytes in a header or a JSON string
// (é, a tab, invalid UTF-8, a NUL from "\u0000"). The pipeline cannot carry
// all of them as they are: proto3 string fields must be valid UTF-8 and
// PostgreSQL text holds neither invalid UTF-8 nor NUL. Replacing the bad
// bytes (as JSON decoders do with U+FFFD) would merge ids that differ only
// in them, dropping the second event as a duplicate of the first. Encode
// is therefore injective and reversible, and the identity on every id the
// pipeline could always carry, so existing stored ids keep their key.

// escapeMark starts an escaped byte: U+FFFD, the character decoders
// substitute for bad bytes, so an escaped id reads as one that had them.
const escapeMark = "\uFFFD"

const hexDigits = "0123456789ABCDEF"

// Encode returns the form of the id s that is stored, keyed and shown as
// event_id (and source): s itself when s is valid UTF-8 with no NUL and
// no U+FFFD; otherwise s with each invalid byte, each NUL byte and each of
// the three bytes of a U+FFFD replaced by U+FFFD followed by the byte's
// two upper-case hex digits ("a\xffb" becomes "a\uFFFDFFb"). The result
// is always valid UTF-8 with no NUL, and every U+FFFD in it starts such an
// escape, so Decode recovers s and two ids never share an encoded form.
func Encode(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == 0 {
			for _, c := range []byte(s[i : i+n]) {
				b.WriteString(escapeMark)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needsEscape reports whether Encode changes s.
func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError {
				return true // invalid (n == 1) or a genuine U+FFFD (n == 3)
			}
			i += n
			continue
		}
		if c == 0 {
			return true
		}
		i++
	}
	return false
}

// ErrNotEncoded is returned by Decode for a string Encode never returns.
var ErrNotEncoded = errors.New("eventid: not an encoded id")

// Decode returns the bytes of the id whose encoded form is s: the inverse
// of Encode. It fails with ErrNotEncoded unless s is exactly what Encode
// returns for some id (a U+FFFD not followed by two upper-case hex digits,
// an escape of a byte that Encode keeps as it is, invalid UTF-8, a NUL).
func Decode(s string) (string, error) {
	if !strings.Contains(s, escapeMark) {
		if needsEscape(s) {
			return "", ErrNotEncoded
		}
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !strings.HasPrefix(s[i:], escapeMark) {
			b.WriteByte(s[i])
			i++
			continue
		}
		i += len(escapeMark)
		if i+2 > len(s) {
			return "", ErrNotEncoded
		}
		hi, ok1 := hexValue(s[i])
		lo, ok2 := hexValue(s[i+1])
		if !ok1 || !ok2 {
			return "", ErrNotEncoded
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	out := b.String()
	// Only Encode's own output decodes: any other escape (of a plain
	// letter, say) would give a second encoded form of the same id.
	if Encode(out) != s {
		return "", ErrNotEncoded
	}
	return out, nil
}

// hexValue is the value of an upper-case hex digit.
func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
