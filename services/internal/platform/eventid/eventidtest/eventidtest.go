// Package eventidtest holds test helpers for ids in JSON bodies.
package eventidtest

import "fmt"

// QuoteRaw writes b as a JSON string literal that escapes only what JSON
// requires, so any other byte (invalid UTF-8 included) is sent as is.
func QuoteRaw(b []byte) []byte {
	out := []byte{'"'}
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = fmt.Appendf(out, `\u%04x`, c)
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
