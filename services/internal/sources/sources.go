// Package sources reads platforms defined in configuration instead of code
// (HOOKMESH_SOURCES_FILE): how a source signs its webhooks, where its dedup
// id is, and how its payload maps to a NormalizedEvent. The edge uses the
// signature and dedup parts, the normalizer the normalize part, so a new
// HMAC-signed platform needs a file entry and a secret, no code.
package sources

import (
	"fmt"
	"os"
	"regexp"
	"time"

	"sigs.k8s.io/yaml"
)

// File is the top level of a sources file.
type File struct {
	// Sources are the configured platforms.
	Sources []Source `json:"sources"`
}

// Source is one platform defined in configuration.
type Source struct {
	// Name is the path segment of POST /webhooks/{name} and the platform
	// name on every event; secrets come from HOOKMESH_SECRET_<NAME>.
	Name string `json:"name"`
	// Signature says how requests are signed.
	Signature Signature `json:"signature"`
	// Dedup says where the event id is.
	Dedup Dedup `json:"dedup"`
	// Normalize says how the payload maps to a NormalizedEvent.
	Normalize Normalize `json:"normalize"`
	// MaxBodyBytes overrides the body cap; 0 keeps the default.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
}

// Signature describes a signing scheme.
type Signature struct {
	// Header carries the signature.
	Header string `json:"header"`
	// Algorithm is hmac-sha1, hmac-sha256, hmac-sha512 or ed25519 (the
	// secret is then the sender's public key, hex or base64).
	Algorithm string `json:"algorithm"`
	// Encoding of the signature: hex (the default when empty) or base64.
	Encoding string `json:"encoding"`
	// Prefix precedes the encoded signature in the header ("sha256=").
	Prefix string `json:"prefix,omitempty"`
	// Content is the template of the signed bytes, made of the
	// placeholders {body} {timestamp} {id} {url} {method} and literal text;
	// default "{body}".
	Content string `json:"content,omitempty"`
	// TimestampHeader carries the signed timestamp (decimal unix seconds,
	// or milliseconds with TimestampUnit "ms"); required when, and only
	// when, the template uses {timestamp}.
	TimestampHeader string `json:"timestamp_header,omitempty"`
	// TimestampUnit is "s" (default) or "ms".
	TimestampUnit string `json:"timestamp_unit,omitempty"`
	// Tolerance is the replay window around the timestamp; default 5m.
	Tolerance Duration `json:"tolerance,omitempty"`
	// IDHeader carries the value of {id}; required when the template
	// uses it.
	IDHeader string `json:"id_header,omitempty"`
}

// Dedup locates the event id: a header, or a dotted JSON path in the body.
type Dedup struct {
	// Header holds the event id.
	Header string `json:"header,omitempty"`
	// JSONPath is a dotted path ("id", "data.event.id") into the body.
	JSONPath string `json:"json_path,omitempty"`
	// SourceHeader, when set, scopes the id (like a shop domain).
	SourceHeader string `json:"source_header,omitempty"`
}

// Normalize maps a JSON payload with dotted paths.
type Normalize struct {
	// TypePath locates the platform's event type string.
	TypePath string `json:"type_path"`
	// Types maps the platform's type strings to EventType enum names
	// ("EVENT_TYPE_PAYMENT_COMPLETED"); others are EVENT_TYPE_UNMAPPED.
	Types map[string]string `json:"types,omitempty"`
	// EntityTypePath, EntityIDPath, UserIDPath, TenantIDPath locate ids.
	EntityType     string `json:"entity_type,omitempty"`
	EntityIDPath   string `json:"entity_id_path,omitempty"`
	UserIDPath     string `json:"user_id_path,omitempty"`
	TenantIDPath   string `json:"tenant_id_path,omitempty"`
	OccurredAtPath string `json:"occurred_at_path,omitempty"`
	// AmountPath and CurrencyPath locate money; AmountFormat is "decimal"
	// (a string or number such as "19.99") or "minor_units" (an integer).
	AmountPath   string `json:"amount_path,omitempty"`
	CurrencyPath string `json:"currency_path,omitempty"`
	AmountFormat string `json:"amount_format,omitempty"`
}

// Duration is a time.Duration written as "300s" or "5m" in the file.
type Duration struct{ time.Duration }

// UnmarshalJSON parses a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %s: want a value such as 300s or 5m", b)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// Load reads and validates a sources file. An empty path means no file.
func Load(path string) ([]Source, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sources file: %w", err)
	}
	return Parse(path, b)
}

// Parse validates the YAML (or JSON) content of a sources file; name is
// used in errors.
func Parse(name string, b []byte) ([]Source, error) {
	var f File
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return nil, fmt.Errorf("sources file %s: %w", name, err)
	}
	seen := map[string]bool{}
	for i, s := range f.Sources {
		if !nameRE.MatchString(s.Name) {
			return nil, fmt.Errorf("sources file %s: source %d: name %q must match %s", name, i, s.Name, nameRE)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("sources file %s: source %q defined twice", name, s.Name)
		}
		seen[s.Name] = true
		if s.Signature.Header == "" || s.Signature.Algorithm == "" {
			return nil, fmt.Errorf("sources file %s: source %q: signature.header and signature.algorithm are required", name, s.Name)
		}
		if err := ValidateSignature(s.Signature); err != nil {
			return nil, fmt.Errorf("sources file %s: source %q: %w", name, s.Name, err)
		}
		if s.Dedup.Header == "" && s.Dedup.JSONPath == "" {
			return nil, fmt.Errorf("sources file %s: source %q: dedup.header or dedup.json_path is required", name, s.Name)
		}
		if err := ValidateDedup(s.Dedup); err != nil {
			return nil, fmt.Errorf("sources file %s: source %q: %w", name, s.Name, err)
		}
		if s.MaxBodyBytes < 0 {
			return nil, fmt.Errorf("sources file %s: source %q: max_body_bytes must not be negative", name, s.Name)
		}
	}
	return f.Sources, nil
}
