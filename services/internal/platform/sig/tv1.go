package sig

import (
	"crypto/sha256"
	"strings"
)

// ParseTV1 parses the "t=<digits>,v1=<hex>[,v1=<hex>...]" header Stripe
// and WorkOS send (WorkOS with a space after the comma and t in
// milliseconds). It returns the t value exactly as sent (it is part of the
// signed bytes) and the decoded v1 signatures (32 bytes each), or a
// failure reason. Items are split on "," and "=" and trimmed of spaces
// and tabs; unknown schemes (Stripe's test-mode v0) and v1 values that are
// not 64 hex digits are ignored, so a weaker scheme cannot stand in for
// v1; a repeated t is refused (which t would have been signed?); t must be
// digits only (ParseDigits); at most MaxEntries items are read.
func ParseTV1(h string) (t string, sigs [][]byte, reason string) {
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, ",")
		if n++; n > MaxEntries {
			return "", nil, ReasonTooMany
		}
		key, val, ok := strings.Cut(strings.Trim(item, " \t"), "=")
		if !ok {
			return "", nil, ReasonMalformed
		}
		switch key {
		case "t":
			if t != "" {
				return "", nil, ReasonMalformed
			}
			if _, ok := ParseDigits(val); !ok {
				return "", nil, ReasonBadTimestamp
			}
			t = val
		case "v1":
			if b, ok := DecodeHexN(val, "", sha256.Size); ok {
				sigs = append(sigs, b)
			}
		}
	}
	switch {
	case t == "":
		return "", nil, "missing timestamp"
	case len(sigs) == 0:
		return "", nil, "no v1 signature"
	}
	return t, sigs, ""
}
