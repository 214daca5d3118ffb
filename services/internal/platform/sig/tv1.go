package sig

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// Reasons of ParseTV1 and TV1.
const (
	ReasonNoHeader    = "missing signature header"
	ReasonNoTimestamp = "missing timestamp"
	ReasonNoV1        = "no v1 signature"
	ReasonNoV1Match   = "no v1 match"
)

// ParseTV1 parses the "t=<unix seconds>,v1=<hex>[,v1=<hex>...]" header
// Stripe introduced and Calendly and Mux send. Items are split on ",",
// each "key=value", spaces around an item tolerated. It returns t exactly
// as sent (it is part of the signed bytes) and the v1 values that are
// size bytes of hex; v1 values of another length or not hex are skipped,
// like the senders' SDKs do, and other schemes (v0, v2) are ignored, so a
// weaker or unknown scheme never stands in for v1. A repeated t (which one
// was signed?), an item without "=", a t that is not unix seconds, more
// than MaxEntries items, no t or no usable v1 is a failure reason.
func ParseTV1(h string, size int) (t string, sigs [][]byte, reason string) {
	return TV1{}.parse(h, size)
}

// TV1 is the scheme of a "t=<timestamp>,v1=<hex>" header (ParseTV1) whose
// v1 values are the HMAC-SHA256 of "<t>.<body>": Stripe's, which Calendly,
// Mux and WorkOS use as it is, and Paddle and Sanity with other spellings.
// The timestamp must be within the tolerance of the request time, in both
// directions. The zero value of every option below is Stripe's.
type TV1 struct {
	// Platform names the platform in failures.
	Platform string
	// Header is the signature header's name.
	Header string
	// Millis reads and writes the timestamp as unix milliseconds
	// (WorkOS, Sanity) rather than seconds.
	Millis bool
	// TimeKey and SigKey name the items ("t", "v1"; Paddle: "ts", "h1").
	TimeKey, SigKey string
	// ItemSep separates the items ("," ; Paddle: ";"). JoinSep is what
	// Signature writes between them (ItemSep; WorkOS: ", ").
	ItemSep, JoinSep string
	// PayloadSep sits between the timestamp and the body in the signed
	// payload ("."; Paddle: ":").
	PayloadSep string
	// TrimSpace trims all Unicode white space around an item (Paddle's
	// parser) rather than spaces and tabs only.
	TrimSpace bool
	// Parse, if set, replaces the item parser (Sanity reads one positional
	// t and v1): it returns t as sent and the candidate MACs, or a reason.
	Parse func(h string) (t string, sigs [][]byte, reason string)
	// Encode, if set, replaces hex as the MAC's encoding in Signature.
	Encode func([]byte) string
	// MissingHeader, NoSig and NoMatch replace the reasons of a missing
	// header (ReasonNoHeader), of no usable signature item (ReasonNoV1)
	// and of no match (ReasonNoV1Match). They are metric labels.
	MissingHeader, NoSig, NoMatch string
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// parse is ParseTV1 under s's keys and separators.
func (s TV1) parse(h string, size int) (t string, sigs [][]byte, reason string) {
	tKey, sKey, sep := or(s.TimeKey, "t"), or(s.SigKey, "v1"), or(s.ItemSep, ",")
	n := 0
	for rest, more := h, true; more; {
		var item string
		item, rest, more = strings.Cut(rest, sep)
		if n++; n > MaxEntries {
			return "", nil, ReasonTooMany
		}
		if s.TrimSpace {
			item = strings.TrimSpace(item)
		} else {
			item = strings.Trim(item, " \t")
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return "", nil, ReasonMalformed
		}
		switch key {
		case tKey:
			if t != "" {
				return "", nil, ReasonMalformed
			}
			if _, ok := ParseUnix(val); !ok {
				return "", nil, ReasonBadTimestamp
			}
			t = val
		case sKey:
			if b, ok := DecodeHexN(val, "", size); ok {
				sigs = append(sigs, b)
			}
		}
	}
	switch {
	case t == "":
		return "", nil, ReasonNoTimestamp
	case len(sigs) == 0:
		return "", nil, or(s.NoSig, ReasonNoV1)
	}
	return t, sigs, ""
}

// Verifier returns the verifier of secrets, each used as-is as the HMAC
// key, at tolerance (which must be positive).
func (s TV1) Verifier(secrets []string, tolerance time.Duration) platform.Verifier {
	return &tv1Verifier{TV1: s, keys: KeyList(secrets), tol: tolerance}
}

// Signature returns the header value a sender puts on body at ts under
// secret, e.g. "t=<unix>,v1=<hex>".
func (s TV1) Signature(secret string, ts time.Time, body []byte) string {
	n := ts.Unix()
	if s.Millis {
		n = ts.UnixMilli()
	}
	t := strconv.FormatInt(n, 10)
	mac := MAC([]byte(secret), []byte(t), []byte(or(s.PayloadSep, ".")), body)
	enc := hex.EncodeToString
	if s.Encode != nil {
		enc = s.Encode
	}
	return or(s.TimeKey, "t") + "=" + t + or(s.JoinSep, or(s.ItemSep, ",")) + or(s.SigKey, "v1") + "=" + enc(mac)
}

// Sign is a Platform.Sign: the signature header at in.Now (as it is,
// zero included); the body is sent as it is.
func (s TV1) Sign(in platform.SignInput) (http.Header, []byte, error) {
	h := http.Header{}
	h.Set(s.Header, s.Signature(in.Secret, in.Now, in.Body))
	return h, in.Body, nil
}

type tv1Verifier struct {
	TV1
	keys [][]byte
	tol  time.Duration
}

// Verify checks the signature header of r.
func (v *tv1Verifier) Verify(r platform.Request) error {
	if len(v.keys) == 0 {
		return Fail(v.Platform, ReasonNoSecrets)
	}
	h := r.HeaderValue(v.Header)
	if h == "" {
		return Fail(v.Platform, or(v.MissingHeader, ReasonNoHeader))
	}
	var t string
	var sigs [][]byte
	var reason string
	if v.Parse != nil {
		t, sigs, reason = v.Parse(h)
	} else {
		t, sigs, reason = v.parse(h, sha256.Size)
	}
	if reason != "" {
		return Fail(v.Platform, reason)
	}
	n, _ := ParseUnix(t) // validated by the parser
	at := time.Unix(n, 0)
	if v.Millis {
		at = time.UnixMilli(n)
	}
	if err := CheckWindowTime(v.Platform, at, r.NowOrClock(), v.tol); err != nil {
		return err
	}
	if !MatchAny(v.keys, sigs, []byte(t), []byte(or(v.PayloadSep, ".")), r.Body) {
		return Fail(v.Platform, or(v.NoMatch, ReasonNoV1Match))
	}
	return nil
}
