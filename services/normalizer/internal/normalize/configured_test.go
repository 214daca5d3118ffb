package normalize

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/sources"
)

// acmeSource is a platform defined only in configuration, as a sources
// file entry would define it: testdata/acme holds its payloads, and it
// runs through the same golden, key-fact and fuzz tests as the presets.
func acmeSource() sources.Source {
	return sources.Source{
		Name:      "acme",
		Signature: sources.Signature{Header: "x-acme-signature", Algorithm: "hmac-sha256", Encoding: "hex", Prefix: "sha256="},
		Dedup:     sources.Dedup{Header: "x-acme-event-id"},
		Normalize: sources.Normalize{
			TypePath: "kind",
			Types: map[string]string{
				"charge.paid":     "EVENT_TYPE_PAYMENT_COMPLETED",
				"charge.refunded": "EVENT_TYPE_PAYMENT_REFUNDED",
			},
			EntityType:     "charge",
			EntityIDPath:   "charge.id",
			UserIDPath:     "charge.customer",
			TenantIDPath:   "account.id",
			OccurredAtPath: "at",
			AmountPath:     "charge.total",
			CurrencyPath:   "charge.currency",
			AmountFormat:   "decimal",
		},
	}
}

// testNormalizer knows the presets and acme.
func testNormalizer(tb testing.TB) *Normalizer {
	tb.Helper()
	n, err := New([]sources.Source{acmeSource()})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestConfiguredSource covers the generic adapter's rules that the
// goldens do not: minor units, array indexes, a preset's name, errors.
func TestConfiguredSource(t *testing.T) {
	t.Parallel()
	minor := acmeSource()
	minor.Name = "minorco"
	minor.Dedup = sources.Dedup{JSONPath: "meta.id"}
	minor.Normalize.AmountFormat = "minor_units"
	minor.Normalize.EntityIDPath = "items.1.id"
	shadow := acmeSource()
	shadow.Name = "stripe"
	n, err := New([]sources.Source{acmeSource(), minor, shadow})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(n.Platforms(), ","); !strings.Contains(got, "acme,adyen") || !strings.Contains(got, "minorco") || strings.Count(got, "stripe") != 1 {
		t.Errorf("Platforms() = %s", got)
	}
	h := map[string]string{"x-acme-event-id": "d1"}
	tests := []struct {
		name, platform string
		headers        map[string]string
		body           string
		wantType       eventv1.EventType
		wantEntity     string
		wantMinor      int64
		wantCurrency   string
		wantEventID    string
		wantErr        error
	}{
		{"decimal string", "acme", h, `{"kind":"charge.paid","charge":{"id":"c1","total":"0.29","currency":"usd"}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "c1", 29, "USD", "d1", nil},
		{"decimal number kept exact", "acme", h, `{"kind":"charge.paid","charge":{"id":1,"total":19.99,"currency":"EUR"}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "1", 1999, "EUR", "d1", nil},
		{"decimal JPY", "acme", h, `{"kind":"charge.refunded","charge":{"total":"1500","currency":"JPY"}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_REFUNDED, "", 1500, "JPY", "d1", nil},
		{"unmapped type", "acme", h, `{"kind":"charge.disputed"}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, "", 0, "", "d1", nil},
		{"integer type", "acme", h, `{"kind":7}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, "", 0, "", "d1", nil},
		{"minor units and array index", "minorco", nil, `{"meta":{"id":"m9"},"kind":"charge.paid","items":[{"id":"a"},{"id":"b"}],"charge":{"total":1999,"currency":"KWD"}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "b", 1999, "KWD", "m9", nil},
		{"minor units as string", "minorco", nil, `{"meta":{"id":"m9"},"kind":"charge.paid","charge":{"total":"1999","currency":"usd"}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "", 1999, "USD", "m9", nil},
		{"preset wins over a source of its name", "stripe", nil, `{"id":"evt_1","type":"charge.succeeded","data":{"object":{"object":"charge","id":"ch_1","amount":1999,"currency":"usd"}}}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "ch_1", 1999, "USD", "evt_1", nil},
		{"minor units with a fraction", "minorco", nil, `{"meta":{"id":"m9"},"kind":"x","charge":{"total":19.99,"currency":"usd"}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"too precise decimal", "acme", h, `{"kind":"x","charge":{"total":"19.999","currency":"usd"}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"exponent decimal", "acme", h, `{"kind":"x","charge":{"total":1e3,"currency":"usd"}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"amount without currency", "acme", h, `{"kind":"x","charge":{"total":"1.00"}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"no type", "acme", h, `{"charge":{}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"type is an object", "acme", h, `{"kind":{"a":1}}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"path through a scalar", "acme", h, `{"kind":"x","charge":"c1"}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"bad time", "acme", h, `{"kind":"x","at":"yesterday"}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"not json", "acme", h, `kind=x`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"array body", "acme", h, `[{"kind":"x"}]`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"no dedup id", "acme", nil, `{"kind":"x"}`, 0, "", 0, "", "", apperr.ErrInvalid},
		{"unknown platform", "nope", nil, `{}`, 0, "", 0, "", "", apperr.ErrNotFound},
	}
	for _, tt := range tests {
		ev, err := n.Normalize(tt.platform, tt.headers, []byte(tt.body), testReceivedAt)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) || ev != nil {
				t.Errorf("%s: got %v, %v; want %v", tt.name, ev, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.GetEventType() != tt.wantType || ev.GetEntityId() != tt.wantEntity || ev.GetEventId() != tt.wantEventID {
			t.Errorf("%s: type %v entity %q event_id %q; want %v %q %q", tt.name, ev.GetEventType(), ev.GetEntityId(), ev.GetEventId(), tt.wantType, tt.wantEntity, tt.wantEventID)
		}
		if ev.GetAmount().GetMinorUnits() != tt.wantMinor || ev.GetAmount().GetCurrency() != tt.wantCurrency {
			t.Errorf("%s: amount %v, want %d %s", tt.name, ev.GetAmount(), tt.wantMinor, tt.wantCurrency)
		}
	}
}

// TestConfiguredPaths covers what a path means (package dotpath) as the
// normalizer sees it: keys with characters other path syntaxes treat as
// special, repeated keys, nulls, ids of the wrong JSON type, and a dedup
// key that is the edge's.
func TestConfiguredPaths(t *testing.T) {
	t.Parallel()
	src := sources.Source{
		Name:      "pathco",
		Signature: sources.Signature{Header: "x-pathco-signature", Algorithm: "hmac-sha256"},
		Dedup:     sources.Dedup{JSONPath: "meta.ids.0"},
		Normalize: sources.Normalize{
			TypePath:       "@type",
			Types:          map[string]string{"paid": "EVENT_TYPE_PAYMENT_COMPLETED"},
			EntityType:     "charge",
			EntityIDPath:   "obj#.id*",
			UserIDPath:     `a|b.c?.d\e`,
			TenantIDPath:   "tenant.id",
			OccurredAtPath: "at",
			AmountPath:     "obj#.amount",
			CurrencyPath:   "obj#.currency",
			AmountFormat:   "minor_units",
		},
	}
	n, err := New([]sources.Source{src})
	if err != nil {
		t.Fatal(err)
	}
	const meta = `"meta":{"ids":["k1","k2"]}`
	tests := []struct {
		name                    string
		body                    string
		wantType                eventv1.EventType
		wantEntity, wantUser    string
		wantTenant, wantEventID string
		wantMinor               int64
		wantErr                 bool
	}{
		{"special characters are plain keys", `{"@type":"paid","obj#":{"id*":"c1","amount":5,"currency":"usd"},"a|b":{"c?":{"d\\e":"u1"}},` + meta + `}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "c1", "u1", "", "k1", 5, false},
		{"escaped keys in the body", `{"\u0040type":"paid","obj\u0023":{"id\u002a":"c1"},` + meta + `}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "c1", "", "", "k1", 0, false},
		{"repeated keys: the last wins", `{"@type":"x","@type":"paid","obj#":{"id*":"old"},"obj#":{"id*":"new"},"meta":{"ids":["k0"]},` + meta + `}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "new", "", "", "k1", 0, false},
		{"integer ids exact", `{"@type":7,"obj#":{"id*":18446744073709551615},"a|b":{"c?":{"d\\e":-5}},"tenant":{"id":9007199254740993},` + meta + `}`,
			eventv1.EventType_EVENT_TYPE_UNMAPPED, "18446744073709551615", "-5", "9007199254740993", "k1", 0, false},
		{"null and absent leave fields empty", `{"@type":"paid","obj#":null,"a|b":{"c?":null},"tenant":{},"at":null,` + meta + `}`,
			eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, "", "", "", "k1", 0, false},
		{"array id", `{"@type":"paid","obj#":{"id*":["c1"]},` + meta + `}`, 0, "", "", "", "", 0, true},
		{"boolean id", `{"@type":"paid","obj#":{"id*":true},` + meta + `}`, 0, "", "", "", "", 0, true},
		{"fraction id", `{"@type":"paid","obj#":{"id*":1.5},` + meta + `}`, 0, "", "", "", "", 0, true},
		{"exponent id", `{"@type":"paid","obj#":{"id*":1e3},` + meta + `}`, 0, "", "", "", "", 0, true},
		{"id beyond uint64", `{"@type":"paid","obj#":{"id*":18446744073709551616},` + meta + `}`, 0, "", "", "", "", 0, true},
		{"boolean type", `{"@type":false,` + meta + `}`, 0, "", "", "", "", 0, true},
		{"path through a number", `{"@type":"paid","obj#":7,` + meta + `}`, 0, "", "", "", "", 0, true},
		{"array indexed by a name", `{"@type":"paid","tenant":["t1"],` + meta + `}`, 0, "", "", "", "", 0, true},
		{"invalid JSON past the fields", `{"@type":"paid",` + meta + `},`, 0, "", "", "", "", 0, true},
		{"no dedup id: index past the end", `{"@type":"paid","meta":{"ids":[]}}`, 0, "", "", "", "", 0, true},
	}
	for _, tt := range tests {
		ev, err := n.Normalize("pathco", nil, []byte(tt.body), testReceivedAt)
		if tt.wantErr {
			if !errors.Is(err, apperr.ErrInvalid) || ev != nil {
				t.Errorf("%s: got %v, %v; want ErrInvalid", tt.name, ev, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if ev.GetEventType() != tt.wantType || ev.GetEntityId() != tt.wantEntity || ev.GetUserId() != tt.wantUser ||
			ev.GetTenantId() != tt.wantTenant || ev.GetEventId() != tt.wantEventID || ev.GetAmount().GetMinorUnits() != tt.wantMinor {
			t.Errorf("%s: type %v entity %q user %q tenant %q event_id %q amount %v; want %v %q %q %q %q %d", tt.name,
				ev.GetEventType(), ev.GetEntityId(), ev.GetUserId(), ev.GetTenantId(), ev.GetEventId(), ev.GetAmount(),
				tt.wantType, tt.wantEntity, tt.wantUser, tt.wantTenant, tt.wantEventID, tt.wantMinor)
		}
		// The edge keys the request with the same rule, on the raw body.
		if k, err := eventkey.DeriveWith(src.Dedup, nil, []byte(tt.body)); err != nil || k.EventID != ev.GetEventId() || k.Source != ev.GetSource() {
			t.Errorf("%s: edge key %+v, %v; normalizer %q %q", tt.name, k, err, ev.GetEventId(), ev.GetSource())
		}
	}
	bad := src
	bad.Normalize.TenantIDPath = strings.Repeat("a.", 32) + "a"
	bad.Dedup.JSONPath = "meta..id"
	_, err = New([]sources.Source{bad})
	if err == nil || !strings.Contains(err.Error(), "tenant_id_path") || !strings.Contains(err.Error(), "dedup.json_path") {
		t.Errorf("New with a 33-segment path and an empty dedup segment: %v", err)
	}
}

// TestNewRejectsBadRules checks that a wrong rule fails at start, naming
// the source and the rule, rather than at the first webhook.
func TestNewRejectsBadRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*sources.Normalize)
		want   string
	}{
		{"unknown enum", func(r *sources.Normalize) { r.Types["x"] = "PAYMENT_COMPLETED" }, `types["x"]`},
		{"unspecified enum", func(r *sources.Normalize) { r.Types["x"] = "EVENT_TYPE_UNSPECIFIED" }, `types["x"]`},
		{"no format", func(r *sources.Normalize) { r.AmountFormat = "" }, "amount_format"},
		{"float format", func(r *sources.Normalize) { r.AmountFormat = "float" }, "amount_format"},
		{"no currency", func(r *sources.Normalize) { r.CurrencyPath = "" }, "currency_path"},
		{"currency alone", func(r *sources.Normalize) { r.AmountPath = "" }, "need amount_path"},
		{"empty segment", func(r *sources.Normalize) { r.EntityIDPath = "charge..id" }, "entity_id_path"},
	}
	for _, tt := range tests {
		s := acmeSource()
		tt.modify(&s.Normalize)
		_, err := New([]sources.Source{s})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `"acme"`) {
			t.Errorf("%s: err = %v, want one naming acme and %s", tt.name, err, tt.want)
		}
	}
	s := acmeSource()
	s.Normalize = sources.Normalize{}
	n, err := New([]sources.Source{s})
	if err != nil {
		t.Fatalf("no rules: %v", err)
	}
	ev, err := n.Normalize("acme", map[string]string{"x-acme-event-id": "d1"}, []byte(`{"kind":"charge.paid"}`), testReceivedAt)
	if err != nil || ev.GetSourceEventType() != "webhook" || ev.GetEventType() != eventv1.EventType_EVENT_TYPE_UNMAPPED {
		t.Errorf("no rules: %v, %v; want an UNMAPPED webhook", ev, err)
	}
}

// benchConfiguredBody returns a configured source's event of about size
// bytes: the type and event id at the top, then a nested object whose ids
// and money come after a metadata filler, so that finding them means
// skipping most of the body, as in real events.
func benchConfiguredBody(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","type":"charge.paid","created":1700000000,"data":{"object":{"metadata":{`)
	tail := `},"id":"ch_3MmlLrLkdIwHu7ix0snN0B15","customer":"cus_NffrFeUfNV2Hib","amount":1999,"currency":"usd"}},"livemode":false}`
	for i := 0; b.Len() < size-len(tail)-40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"key_%d":"value with some text \u00e9 %d"`, i, i)
	}
	b.WriteString(tail)
	return []byte(b.String())
}

// BenchmarkNormalizeConfigured measures a configured source with five
// paths (type, entity, user, amount, currency) on a 2 KB and a 15 KB body,
// its dedup id in a header and, as the second case, at a JSON path.
func BenchmarkNormalizeConfigured(b *testing.B) {
	src := sources.Source{
		Name:      "benchco",
		Signature: sources.Signature{Header: "x-benchco-signature", Algorithm: "hmac-sha256"},
		Normalize: sources.Normalize{
			TypePath:     "type",
			Types:        map[string]string{"charge.paid": "EVENT_TYPE_PAYMENT_COMPLETED"},
			EntityType:   "charge",
			EntityIDPath: "data.object.id",
			UserIDPath:   "data.object.customer",
			AmountPath:   "data.object.amount",
			CurrencyPath: "data.object.currency",
			AmountFormat: "minor_units",
		},
	}
	byHeader, byPath := src, src
	byHeader.Name, byHeader.Dedup = "benchco", sources.Dedup{Header: "x-benchco-id"}
	byPath.Name, byPath.Dedup = "benchco-path", sources.Dedup{JSONPath: "id"}
	n, err := New([]sources.Source{byHeader, byPath})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		body []byte
	}{{"2k", benchConfiguredBody(2 << 10)}, {"15k", benchConfiguredBody(15 << 10)}} {
		body := size.body
		for _, tt := range []struct {
			name, platform string
			headers        map[string]string
		}{
			{"dedup-header", "benchco", map[string]string{"x-benchco-id": "d1"}},
			{"dedup-path", "benchco-path", nil},
		} {
			ev, err := n.Normalize(tt.platform, tt.headers, body, testReceivedAt)
			if err != nil || ev.GetEntityId() != "ch_3MmlLrLkdIwHu7ix0snN0B15" || ev.GetUserId() != "cus_NffrFeUfNV2Hib" || ev.GetAmount().GetMinorUnits() != 1999 {
				b.Fatalf("%s: %v, %v", tt.name, ev, err)
			}
			b.Run(tt.name+"-"+size.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					if _, err := n.Normalize(tt.platform, tt.headers, body, testReceivedAt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
