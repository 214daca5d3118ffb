package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/money"
)

// Normalizer normalizes the webhooks of the presets and of the sources
// defined in configuration (HOOKMESH_SOURCES_FILE). The zero value knows
// the presets only. It is immutable once built, so safe for concurrent use.
type Normalizer struct {
	sources map[string]*configuredSource
}

// configuredSource is a source's Normalize rules, checked once at start.
type configuredSource struct {
	name  string
	rules sources.Normalize
	dedup sources.Dedup
	types map[string]eventv1.EventType
}

// Amount formats of a configured source.
const (
	amountDecimal    = "decimal"
	amountMinorUnits = "minor_units"
)

// unconfiguredType is the source_event_type of a configured source that
// has no type_path: its events cannot be told apart, but still flow.
const unconfiguredType = "webhook"

// New returns a Normalizer for the presets and srcs. It checks every
// source's rules and reports all problems at once: an EventType name that
// does not exist, an amount without a currency path or an explicit format
// (guessing cents versus units is how money goes wrong). A source named
// like a preset is normalized by the preset: the file may configure its
// signature, but the code knows its payload better.
func New(srcs []sources.Source) (*Normalizer, error) {
	n := &Normalizer{sources: map[string]*configuredSource{}}
	var errs []error
	for _, s := range srcs {
		if _, preset := adapters[s.Name]; preset {
			continue
		}
		c := &configuredSource{name: s.Name, rules: s.Normalize, dedup: s.Dedup, types: map[string]eventv1.EventType{}}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("source %q: normalize: %s", s.Name, fmt.Sprintf(format, args...)))
		}
		for _, sourceType := range slices.Sorted(maps.Keys(s.Normalize.Types)) {
			name := s.Normalize.Types[sourceType]
			v, ok := eventv1.EventType_value[name]
			if !ok || eventv1.EventType(v) == eventv1.EventType_EVENT_TYPE_UNSPECIFIED {
				bad("types[%q] = %q: want an EventType name such as EVENT_TYPE_PAYMENT_COMPLETED", sourceType, name)
				continue
			}
			c.types[sourceType] = eventv1.EventType(v)
		}
		r := s.Normalize
		switch {
		case r.AmountPath == "" && (r.CurrencyPath != "" || r.AmountFormat != ""):
			bad("currency_path and amount_format need amount_path")
		case r.AmountPath != "" && r.CurrencyPath == "":
			bad("amount_path %q needs currency_path", r.AmountPath)
		case r.AmountPath != "" && r.AmountFormat != amountDecimal && r.AmountFormat != amountMinorUnits:
			bad("amount_format %q: want %q or %q", r.AmountFormat, amountDecimal, amountMinorUnits)
		}
		for field, path := range map[string]string{
			"type_path": r.TypePath, "entity_id_path": r.EntityIDPath, "user_id_path": r.UserIDPath,
			"tenant_id_path": r.TenantIDPath, "occurred_at_path": r.OccurredAtPath,
			"amount_path": r.AmountPath, "currency_path": r.CurrencyPath,
		} {
			if path != "" && slices.Contains(strings.Split(path, "."), "") {
				bad("%s %q: empty segment", field, path)
			}
		}
		n.sources[s.Name] = c
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("normalize: %w", err)
	}
	return n, nil
}

