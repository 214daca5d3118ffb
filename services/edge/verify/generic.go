package verify

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // offered for senders that sign with HMAC-SHA1
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// DefaultGenericTolerance is the replay window of a configured source that
// signs a timestamp and sets no tolerance.
const DefaultGenericTolerance = 5 * time.Minute

type genericVerifier struct {
	name     string
	sig      sources.Signature
	tmpl     []sources.Segment
	hash     func() hash.Hash // nil for ed25519
	size     int              // decoded signature size
	keys     [][]byte
	pubs     []ed25519.PublicKey
	tol      time.Duration
	splitSep string // entry separators of the signature header
}

// Generic returns the Verifier of a source defined in configuration (see
// sources.Signature): the signature header holds one or more entries
// "<prefix><signature>", separated by white space, and also by commas
// unless the prefix itself contains one; entries without the prefix are
// ignored, at most 16 are read. Each signature is hex or base64 (padded
// standard; URL-safe and unpadded forms are accepted too) of an HMAC
// (sha1, sha256 or sha512, keyed with the secret string as-is) or an
// Ed25519 signature (each secret is then a public key, 32 bytes in hex or
// base64) over the content template filled from the request: {body} the
// raw body, {timestamp} the timestamp header's text, {id} the id header's
// text, {url} Request.URL, {method} Request.Method. When {timestamp} is
// signed, it must be decimal unix seconds or milliseconds (timestamp_unit)
// within the tolerance (default DefaultGenericTolerance) in both
// directions. src is validated again here, so a Source built in code
// gets the same checks as one loaded from a file; errors wrap
// apperr.ErrInvalid.
func Generic(src sources.Source, secrets []string) (Verifier, error) {
	if err := sources.ValidateSignature(src.Signature); err != nil {
		return nil, fmt.Errorf("verify: source %q: %w: %w", src.Name, apperr.ErrInvalid, err)
	}
	signature := src.Signature
	v := &genericVerifier{
		name:     src.Name,
		sig:      signature,
		tmpl:     sources.ParseContent(signature.Content),
		tol:      sig.OrDefault(signature.Tolerance.Duration, DefaultGenericTolerance),
		splitSep: " \t,",
	}
	if strings.Contains(signature.Prefix, ",") {
		v.splitSep = " \t"
	}
	if signature.Algorithm == sources.AlgEd25519 {
		pubs, err := sig.Ed25519PublicKeys(src.Name, secrets)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		v.pubs, v.size = pubs, ed25519.SignatureSize
	} else {
		v.hash = genericHash(signature.Algorithm)
		v.keys = sig.KeyList(secrets)
		v.size = v.hash().Size()
	}
	if len(v.keys) == 0 && len(v.pubs) == 0 {
		return nil, fmt.Errorf("verify: source %q: no secrets: %w", src.Name, apperr.ErrInvalid)
	}
	return v, nil
}

func genericHash(alg string) func() hash.Hash {
	switch alg {
	case sources.AlgHMACSHA1:
		return sha1.New
	case sources.AlgHMACSHA512:
		return sha512.New
	default:
		return sha256.New
	}
}

func (v *genericVerifier) Verify(r Request) error {
	h := r.HeaderValue(v.sig.Header)
	if h == "" {
		return sig.Fail(v.name, "missing signature header")
	}
	sigs, reason := v.parseSignatures(h)
	if reason != "" {
		return sig.Fail(v.name, reason)
	}
	// The signed parts in template order, each taken from the request as
	// its segment is reached: a failure is the first one in that order.
	parts := make([][]byte, 0, len(v.tmpl))
	for _, seg := range v.tmpl {
		switch seg.Placeholder {
		case "":
			parts = append(parts, []byte(seg.Literal))
		case sources.PlaceholderBody:
			parts = append(parts, r.Body)
		case sources.PlaceholderTimestamp:
			t := r.HeaderValue(v.sig.TimestampHeader)
			if t == "" {
				return sig.Fail(v.name, "missing timestamp header")
			}
			n, ok := sig.ParseDigits(t)
			if !ok {
				return sig.Fail(v.name, sig.ReasonBadTimestamp)
			}
			at := time.Unix(n, 0)
			if v.sig.TimestampUnit == sources.UnitMillis {
				at = time.UnixMilli(n)
			}
			if err := sig.CheckWindowTime(v.name, at, r.NowOrClock(), v.tol); err != nil {
				return err
			}
			parts = append(parts, []byte(t))
		case sources.PlaceholderID:
			id := r.HeaderValue(v.sig.IDHeader)
			if id == "" {
				return sig.Fail(v.name, "missing id header")
			}
			parts = append(parts, []byte(id))
		case sources.PlaceholderURL:
			if r.URL == "" {
				return sig.Fail(v.name, sig.ReasonNoURL)
			}
			parts = append(parts, []byte(r.URL))
		case sources.PlaceholderMethod:
			parts = append(parts, []byte(r.MethodOrPost()))
		}
	}
	if v.hash != nil {
		if sig.MatchAnyWith(v.hash, v.keys, sigs, parts...) {
			return nil
		}
		return sig.Fail(v.name, "no signature match")
	}
	msg := concat(parts)
	for _, k := range v.pubs {
		for _, s := range sigs {
			if ed25519.Verify(k, msg, s) {
				return nil
			}
		}
	}
	return sig.Fail(v.name, "no signature match")
}

