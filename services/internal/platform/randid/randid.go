// Package randid makes fresh ids in the formats platforms use (UUIDs,
// prefixed alphanumerics, ULID-like base 32, Discord snowflakes), for the
// sample webhooks `hookmesh send` and the benchmarks build. Not for
// secrets: ids only need to be unique, and crypto/rand makes them so.
package randid

import (
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // only to make git-like commit shas, not for security
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Snowflake returns a Discord id for now: milliseconds since the Discord
// epoch in the top 42 bits, random worker, process and sequence below.
func Snowflake(now time.Time) string {
	const discordEpoch = 1420070400000
	ms := uint64(now.UnixMilli() - discordEpoch)
	return strconv.FormatUint(ms<<22|Uint()&(1<<22-1), 10)
}

// UUID returns a random version-4 UUID in its usual text form.
func UUID() string {
	b := Bytes(16)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Alnum returns n random ASCII letters and digits.
func Alnum(n int) string { return Pick(alphabet, n) }

// Base32 returns n random characters of Crockford's base 32, as ULIDs use.
func Base32(n int) string { return Pick("0123456789ABCDEFGHJKMNPQRSTVWXYZ", n) }

// Pick returns n characters drawn at random from chars.
func Pick(chars string, n int) string {
	b := Bytes(n)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

// Bytes returns n random bytes.
func Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}

// Uint returns a random 64-bit integer.
func Uint() uint64 { return binary.BigEndian.Uint64(Bytes(8)) }

// GitSHA returns a stable 40-hex-digit git sha for a label (the same
// label, the same sha), for sample commits.
func GitSHA(label string) string {
	s := sha1.Sum([]byte(label)) //nolint:gosec // see the import
	return hex.EncodeToString(s[:])
}

// Hex returns n random lower-case hex digits (Intercom and Mongo-style
// ids).
func Hex(n int) string { return Pick("0123456789abcdef", n) }
