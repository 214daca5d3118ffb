package normalize

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/dotpath"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/platform/money"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// Normalizer normalizes the webhooks of the presets and of the sources
// defined in configuration (HOOKMESH_SOURCES_FILE). The zero value knows
// the presets only. It is immutable once built, so safe for concurrent use.
type Normalizer struct {
	sources map[string]*configuredSource
}

// configuredSource is a source's Normalize rules, checked and compiled
// once at start.
type configuredSource struct {
	name  string
	rules sources.Normalize
	dedup eventkey.Dedup
	types map[string]eventv1.EventType
	paths [numPaths]dotpath.Path // by slot; an unset one is zero and finds nothing
	// all is paths and the dedup path, compiled together so that one pass
	// over the body finds them all (dotpath.Object.LookupAll).
	all *dotpath.Paths
}

// The slots of a configured source's paths: its normalize paths, then the
// dedup path.
const (
	typePath = iota
	entityIDPath
	userIDPath
	tenantIDPath
	occurredAtPath
	amountPath
	currencyPath
	dedupPath
	numPaths
)

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
		if _, preset := presetAdapter(s.Name); preset {
			continue
		}
		c := &configuredSource{name: s.Name, rules: s.Normalize, types: map[string]eventv1.EventType{}}
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
		for _, f := range []struct {
			field, path string
			slot        int
		}{
			{"type_path", r.TypePath, typePath},
			{"entity_id_path", r.EntityIDPath, entityIDPath},
			{"user_id_path", r.UserIDPath, userIDPath},
			{"tenant_id_path", r.TenantIDPath, tenantIDPath},
			{"occurred_at_path", r.OccurredAtPath, occurredAtPath},
			{"amount_path", r.AmountPath, amountPath},
			{"currency_path", r.CurrencyPath, currencyPath},
		} {
			if f.path == "" {
				continue
			}
			p, err := dotpath.Compile(f.path)
			if err != nil {
				bad("%s %q: %v", f.field, f.path, err)
				continue
			}
			c.paths[f.slot] = p
		}
		var err error
		if c.dedup, err = eventkey.CompileDedup(s.Dedup); err != nil {
			bad("%v", err)
		}
		c.paths[dedupPath] = c.dedup.Path()
		c.all = dotpath.CompilePaths(c.paths[:]...)
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

// normalize reads a configured source's payload with its dotted paths
// (package dotpath), all in one pass over one check of the body, the
// dedup key's too. Required: a JSON object body and, when type_path is
// set, a type there. Every other path is optional: absent or null leaves
// the field empty, but a value of the wrong JSON type is an error, not a
// silent zero. The fields are checked in a fixed order, so the error of a
// body with several faults is always the same.
func (c *configuredSource) normalize(r request, ev *eventv1.NormalizedEvent) error {
	root, err := dotpath.ParseObject(r.Body)
	if errors.Is(err, dotpath.ErrNotObject) {
		return norm.Invalid(c.name, "%v", err)
	} else if err != nil {
		return norm.Invalid(c.name, "decode body: %v", err)
	}
	var buf [numPaths]dotpath.Result
	found := (*[numPaths]dotpath.Result)(root.LookupAll(c.all, buf[:0]))
	ev.SourceEventType = unconfiguredType
	if !c.paths[typePath].IsZero() {
		t, err := c.id(found, "type_path", typePath)
		if err != nil {
			return err
		}
		if t == "" {
			return norm.Invalid(c.name, "no event type at %q", c.paths[typePath])
		}
		ev.SourceEventType = t
	}
	ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
	if t, ok := c.types[ev.SourceEventType]; ok {
		ev.EventType = t
	}
	for _, f := range []struct {
		field string
		slot  int
		dst   *string
	}{
		{"entity_id_path", entityIDPath, &ev.EntityId},
		{"user_id_path", userIDPath, &ev.UserId},
		{"tenant_id_path", tenantIDPath, &ev.TenantId},
	} {
		if *f.dst, err = c.id(found, f.field, f.slot); err != nil {
			return err
		}
	}
	if ev.EntityId != "" {
		// The configured entity type names what entity_id_path finds.
		ev.EntityType = c.rules.EntityType
	}
	if v, err := c.value(found, "occurred_at_path", occurredAtPath); err != nil {
		return err
	} else if v.Found() {
		var t norm.Time
		if err := t.UnmarshalJSON(v.Raw); err != nil {
			return norm.Invalid(c.name, "occurred_at_path %q: %v", c.paths[occurredAtPath], err)
		}
		norm.Occurred(ev, t.Time)
	}
	if err := c.amount(found, ev); err != nil {
		return err
	}
	key, err := c.dedup.DeriveFound(r.Headers, found[dedupPath])
	if err != nil {
		return fmt.Errorf("%s: event key: %w", c.name, err)
	}
	ev.EventId, ev.Source = key.EventID, key.Source
	return nil
}

// amount reads amount_path and currency_path in the source's format.
func (c *configuredSource) amount(found *[numPaths]dotpath.Result, ev *eventv1.NormalizedEvent) error {
	v, err := c.value(found, "amount_path", amountPath)
	if err != nil || !v.Found() {
		return err
	}
	currency, err := c.id(found, "currency_path", currencyPath)
	if err != nil {
		return err
	}
	amountAt := c.paths[amountPath]
	if currency == "" {
		return norm.Invalid(c.name, "amount at %q has no currency at %q", amountAt, c.paths[currencyPath])
	}
	// A number's exact text, or a string's content: never a float64.
	text := string(v.Raw)
	if v.Kind == dotpath.String {
		if text, err = norm.Unquote(v.Raw); err != nil {
			return norm.Invalid(c.name, "amount_path %q: %v", amountAt, err)
		}
	}
	var m *eventv1.Money
	switch c.rules.AmountFormat {
	case amountDecimal:
		m, err = money.ParseDecimal(text, currency)
	case amountMinorUnits:
		var units int64
		if units, err = norm.MinorUnitsString(text); err == nil {
			m, err = money.FromMinorUnits(c.name, units, currency)
		}
	}
	if err != nil {
		return norm.Invalid(c.name, "amount_path %q: %v", amountAt, err)
	}
	ev.Amount = m
	return nil
}

// id reads the string or integer the path in slot found; "" when the path
// is unset or finds nothing. Any other value (an object, a boolean, 1.5)
// is an error.
func (c *configuredSource) id(found *[numPaths]dotpath.Result, field string, slot int) (string, error) {
	v, err := c.value(found, field, slot)
	if err != nil || !v.Found() {
		return "", err
	}
	var id norm.ID
	if err := id.UnmarshalJSON(v.Raw); err != nil {
		return "", norm.Invalid(c.name, "%s %q: %v", field, c.paths[slot], err)
	}
	return string(id), nil
}

// value is what the path in slot found (see package dotpath: keys through
// objects, decimal indexes through arrays; absent or null is not found),
// its error naming the source, the field and the path.
func (c *configuredSource) value(found *[numPaths]dotpath.Result, field string, slot int) (dotpath.Value, error) {
	if err := found[slot].Err; err != nil {
		return dotpath.Value{}, norm.Invalid(c.name, "%s %q: %v", field, c.paths[slot], err)
	}
	return found[slot].Value, nil
}
