package sample

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// newID returns a fresh id in the platform's own format, so what the
// ledger stores looks like what the platform sends (and length limits or
// parsers that assume a format are exercised).
func newID(platform string, now time.Time) string {
	switch platform {
	case "stripe":
		return "evt_" + alnum(24)
	case "slack":
		return "Ev" + strings.ToUpper(alnum(10))
	case "standard", "svix", "clerk", "resend":
		return "msg_" + alnum(27) // Svix's KSUID-based message ids
	case "paddle":
		return "evt_" + strings.ToLower(base32(26)) // Paddle's ULID-based ids
	case "intercom":
		return "notif_" + uuid()
	case "zendesk":
		return strconv.FormatUint(1e10+randUint()%9e10, 10) // invocation ids are integers
	case "hubspot":
		// HubSpot event ids are 64-bit; above 2^53 they break float64
		// decoding, which is exactly what the pipeline must survive.
		return strconv.FormatUint(1<<53+randUint()%(1<<62), 10)
	case "discord":
		return snowflake(now)
	case "sendgrid":
		return base64.RawURLEncoding.EncodeToString(randBytes(16)) // 22 characters, like sg_event_id
	case "mailgun":
		return alnum(22)
	case "adyen":
		return strings.ToUpper(alnum(16)) // pspReference
	}
	// github, shopify, gitlab, bitbucket, linear, square, twilio, twitch
	return uuid()
}

// snowflake returns a Discord id for now: milliseconds since the Discord
// epoch in the top 42 bits, random worker, process and sequence below.
func snowflake(now time.Time) string {
	const discordEpoch = 1420070400000
	ms := uint64(now.UnixMilli() - discordEpoch)
	return strconv.FormatUint(ms<<22|randUint()&(1<<22-1), 10)
}

func uuid() string {
	b := randBytes(16)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func alnum(n int) string { return pick(alphabet, n) }

func base32(n int) string { return pick("0123456789ABCDEFGHJKMNPQRSTVWXYZ", n) } // Crockford's

func pick(chars string, n int) string {
	b := randBytes(n)
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return string(b)
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return b
}

func randUint() uint64 { return binary.BigEndian.Uint64(randBytes(8)) }