// parseSignatures returns the decoded signatures of the header's entries
// that carry the prefix and decode to the algorithm's size.
func (v *genericVerifier) parseSignatures(h string) ([][]byte, string) {
	entries := strings.FieldsFunc(h, func(c rune) bool { return strings.ContainsRune(v.splitSep, c) })
	if len(entries) > sig.MaxEntries {
		return nil, sig.ReasonTooMany
	}
	var sigs [][]byte
	for _, e := range entries {
		val, ok := strings.CutPrefix(e, v.sig.Prefix)
		if !ok {
			continue // another scheme or version: never used
		}
		if b, ok := v.decode(val); ok {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return nil, "no usable signature"
	}
	return sigs, ""
}

func (v *genericVerifier) decode(s string) ([]byte, bool) {
	if v.sig.Encoding == sources.EncodingBase64 {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if len(s) == enc.EncodedLen(v.size) {
				if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == v.size {
					return b, true
				}
			}
		}
		return nil, false
	}
	return sig.DecodeHexN(s, "", v.size)
}

func concat(parts [][]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// SignGeneric returns the headers a sender configured as src sets: the
// signature header ("<prefix><signature>"), the timestamp header (now, in
// the configured unit) and the id header (in.ID) when the template uses
// them. For HMAC the secret is the shared secret; for ed25519 it is the
// sender's private key, a 32-byte seed or 64-byte key in hex or base64.
// Errors wrap apperr.ErrInvalid.
func SignGeneric(src sources.Source, secret string, in SignInput) (http.Header, error) {
	if err := sources.ValidateSignature(src.Signature); err != nil {
		return nil, fmt.Errorf("sign: source %q: %w: %w", src.Name, apperr.ErrInvalid, err)
	}
	if secret == "" {
		return nil, fmt.Errorf("sign: %s: empty secret: %w", src.Name, apperr.ErrInvalid)
	}
	signature := src.Signature
	hd := http.Header{}
	var parts [][]byte
	for _, seg := range sources.ParseContent(signature.Content) {
		switch seg.Placeholder {
		case "":
			parts = append(parts, []byte(seg.Literal))
		case sources.PlaceholderBody:
			parts = append(parts, in.Body)
		case sources.PlaceholderTimestamp:
			t := strconv.FormatInt(in.Now.Unix(), 10)
			if signature.TimestampUnit == sources.UnitMillis {
				t = strconv.FormatInt(in.Now.UnixMilli(), 10)
			}
			hd.Set(signature.TimestampHeader, t)
			parts = append(parts, []byte(t))
		case sources.PlaceholderID:
			if in.ID == "" {
				return nil, fmt.Errorf("sign: %s: the id is signed and must not be empty: %w", src.Name, apperr.ErrInvalid)
			}
			hd.Set(signature.IDHeader, in.ID)
			parts = append(parts, []byte(in.ID))
		case sources.PlaceholderURL:
			parts = append(parts, []byte(in.URLOrDefault(src.Name)))
		case sources.PlaceholderMethod:
			parts = append(parts, []byte(in.MethodOrPost()))
		}
	}
	var raw []byte
	if signature.Algorithm == sources.AlgEd25519 {
		k, err := sig.Ed25519PrivateKey(secret)
		if err != nil {
			return nil, fmt.Errorf("sign: %s: %w", src.Name, err)
		}
		raw = ed25519.Sign(k, concat(parts))
	} else {
		m := hmac.New(genericHash(signature.Algorithm), []byte(secret))
		for _, p := range parts {
			m.Write(p)
		}
		raw = m.Sum(nil)
	}
	enc := hex.EncodeToString(raw)
	if signature.Encoding == sources.EncodingBase64 {
		enc = base64.StdEncoding.EncodeToString(raw)
	}
	hd.Set(signature.Header, signature.Prefix+enc)
	if in.ID != "" && src.Dedup.Header != "" && hd.Get(src.Dedup.Header) == "" {
		hd.Set(src.Dedup.Header, in.ID)
	}
	return hd, nil
}

// ConfiguredVerifiers reads a sources file (the format of
// HOOKMESH_SOURCES_FILE) and returns the Verifier of each source that has
// a secret in secrets (source name -> secret), keyed by name. It is for
// programs outside the edge that check the same requests the edge does,
// such as the benchmark's baseline; sources without a secret are left out.
func ConfiguredVerifiers(path string, secrets map[string]string) (map[string]Verifier, error) {
	srcs, err := sources.Load(path)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	out := make(map[string]Verifier, len(srcs))
	for _, src := range srcs {
		secret, ok := secrets[src.Name]
		if !ok {
			continue
		}
		v, err := Generic(src, []string{secret})
		if err != nil {
			return nil, err
		}
		out[src.Name] = v
	}
	return out, nil
}