// Platforms lists the presets and the configured sources, sorted.
func (n *Normalizer) Platforms() []string {
	names := Platforms()
	for name := range n.sources {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// normalize reads a configured source's payload with its dotted paths.
// Required: a JSON object body and, when type_path is set, a type there.
// Every other path is optional: absent or null leaves the field empty, but
// a value of the wrong JSON type is an error, not a silent zero.
func (c *configuredSource) normalize(r request, ev *eventv1.NormalizedEvent) error {
	var root json.RawMessage
	if err := decodeObject(c.name, r.body, &root); err != nil {
		return err
	}
	ev.SourceEventType = unconfiguredType
	if c.rules.TypePath != "" {
		t, err := c.id(root, "type_path", c.rules.TypePath)
		if err != nil {
			return err
		}
		if t == "" {
			return invalid(c.name, "no event type at %q", c.rules.TypePath)
		}
		ev.SourceEventType = t
	}
	ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
	if t, ok := c.types[ev.SourceEventType]; ok {
		ev.EventType = t
	}
	var err error
	for _, f := range []struct {
		field, path string
		dst         *string
	}{
		{"entity_id_path", c.rules.EntityIDPath, &ev.EntityId},
		{"user_id_path", c.rules.UserIDPath, &ev.UserId},
		{"tenant_id_path", c.rules.TenantIDPath, &ev.TenantId},
	} {
		if *f.dst, err = c.id(root, f.field, f.path); err != nil {
			return err
		}
	}
	if ev.EntityId != "" {
		// The configured entity type names what entity_id_path finds.
		ev.EntityType = c.rules.EntityType
	}
	if raw, ok, err := c.lookup(root, "occurred_at_path", c.rules.OccurredAtPath); err != nil {
		return err
	} else if ok {
		var t jsonTime
		if err := json.Unmarshal(raw, &t); err != nil {
			return invalid(c.name, "occurred_at_path %q: %v", c.rules.OccurredAtPath, err)
		}
		occurred(ev, t.Time)
	}
	if err := c.amount(root, ev); err != nil {
		return err
	}
	key, err := eventkey.DeriveWith(c.dedup, r.headers, r.body)
	if err != nil {
		return fmt.Errorf("%s: event key: %w", c.name, err)
	}
	ev.EventId, ev.Source = key.EventID, key.Source
	return nil
}

// amount reads amount_path and currency_path in the source's format.
func (c *configuredSource) amount(root json.RawMessage, ev *eventv1.NormalizedEvent) error {
	raw, ok, err := c.lookup(root, "amount_path", c.rules.AmountPath)
	if err != nil || !ok {
		return err
	}
	currency, err := c.id(root, "currency_path", c.rules.CurrencyPath)
	if err != nil {
		return err
	}
	if currency == "" {
		return invalid(c.name, "amount at %q has no currency at %q", c.rules.AmountPath, c.rules.CurrencyPath)
	}
	// A number's exact text, or a string's content: never a float64.
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return invalid(c.name, "amount_path %q: %v", c.rules.AmountPath, err)
		}
	}
	var m *eventv1.Money
	switch c.rules.AmountFormat {
	case amountDecimal:
		m, err = money.ParseDecimal(text, currency)
	case amountMinorUnits:
		var units int64
		if units, err = minorUnitsString(text); err == nil {
			m, err = money.FromMinorUnits(c.name, units, currency)
		}
	}
	if err != nil {
		return invalid(c.name, "amount_path %q: %v", c.rules.AmountPath, err)
	}
	ev.Amount = m
	return nil
}

// id reads the string or integer at path; "" when path is unset or absent.
func (c *configuredSource) id(root json.RawMessage, field, path string) (string, error) {
	raw, ok, err := c.lookup(root, field, path)
	if err != nil || !ok {
		return "", err
	}
	var id jsonID
	if err := json.Unmarshal(raw, &id); err != nil {
		return "", invalid(c.name, "%s %q: %v", field, path, err)
	}
	return string(id), nil
}

// lookup follows a dotted path through objects (by key) and arrays (by
// decimal index: "items.0.id"). ok is false when path is unset, a step is
// missing, or the value is null.
func (c *configuredSource) lookup(root json.RawMessage, field, path string) (json.RawMessage, bool, error) {
	if path == "" {
		return nil, false, nil
	}
	cur := root
	for seg := range strings.SplitSeq(path, ".") {
		trimmed := bytes.TrimLeft(cur, " \t\r\n")
		if len(trimmed) == 0 {
			return nil, false, nil
		}
		switch trimmed[0] {
		case '{':
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(trimmed, &obj); err != nil {
				return nil, false, invalid(c.name, "%s %q: %v", field, path, err)
			}
			next, ok := obj[seg]
			if !ok {
				return nil, false, nil
			}
			cur = next
		case '[':
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 {
				return nil, false, invalid(c.name, "%s %q: %q indexes an array", field, path, seg)
			}
			var arr []json.RawMessage
			if err := json.Unmarshal(trimmed, &arr); err != nil {
				return nil, false, invalid(c.name, "%s %q: %v", field, path, err)
			}
			if i >= len(arr) {
				return nil, false, nil
			}
			cur = arr[i]
		default:
			return nil, false, invalid(c.name, "%s %q: %q is inside a scalar", field, path, seg)
		}
	}
	cur = bytes.TrimSpace(cur)
	if len(cur) == 0 || string(cur) == "null" {
		return nil, false, nil
	}
	return cur, true, nil
}
