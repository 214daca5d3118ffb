package sources

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/hookmesh/hookmesh/services/internal/dotpath"
)

// Algorithms of Signature.Algorithm.
const (
	AlgHMACSHA1   = "hmac-sha1"
	AlgHMACSHA256 = "hmac-sha256"
	AlgHMACSHA512 = "hmac-sha512"
	AlgEd25519    = "ed25519"
)

// Encodings of Signature.Encoding.
const (
	EncodingHex    = "hex"
	EncodingBase64 = "base64"
)

// Units of Signature.TimestampUnit.
const (
	UnitSeconds = "s"
	UnitMillis  = "ms"
)

// Placeholders of Signature.Content.
const (
	PlaceholderBody      = "body"
	PlaceholderTimestamp = "timestamp"
	PlaceholderID        = "id"
	PlaceholderURL       = "url"
	PlaceholderMethod    = "method"
)

// DefaultContent is the template used when Signature.Content is empty.
const DefaultContent = "{body}"

// maxContentLen bounds a content template.
const maxContentLen = 256

// Segment is one piece of a parsed content template: literal text, or a
// placeholder name (Placeholder non-empty).
type Segment struct {
	Literal     string
	Placeholder string
}

// ParseContent splits a template validated by ValidateSignature into
// segments; an empty template is DefaultContent. Its result on an invalid
// template is unspecified (but it never panics).
func ParseContent(content string) []Segment {
	if content == "" {
		content = DefaultContent
	}
	var out []Segment
	for content != "" {
		i := strings.IndexByte(content, '{')
		if i < 0 {
			out = append(out, Segment{Literal: content})
			break
		}
		if i > 0 {
			out = append(out, Segment{Literal: content[:i]})
		}
		j := strings.IndexByte(content[i:], '}')
		if j < 0 {
			out = append(out, Segment{Literal: content[i:]})
			break
		}
		out = append(out, Segment{Placeholder: content[i+1 : i+j]})
		content = content[i+j+1:]
	}
	return out
}

// ValidateSignature checks a signing scheme: a header, a known algorithm,
// encoding and timestamp unit, a template made only of known placeholders
// and brace-free literal text, the timestamp header set exactly when
// {timestamp} is signed, the id header set when {id} is, and a
// non-negative tolerance.
func ValidateSignature(s Signature) error {
	var errs []error
	if s.Header == "" || !validHeaderName(s.Header) {
		errs = append(errs, fmt.Errorf("signature.header %q is not a header name", s.Header))
	}
	switch s.Algorithm {
	case AlgHMACSHA1, AlgHMACSHA256, AlgHMACSHA512, AlgEd25519:
	default:
		errs = append(errs, fmt.Errorf("signature.algorithm %q: want one of %s, %s, %s, %s",
			s.Algorithm, AlgHMACSHA1, AlgHMACSHA256, AlgHMACSHA512, AlgEd25519))
	}
	switch s.Encoding {
	case "", EncodingHex, EncodingBase64:
	default:
		errs = append(errs, fmt.Errorf("signature.encoding %q: want %s or %s", s.Encoding, EncodingHex, EncodingBase64))
	}
	switch s.TimestampUnit {
	case "", UnitSeconds, UnitMillis:
	default:
		errs = append(errs, fmt.Errorf("signature.timestamp_unit %q: want %s or %s", s.TimestampUnit, UnitSeconds, UnitMillis))
	}
	if strings.ContainsAny(s.Prefix, " \t") {
		errs = append(errs, fmt.Errorf("signature.prefix %q must not contain white space (it separates signatures)", s.Prefix))
	}
	if s.Tolerance.Duration < 0 {
		errs = append(errs, fmt.Errorf("signature.tolerance %v must not be negative", s.Tolerance.Duration))
	}
	used, err := contentPlaceholders(s.Content)
	if err != nil {
		errs = append(errs, err)
	}
	switch {
	case used[PlaceholderTimestamp] && s.TimestampHeader == "":
		errs = append(errs, errors.New("signature.timestamp_header is required: the content signs {timestamp}"))
	case !used[PlaceholderTimestamp] && s.TimestampHeader != "":
		// An unsigned timestamp protects nothing; accepting it would
		// promise a replay window that does not exist.
		errs = append(errs, errors.New("signature.timestamp_header is set but the content does not sign {timestamp}"))
	}
	if s.TimestampHeader != "" && !validHeaderName(s.TimestampHeader) {
		errs = append(errs, fmt.Errorf("signature.timestamp_header %q is not a header name", s.TimestampHeader))
	}
	if used[PlaceholderID] && s.IDHeader == "" {
		errs = append(errs, errors.New("signature.id_header is required: the content signs {id}"))
	}
	if s.IDHeader != "" && !validHeaderName(s.IDHeader) {
		errs = append(errs, fmt.Errorf("signature.id_header %q is not a header name", s.IDHeader))
	}
	return errors.Join(errs...)
}

// contentPlaceholders validates a template and returns the placeholders it
// uses.
func contentPlaceholders(content string) (map[string]bool, error) {
	if content == "" {
		content = DefaultContent
	}
	if len(content) > maxContentLen {
		return nil, fmt.Errorf("signature.content is longer than %d bytes", maxContentLen)
	}
	used := map[string]bool{}
	rest := content
	for rest != "" {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			break
		}
		if rest[i] == '}' {
			return nil, fmt.Errorf("signature.content %q: unmatched }", content)
		}
		j := strings.IndexAny(rest[i+1:], "{}")
		if j < 0 || rest[i+1+j] != '}' {
			return nil, fmt.Errorf("signature.content %q: unclosed {", content)
		}
		name := rest[i+1 : i+1+j]
		switch name {
		case PlaceholderBody, PlaceholderTimestamp, PlaceholderID, PlaceholderURL, PlaceholderMethod:
			used[name] = true
		default:
			return nil, fmt.Errorf("signature.content %q: unknown placeholder {%s}: want {body} {timestamp} {id} {url} {method}", content, name)
		}
		rest = rest[i+1+j+1:]
	}
	if len(used) == 0 {
		return nil, fmt.Errorf("signature.content %q signs no request data", content)
	}
	return used, nil
}

// ValidateDedup checks the id location: a header name, and a dotted JSON
// path that compiles (dotpath.Compile: 1 to dotpath.MaxSegments non-empty
// segments), as the edge and the normalizer will compile it.
func ValidateDedup(d Dedup) error {
	var errs []error
	if d.Header != "" && !validHeaderName(d.Header) {
		errs = append(errs, fmt.Errorf("dedup.header %q is not a header name", d.Header))
	}
	if d.SourceHeader != "" && !validHeaderName(d.SourceHeader) {
		errs = append(errs, fmt.Errorf("dedup.source_header %q is not a header name", d.SourceHeader))
	}
	if d.JSONPath != "" {
		if _, err := dotpath.Compile(d.JSONPath); err != nil {
			errs = append(errs, fmt.Errorf("dedup.json_path %q: %w", d.JSONPath, err))
		}
	}
	return errors.Join(errs...)
}

// validHeaderName reports whether s is a token usable as an HTTP header
// name.
func validHeaderName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return textproto.CanonicalMIMEHeaderKey(s) != ""
}
